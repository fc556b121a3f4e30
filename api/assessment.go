package api

import (
	"bytes"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"wuzha/internal/assessment"
	"wuzha/internal/auth"
	"wuzha/internal/awareness"
	"wuzha/internal/rule"
)

// assessmentAccess lets admins and assessors in, or a machine client with an
// X-API-Key — for reading only.
func (s *Server) assessmentAccess(write bool) fiber.Handler {
	people := s.guard(roles(auth.Admin, auth.Assessor))
	if write {
		people = s.guard(roles(auth.Admin))
	}
	return s.keyOr(people, write)
}

// keyOr lets a machine client with an X-API-Key read, and hands everyone
// else to people.
func (s *Server) keyOr(people fiber.Handler, write bool) fiber.Handler {
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

func (s *Server) getAssessment(c *fiber.Ctx) error {
	p, err := s.assessmentPeriod(c)
	if err != nil {
		return err
	}
	sh, err := s.Assessment.Get(c.UserContext(), caller(c), c.Params("code"), p)
	if err != nil {
		return err
	}
	return c.JSON(sh)
}

type reasonRequest struct {
	Reason string `json:"reason"`
}

func (s *Server) lockAssessment(c *fiber.Ctx) error {
	p, err := s.assessmentPeriod(c)
	if err != nil {
		return err
	}
	var req reasonRequest
	if len(bytes.TrimSpace(c.Body())) > 0 { // the reason is optional, and so is the body
		if err := decode(c, &req); err != nil {
			return err
		}
	}
	sh, err := s.Assessment.Lock(c.UserContext(), caller(c), c.Params("code"), p, req.Reason)
	if err != nil {
		return err
	}
	return c.JSON(sh)
}

func (s *Server) unlockAssessment(c *fiber.Ctx) error {
	p, err := s.assessmentPeriod(c)
	if err != nil {
		return err
	}
	var req reasonRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	sh, err := s.Assessment.Unlock(c.UserContext(), caller(c), c.Params("code"), p, req.Reason)
	if err != nil {
		return err
	}
	return c.JSON(sh)
}

func (s *Server) assessmentHistory(c *fiber.Ctx) error {
	p, err := s.assessmentPeriod(c)
	if err != nil {
		return err
	}
	items, err := s.Assessment.History(c.UserContext(), caller(c), c.Params("code"), p)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": items})
}

func (s *Server) verifyAssessment(c *fiber.Ctx) error {
	p, err := s.assessmentPeriod(c)
	if err != nil {
		return err
	}
	version := 0
	if v := c.Query("version"); v != "" {
		if version, err = strconv.Atoi(v); err != nil || version < 1 {
			return errBadParam
		}
	}
	res, err := s.Assessment.Verify(c.UserContext(), caller(c), c.Params("code"), p, version)
	if err != nil {
		return err
	}
	return c.JSON(res)
}

func (s *Server) getRule(c *fiber.Ctx) error {
	r, err := s.Assessment.Rules().Get(c.UserContext(), caller(c))
	if err != nil {
		return err
	}
	return c.JSON(r)
}

func (s *Server) putRule(c *fiber.Ctx) error {
	var in rule.Input
	if err := decode(c, &in); err != nil {
		return err
	}
	r, err := s.Assessment.Rules().Update(c.UserContext(), caller(c), in)
	if err != nil {
		return err
	}
	return c.JSON(r)
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
		return err
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
	id, err := idParam(c, assessment.ErrKeyNotFound)
	if err != nil {
		return err
	}
	if err := s.Assessment.RevokeKey(c.UserContext(), caller(c), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
