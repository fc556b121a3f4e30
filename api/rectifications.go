package api

import (
	"mime"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"wuzha/internal/supervision"
)

func (s *Server) listRectifications(c *fiber.Ctx) error {
	limit, before, err := pageParams(c)
	if err != nil {
		return err
	}
	f := supervision.Filter{Status: c.Query("status"), AreaCode: c.Query("area_code"), Light: c.Query("light"), Box: c.Query("box"),
		BeforeID: before, Limit: limit}
	switch c.Query("overdue") {
	case "", "false":
	case "true":
		f.Overdue = true
	default:
		return errBadParam
	}
	items, err := s.Supervision.List(c.UserContext(), caller(c), f)
	if err != nil {
		return err
	}
	return c.JSON(newPage(items, limit, func(v supervision.View) int64 { return v.ID }))
}

func (s *Server) createRectification(c *fiber.Ctx) error {
	var req supervision.NewItem
	if err := decode(c, &req); err != nil {
		return err
	}
	v, err := s.Supervision.Create(c.UserContext(), caller(c), req)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(v)
}

func (s *Server) generateRectifications(c *fiber.Ctx) error {
	var req supervision.GenerateInput
	if err := decode(c, &req); err != nil {
		return err
	}
	out, err := s.Supervision.Generate(c.UserContext(), caller(c), req)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) rectificationSummary(c *fiber.Ctx) error {
	sum, err := s.Supervision.Summary(c.UserContext(), caller(c))
	if err != nil {
		return err
	}
	return c.JSON(sum)
}

func (s *Server) getRectification(c *fiber.Ctx) error {
	id, err := idParam(c, supervision.ErrNotFound)
	if err != nil {
		return err
	}
	v, err := s.Supervision.Get(c.UserContext(), caller(c), id)
	if err != nil {
		return err
	}
	return c.JSON(v)
}

// moveRectification serves the steps of an item's timeline; accept and
// extension/approve take no body.
func (s *Server) moveRectification(action string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := idParam(c, supervision.ErrNotFound)
		if err != nil {
			return err
		}
		var req supervision.Step
		if len(strings.TrimSpace(string(c.Body()))) > 0 {
			if err := decode(c, &req); err != nil {
				return err
			}
		}
		v, err := s.Supervision.Move(c.UserContext(), caller(c), id, action, req)
		if err != nil {
			return err
		}
		return c.JSON(v)
	}
}

func (s *Server) addRectificationAttachment(c *fiber.Ctx) error {
	id, err := idParam(c, supervision.ErrNotFound)
	if err != nil {
		return err
	}
	name, data, err := readUpload(c, supervision.MaxAttachment, errNoAttachment, supervision.ErrTooLarge)
	if err != nil {
		return err
	}
	a, err := s.Supervision.AddAttachment(c.UserContext(), caller(c), id, name, data)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(a)
}

var errNoAttachment = supervisionFileRequired

func (s *Server) getRectificationAttachment(c *fiber.Ctx) error {
	id, err := idParam(c, supervision.ErrNotFound)
	if err != nil {
		return err
	}
	aid, err := strconv.ParseInt(c.Params("aid"), 10, 64)
	if err != nil || aid <= 0 {
		return supervision.ErrAttachmentGone
	}
	f, err := s.Supervision.Attachment(c.UserContext(), caller(c), id, aid)
	if err != nil {
		return err
	}
	disposition := "attachment"
	if strings.HasPrefix(f.ContentType, "image/") {
		disposition = "inline"
	}
	c.Set(fiber.HeaderContentType, f.ContentType)
	c.Set(fiber.HeaderContentDisposition, mime.FormatMediaType(disposition, map[string]string{"filename": f.Name}))
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.Send(f.Data)
}
