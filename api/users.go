package api

import (
	"github.com/gofiber/fiber/v2"

	"wuzha/internal/auth"
)

func (s *Server) listUsers(c *fiber.Ctx) error {
	limit, after, err := pageParams(c)
	if err != nil {
		return err
	}
	users, err := s.Auth.ListUsers(c.UserContext(), caller(c), auth.UserFilter{
		Role: auth.Role(c.Query("role")), AreaCode: c.Query("area_code"), AfterID: after, Limit: limit,
		Q: c.Query("q"), Status: c.Query("status"),
	})
	if err != nil {
		return err
	}
	return c.JSON(newPage(users, limit, func(u auth.StaffUser) int64 { return u.ID }))
}

func (s *Server) createUser(c *fiber.Ctx) error {
	var req auth.NewUser
	if err := decode(c, &req); err != nil {
		return err
	}
	cl := caller(c)
	u, err := s.Auth.CreateUser(c.UserContext(), &cl, req)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(u)
}

func (s *Server) updateUser(c *fiber.Ctx) error {
	id, err := idParam(c, auth.ErrNotFound)
	if err != nil {
		return err
	}
	var req auth.UserChange
	if err := decode(c, &req); err != nil {
		return err
	}
	u, err := s.Auth.UpdateUser(c.UserContext(), caller(c), id, req)
	if err != nil {
		return err
	}
	return c.JSON(u)
}

func (s *Server) unlockLogin(c *fiber.Ctx) error {
	id, err := idParam(c, auth.ErrNotFound)
	if err != nil {
		return err
	}
	if err := s.Auth.UnlockLogin(c.UserContext(), caller(c), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// importUsers is POST /users/import: staff from a CSV or XLSX sheet, all or
// nothing, with initial passwords shown this once.
func (s *Server) importUsers(c *fiber.Ctx) error {
	name, data, err := s.uploadedFile(c)
	if err != nil {
		return err
	}
	created, err := s.Auth.ImportUsers(c.UserContext(), caller(c), name, data)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"created": created})
}
