package api

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"

	"wuzha/internal/fault"
)

var errNotReady = fault.New(fault.Unavailable, "not_ready", "服务正在启动，请稍后再试").WithRetry(2 * time.Second)

// healthz says the process is up.
func (s *Server) healthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok"})
}

// readyz says the server can serve: migrations and seed are done and the
// database answers.
func (s *Server) readyz(c *fiber.Ctx) error {
	if !s.ready.Load() {
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "starting"})
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	if err := s.DB.Ping(ctx); err != nil {
		s.Log.Warn("readyz: database ping failed", "err", err)
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "database unreachable"})
	}
	return c.JSON(fiber.Map{"status": "ready"})
}

// requireReady answers API calls with 503 until the server is ready.
//
// It also marks every API answer Cache-Control: no-store (prize codes,
// profiles, attempts, tokens must stay out of shared and browser caches); a
// handler whose answer may be cached (public reference data, QR images) sets
// its own Cache-Control over this.
func (s *Server) requireReady(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	if !s.ready.Load() {
		return errNotReady
	}
	return c.Next()
}

// apiNotFound answers unknown /api paths with a JSON 404 (never index.html).
func (s *Server) apiNotFound(c *fiber.Ctx) error {
	return fiber.ErrNotFound
}
