package session

import (
	"context"

	"wuzha/internal/auth"
	"wuzha/internal/quiz"
)

// StartAttempt starts (or resumes) the caller's attempt at quiz quizID. It
// counts for where the caller's attempts count (quiz.Service.Respondent)
// or, with the join code of a grid worker's open session, as Respondent
// places it. It answers as quiz.Service.Start does.
func (s *Service) StartAttempt(ctx context.Context, c auth.Caller, quizID int64, code string) (quiz.StartedAttempt, int, error) {
	r, err := s.quizzes.Respondent(ctx, c)
	if err != nil {
		return quiz.StartedAttempt{}, 0, err
	}
	if code != "" {
		if r, err = s.Respondent(ctx, code, quizID, r); err != nil {
			return quiz.StartedAttempt{}, 0, err
		}
	}
	return s.quizzes.Start(ctx, c, quizID, r)
}
