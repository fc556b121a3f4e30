package api

import "github.com/gofiber/fiber/v2"

func (s *Server) getTaxonomy(c *fiber.Ctx) error {
	l, err := s.Codes.Lists(c.UserContext())
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	return c.JSON(l)
}
