package api

import (
	"errors"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"wuzha/internal/area"
	"wuzha/internal/assessment"
	"wuzha/internal/auth"
	"wuzha/internal/awareness"
)

// assessmentAccess lets admins and assessors in, or a machine client with an
// X-API-Key — for reading only.
func (s *Server) assessmentAccess(write bool) fiber.Handler {
	people := s.guard(roles(auth.Admin, auth.Assessor))
	if write {
		people = s.guard(roles(auth.Admin))
	}
	return func(c *fiber.Ctx) error {
		key := c.Get("X-API-Key")
		if key == "" {
			return people(c)
		}
		if write {
			return assessment.ErrReadOnly
		}
		cl, err := s.Assessment.Authenticate(c.UserContext(), key, s.clientIP(c), requestID(c), c.Method()+" "+c.Path())
		if err != nil {
			return err
		}
		c.Locals(localCaller, cl)
		return c.Next()
	}
}

func (s *Server) assessmentPeriod(c *fiber.Ctx) (awareness.Period, error) {
	return awareness.ParsePeriod(c.Params("period"), time.Now())
}

func areaErr(err error) error {
	if errors.Is(err, area.ErrNotFound) {
		return errAreaNotFound
	}
	return err
}

func (s *Server) getAssessment(c *fiber.Ctx) error {
	p, err := s.assessmentPeriod(c)
	if err != nil {
		return err
	}
	sh, err := s.Assessment.Get(c.UserContext(), caller(c), c.Params("code"), p)
	if err != nil {
		return areaErr(err)
	}
	return c.JSON(sh)
}

func (s *Server) lockAssessment(c *fiber.Ctx) error {
	p, err := s.assessmentPeriod(c)
	if err != nil {
		return err
	}
	sh, err := s.Assessment.Lock(c.UserContext(), caller(c), c.Params("code"), p)
	if err != nil {
		return areaErr(err)
	}
	return c.JSON(sh)
}

func (s *Server) exportAssessment(c *fiber.Ctx) error {
	p, err := s.assessmentPeriod(c)
	if err != nil {
		return err
	}
	format := c.Query("format", "xlsx")
	if format != "xlsx" && format != "csv" {
		return errBadParam
	}
	data, ctype, err := s.Assessment.Export(c.UserContext(), caller(c), c.Params("code"), p, format)
	if err != nil {
		return areaErr(err)
	}
	c.Set(fiber.HeaderContentType, ctype)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="assessment-`+p.Name+`-`+c.Params("code")+`.`+format+`"`)
	return c.Send(data)
}

type apiKeyRequest struct {
	Name      string     `json:"name"`
	AreaCode  string     `json:"area_code"`
	ExpiresAt *time.Time `json:"expires_at"`
}

func (s *Server) createAPIKey(c *fiber.Ctx) error {
	var req apiKeyRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	k, err := s.Assessment.CreateKey(c.UserContext(), caller(c), req.Name, req.AreaCode, req.ExpiresAt)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(k)
}

func (s *Server) listAPIKeys(c *fiber.Ctx) error {
	keys, err := s.Assessment.ListKeys(c.UserContext(), caller(c))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": keys})
}

func (s *Server) revokeAPIKey(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return assessment.ErrKeyNotFound
	}
	if err := s.Assessment.RevokeKey(c.UserContext(), caller(c), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
