package api

import (
	"github.com/gofiber/fiber/v2"

	"wuzha/internal/fault"
	"wuzha/internal/supervision"
)

var supervisionFileRequired = fault.New(fault.Invalid, "file_required", "请上传附件（表单字段 file）：JPEG、PNG、WebP 图片或 PDF 文件")

func (s *Server) createNotice(c *fiber.Ctx) error {
	var req supervision.NoticeInput
	if err := decode(c, &req); err != nil {
		return err
	}
	n, err := s.Supervision.CreateNotice(c.UserContext(), caller(c), req)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(n)
}

func (s *Server) listNotices(c *fiber.Ctx) error {
	limit, before, err := pageParams(c)
	if err != nil {
		return err
	}
	items, err := s.Supervision.Notices(c.UserContext(), caller(c), before, limit)
	if err != nil {
		return err
	}
	return c.JSON(newPage(items, limit, func(n supervision.NoticeView) int64 { return n.ID }))
}

func (s *Server) getNotice(c *fiber.Ctx) error {
	id, err := idParam(c, supervision.ErrNoticeNotFound)
	if err != nil {
		return err
	}
	n, err := s.Supervision.Notice(c.UserContext(), caller(c), id)
	if err != nil {
		return err
	}
	return c.JSON(n)
}

func (s *Server) listUnits(c *fiber.Ctx) error {
	units, err := s.Supervision.Units(c.UserContext(), caller(c))
	if err != nil {
		return err
	}
	return c.JSON(listPage[supervision.Unit]{Items: units})
}

func (s *Server) createUnit(c *fiber.Ctx) error {
	var req supervision.UnitInput
	if err := decode(c, &req); err != nil {
		return err
	}
	u, err := s.Supervision.CreateUnit(c.UserContext(), caller(c), req)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(u)
}

func (s *Server) updateUnit(c *fiber.Ctx) error {
	id, err := idParam(c, supervision.ErrUnitNotFound)
	if err != nil {
		return err
	}
	var req supervision.UnitInput
	if err := decode(c, &req); err != nil {
		return err
	}
	u, err := s.Supervision.UpdateUnit(c.UserContext(), caller(c), id, req)
	if err != nil {
		return err
	}
	return c.JSON(u)
}
