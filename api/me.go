package api

import (
	"github.com/gofiber/fiber/v2"

	"wuzha/internal/auth"
	"wuzha/internal/quiz"
)

func (s *Server) getMe(c *fiber.Ctx) error {
	me, err := s.Auth.Me(c.UserContext(), caller(c))
	if err != nil {
		return err
	}
	return c.JSON(me)
}

func (s *Server) putProfile(c *fiber.Ctx) error {
	var req auth.ProfileInput
	if err := decode(c, &req); err != nil {
		return err
	}
	p, err := s.Auth.SetProfile(c.UserContext(), caller(c), req)
	if err != nil {
		return err
	}
	return c.JSON(p)
}

// changePassword is POST /me/password: staff change their own password.
func (s *Server) changePassword(c *fiber.Ctx) error {
	var req auth.PasswordChange
	if err := decode(c, &req); err != nil {
		return err
	}
	if err := s.Auth.ChangePassword(c.UserContext(), caller(c), req); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// closeAccount is DELETE /me: a resident closes (注销) their account.
func (s *Server) closeAccount(c *fiber.Ctx) error {
	if err := s.Auth.CloseAccount(c.UserContext(), caller(c)); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// myAttempts is GET /me/attempts: the caller's own attempts, newest first.
func (s *Server) myAttempts(c *fiber.Ctx) error {
	limit, before, err := pageParams(c)
	if err != nil {
		return err
	}
	items, err := s.Quiz.MyAttempts(c.UserContext(), caller(c), limit, before)
	if err != nil {
		return err
	}
	return c.JSON(newPage(items, limit, func(a quiz.MyAttempt) int64 { return a.AttemptID }))
}
