package api

import (
	"github.com/gofiber/fiber/v2"

	"wuzha/internal/quiz"
)

func (s *Server) listQuestions(c *fiber.Ctx) error {
	limit, after, err := pageParams(c)
	if err != nil {
		return err
	}
	status := quiz.QuestionStatus(c.Query("status"))
	switch status {
	case "", quiz.QuestionInReview, quiz.QuestionApproved, quiz.QuestionRejected:
	default:
		return errBadParam
	}
	items, err := s.Quiz.ListQuestions(c.UserContext(), caller(c), quiz.QuestionFilter{
		FraudType: c.Query("fraud_type"), Kind: quiz.Kind(c.Query("kind")), Status: status, Query: c.Query("q"), AfterID: after, Limit: limit,
	})
	if err != nil {
		return err
	}
	return c.JSON(newPage(items, limit, func(q quiz.QuestionView) int64 { return q.ID }))
}

func (s *Server) getQuestion(c *fiber.Ctx) error {
	id, err := idParam(c, quiz.ErrNotFound)
	if err != nil {
		return err
	}
	q, err := s.Quiz.GetQuestion(c.UserContext(), caller(c), id)
	if err != nil {
		return err
	}
	return c.JSON(q)
}

func (s *Server) createQuestion(c *fiber.Ctx) error {
	var in quiz.QuestionInput
	if err := decode(c, &in); err != nil {
		return err
	}
	q, err := s.Quiz.CreateQuestion(c.UserContext(), caller(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(q)
}

func (s *Server) updateQuestion(c *fiber.Ctx) error {
	id, err := idParam(c, quiz.ErrNotFound)
	if err != nil {
		return err
	}
	var in quiz.QuestionInput
	if err := decode(c, &in); err != nil {
		return err
	}
	q, err := s.Quiz.UpdateQuestion(c.UserContext(), caller(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(q)
}

// reviewQuestion serves approve and reject ({reason} required to reject).
func (s *Server) reviewQuestion(approve bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, reason, err := decision(c, quiz.ErrNotFound, !approve)
		if err != nil {
			return err
		}
		q, err := s.Quiz.ReviewQuestion(c.UserContext(), caller(c), id, approve, reason)
		if err != nil {
			return err
		}
		return c.JSON(q)
	}
}

func (s *Server) importQuestions(c *fiber.Ctx) error {
	name, data, err := s.uploadedFile(c)
	if err != nil {
		return err
	}
	n, err := s.Quiz.ImportQuestions(c.UserContext(), caller(c), name, data)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"imported": n})
}

func (s *Server) exportQuestions(c *fiber.Ctx) error {
	format := c.Query("format", "csv")
	if format != "csv" && format != "xlsx" {
		return errBadParam
	}
	data, err := s.Quiz.ExportQuestions(c.UserContext(), caller(c), format)
	if err != nil {
		return err
	}
	if format == "xlsx" {
		c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	} else {
		c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	}
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="questions.`+format+`"`)
	return c.Send(data)
}
