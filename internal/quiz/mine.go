package quiz

import (
	"context"
	"fmt"
	"strings"
	"time"

	"wuzha/internal/auth"
	"wuzha/internal/fault"
)

// Invalid codes: the stable, machine-readable cause of an invalid attempt;
// invalid_reason keeps the sentence for people.
const (
	InvalidTooFast = "too_fast"
	InvalidOther   = "other"
)

// invalidCode names why an attempt is invalid. The reason is stored as the
// sentence submit wrote; the only cause today is answering too fast, whose
// sentence starts with 用时过短.
func invalidCode(invalid bool, reason string) string {
	switch {
	case !invalid:
		return ""
	case strings.HasPrefix(reason, "用时过短"), strings.HasPrefix(reason, InvalidTooFast):
		return InvalidTooFast
	default:
		return InvalidOther
	}
}

// MyAttempt is one of a resident's own attempts as 我的答题 lists it.
type MyAttempt struct {
	AttemptID     int64         `json:"attempt_id"`
	QuizID        int64         `json:"quiz_id"`
	QuizTitle     string        `json:"quiz_title"`
	Status        AttemptStatus `json:"status"`
	Score         *float64      `json:"score"`
	Passed        *bool         `json:"passed"`
	Invalid       bool          `json:"invalid"`
	InvalidReason string        `json:"invalid_reason"`
	InvalidCode   string        `json:"invalid_code,omitempty"`
	StartedAt     time.Time     `json:"started_at"`
	SubmittedAt   *time.Time    `json:"submitted_at"`
}

// MyAttempts lists the caller's own attempts, newest first, limit of them
// with an id below before (0: from the newest).
func (s *Service) MyAttempts(ctx context.Context, c auth.Caller, limit int, before int64) ([]MyAttempt, error) {
	if c.Role != auth.Resident {
		return nil, fault.ErrRole
	}
	var rows []struct {
		ID            int64
		QuizID        int64
		Title         string
		Status        AttemptStatus
		ScoreTenths   *int
		Passed        *bool
		Invalid       bool
		InvalidReason string
		StartedAt     time.Time
		SubmittedAt   *time.Time
	}
	q := s.db.WithContext(ctx).Table("attempts").
		Select("attempts.id, attempts.quiz_id, quizzes.title, attempts.status, attempts.score_tenths, attempts.passed, attempts.invalid, attempts.invalid_reason, attempts.started_at, attempts.submitted_at").
		Joins("JOIN quizzes ON quizzes.id = attempts.quiz_id").
		Where("attempts.user_id = ?", c.UserID)
	if before > 0 {
		q = q.Where("attempts.id < ?", before)
	}
	if err := q.Order("attempts.id DESC").Limit(limit).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("quiz: my attempts: %w", err)
	}
	out := make([]MyAttempt, len(rows))
	for i, r := range rows {
		m := MyAttempt{AttemptID: r.ID, QuizID: r.QuizID, QuizTitle: r.Title, Status: r.Status, Passed: r.Passed,
			Invalid: r.Invalid, InvalidReason: r.InvalidReason, InvalidCode: invalidCode(r.Invalid, r.InvalidReason),
			StartedAt: r.StartedAt.UTC(), SubmittedAt: r.SubmittedAt}
		if r.ScoreTenths != nil {
			v := float64(*r.ScoreTenths) / 10
			m.Score = &v
		}
		if m.SubmittedAt != nil {
			t := m.SubmittedAt.UTC()
			m.SubmittedAt = &t
		}
		out[i] = m
	}
	return out, nil
}
