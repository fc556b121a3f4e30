package api

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"wuzha/internal/audit"
)

func (s *Server) listAudit(c *fiber.Ctx) error {
	limit, before, err := pageParams(c)
	if err != nil {
		return err
	}
	f := audit.Filter{ScopePath: caller(c).AreaPath, Action: c.Query("action"), BeforeID: before, Limit: limit}
	if v := c.Query("since"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return errBadParam
		}
		f.Since = t
	}
	entries, err := s.Audit.ListViews(c.UserContext(), f)
	if err != nil {
		return err
	}
	return c.JSON(newPage(entries, limit, func(e audit.View) int64 { return e.ID }))
}

// listAuditActions names every audited action in Chinese, for the filter.
func (s *Server) listAuditActions(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"items": audit.ActionOptions()})
}
