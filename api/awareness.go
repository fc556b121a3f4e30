package api

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"wuzha/internal/awareness"
)

// getAwareness answers an area's awareness figures for ?period= (default:
// the current quarter), read from the maintained counters.
func (s *Server) getAwareness(c *fiber.Ctx) error {
	name := c.Query("period", awareness.CurrentQuarter(time.Now()))
	p, err := awareness.ParsePeriod(name, time.Now())
	if err != nil {
		return err
	}
	f, err := s.Awareness.Compute(c.UserContext(), caller(c), c.Params("code"), p)
	if err != nil {
		return err
	}
	return c.JSON(f)
}

// getAwarenessGrids lists every grid under the area with its coverage.
func (s *Server) getAwarenessGrids(c *fiber.Ctx) error {
	p, err := awareness.ParsePeriod(c.Query("period", awareness.CurrentQuarter(time.Now())), time.Now())
	if err != nil {
		return err
	}
	grids, err := s.Awareness.Grids(c.UserContext(), caller(c), c.Params("code"), p)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"period": p.Name, "items": grids})
}
