package api

import (
	"github.com/gofiber/fiber/v2"

	"wuzha/internal/auth"
	"wuzha/internal/quiz"
)

func (s *Server) listQuizzes(c *fiber.Ctx) error {
	limit, before, err := pageParams(c)
	if err != nil {
		return err
	}
	items, err := s.Quiz.ListQuizzes(c.UserContext(), caller(c), quiz.Audience(c.Query("audience")), before, limit)
	if err != nil {
		return err
	}
	return c.JSON(newPage(items, limit, func(q quiz.QuizView) int64 { return q.ID }))
}

func (s *Server) createQuiz(c *fiber.Ctx) error {
	var in quiz.QuizInput
	if err := decode(c, &in); err != nil {
		return err
	}
	q, err := s.Quiz.CreateQuiz(c.UserContext(), caller(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(q)
}

func (s *Server) getQuiz(c *fiber.Ctx) error {
	id, err := idParam(c, quiz.ErrNotFound)
	if err != nil {
		return err
	}
	q, err := s.Quiz.GetQuiz(c.UserContext(), caller(c), id)
	if err != nil {
		return err
	}
	return c.JSON(q)
}

func (s *Server) updateQuiz(c *fiber.Ctx) error {
	id, err := idParam(c, quiz.ErrNotFound)
	if err != nil {
		return err
	}
	var in quiz.QuizInput
	if err := decode(c, &in); err != nil {
		return err
	}
	q, err := s.Quiz.UpdateQuiz(c.UserContext(), caller(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(q)
}

func (s *Server) publishQuiz(c *fiber.Ctx) error {
	id, err := idParam(c, quiz.ErrNotFound)
	if err != nil {
		return err
	}
	q, err := s.Quiz.PublishQuiz(c.UserContext(), caller(c), id)
	if err != nil {
		return err
	}
	return c.JSON(q)
}

func (s *Server) quizStats(c *fiber.Ctx) error {
	id, err := idParam(c, quiz.ErrNotFound)
	if err != nil {
		return err
	}
	st, err := s.Quiz.QuizStats(c.UserContext(), caller(c), id)
	if err != nil {
		return err
	}
	return c.JSON(st)
}

func (s *Server) addPrizePool(c *fiber.Ctx) error {
	id, err := idParam(c, quiz.ErrNotFound)
	if err != nil {
		return err
	}
	var in quiz.PoolInput
	if err := decode(c, &in); err != nil {
		return err
	}
	p, err := s.Quiz.AddPool(c.UserContext(), caller(c), id, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(p)
}

func (s *Server) listPrizePools(c *fiber.Ctx) error {
	id, err := idParam(c, quiz.ErrNotFound)
	if err != nil {
		return err
	}
	pools, err := s.Quiz.Pools(c.UserContext(), caller(c), id)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": pools})
}

func (s *Server) activeQuizzes(c *fiber.Ctx) error {
	items, err := s.Quiz.ActiveFor(c.UserContext(), caller(c), c.Query("audience") == "residents")
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": items})
}

type startRequest struct {
	SessionCode string `json:"session_code"`
}

func (s *Server) startAttempt(c *fiber.Ctx) error {
	id, err := idParam(c, quiz.ErrNotFound)
	if err != nil {
		return err
	}
	var req startRequest
	if len(c.Body()) > 0 {
		if err := decode(c, &req); err != nil {
			return err
		}
	}
	var started quiz.StartedAttempt
	var status int
	start := func() (err error) {
		started, status, err = s.Sessions.StartAttempt(c.UserContext(), caller(c), id, req.SessionCode)
		return err
	}
	if req.SessionCode != "" {
		// Through a grid worker's session: the attempt counts for the
		// session's grid. Wrong codes count against the caller.
		err = s.testCode(c, sessionCodes, start)
	} else {
		err = start()
	}
	if err != nil {
		return err
	}
	return c.Status(status).JSON(started)
}

type answersRequest struct {
	Answers []quiz.Answer `json:"answers"`
}

func (s *Server) saveAnswers(c *fiber.Ctx) error {
	id, err := idParam(c, quiz.ErrNotFound)
	if err != nil {
		return err
	}
	var req answersRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if err := s.Quiz.SaveAnswers(c.UserContext(), caller(c), id, req.Answers); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) submitAttempt(c *fiber.Ctx) error {
	if _, err := idParam(c, quiz.ErrNotFound); err != nil {
		return err
	}
	var req answersRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	// The guard (submitting) read the attempt with the sign-in.
	a, _ := c.Locals(localAttempt).(*quiz.Attempt)
	found, _ := c.Locals(localRowFound).(bool)
	res, err := s.Quiz.SubmitRead(c.UserContext(), caller(c), a, found, c.Get("Idempotency-Key"), req.Answers)
	if err != nil {
		return err
	}
	return c.JSON(res)
}

// localAttempt holds the attempt submitting reads with the sign-in.
const localAttempt = "attempt"

// submitting is any signed-in user, whose attempt (the route's :id) is read
// in the statement that checks their sign-in.
var submitting = access{row: func(c *fiber.Ctx) auth.Row {
	id, err := idParam(c, quiz.ErrNotFound)
	if err != nil {
		return auth.Row{}
	}
	a := new(quiz.Attempt)
	c.Locals(localAttempt, a)
	return quiz.AttemptRow(id, a)
}}

func (s *Server) getAttempt(c *fiber.Ctx) error {
	id, err := idParam(c, quiz.ErrNotFound)
	if err != nil {
		return err
	}
	v, err := s.Quiz.GetAttempt(c.UserContext(), caller(c), id)
	if err != nil {
		return err
	}
	return c.JSON(v)
}

func (s *Server) myPrizes(c *fiber.Ctx) error {
	items, err := s.Quiz.MyPrizes(c.UserContext(), caller(c))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": items})
}

type codeRequest struct {
	Code string `json:"code"`
}

func (s *Server) lookupPrize(c *fiber.Ctx) error {
	var req codeRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	var p quiz.PrizeView
	err := s.testCode(c, prizeCodes, func() (err error) {
		p, err = s.Quiz.LookupPrize(c.UserContext(), caller(c), req.Code)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(p)
}

func (s *Server) redeemPrize(c *fiber.Ctx) error {
	var req codeRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	var p quiz.PrizeView
	err := s.testCode(c, prizeCodes, func() (err error) {
		p, err = s.Quiz.Redeem(c.UserContext(), caller(c), req.Code)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(p)
}

func (s *Server) trainingCompletion(c *fiber.Ctx) error {
	id, err := idParam(c, quiz.ErrNotFound)
	if err != nil {
		return err
	}
	lines, err := s.Quiz.Completion(c.UserContext(), caller(c), id)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": lines})
}
