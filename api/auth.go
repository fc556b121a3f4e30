package api

import (
	"github.com/gofiber/fiber/v2"

	"wuzha/internal/fault"
)

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type refreshRequest struct {
	RefreshToken string `json:"refresh_token"`
}

// SessionCode, optional, is the join code of the in-person session the
// resident came from: an open session's sign-ins are limited per session
// (sized for a hall behind one address) instead of per address. The joinFlow
// middleware reads it before the handler; the field is here so that the
// strict decoding accepts it.
type smsCodeRequest struct {
	Phone       string `json:"phone"`
	SessionCode string `json:"session_code"`
}

type smsLoginRequest struct {
	Phone       string `json:"phone"`
	Code        string `json:"code"`
	SessionCode string `json:"session_code"`
}

func (s *Server) login(c *fiber.Ctx) error {
	var req loginRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	pair, err := s.Auth.Login(c.UserContext(), req.Username, req.Password, s.origin(c))
	if err != nil {
		if f, ok := fault.As(err); ok {
			s.metrics.loginRefused.WithLabelValues(f.Code).Inc()
		}
		return err
	}
	return c.JSON(pair)
}

func (s *Server) refresh(c *fiber.Ctx) error {
	var req refreshRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	pair, err := s.Auth.Refresh(c.UserContext(), req.RefreshToken)
	if err != nil {
		return err
	}
	return c.JSON(pair)
}

func (s *Server) logout(c *fiber.Ctx) error {
	var req refreshRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if err := s.Auth.Logout(c.UserContext(), caller(c), req.RefreshToken); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) sendSMSCode(c *fiber.Ctx) error {
	var req smsCodeRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if err := s.Auth.SendCode(c.UserContext(), req.Phone, s.origin(c)); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) smsLogin(c *fiber.Ctx) error {
	var req smsLoginRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	pair, err := s.Auth.LoginSMS(c.UserContext(), req.Phone, req.Code, s.origin(c))
	if err != nil {
		return err
	}
	return c.JSON(pair)
}
