package api

import (
	"github.com/gofiber/fiber/v2"

	"wuzha/internal/auth"
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
