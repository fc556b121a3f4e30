package quiz

import (
	"context"
	"strings"

	"wuzha/internal/area"
	"wuzha/internal/auth"
	"wuzha/internal/fault"
)

// CompletionLine is how one child area's staff of one role did on a
// training quiz.
type CompletionLine struct {
	AreaCode  string   `json:"area_code"`
	Name      string   `json:"name"`
	Role      string   `json:"role"`
	Staff     int64    `json:"staff"`     // staff of that role in the area
	Completed int64    `json:"completed"` // of them, with a valid submitted attempt
	Passed    int64    `json:"passed"`    // of them, with a passing one
	Rate      *float64 `json:"completion_rate"`
	PassRate  *float64 `json:"pass_rate"`
}

// Completion breaks a staff training quiz down by the child areas of the
// caller's scope and by role: how many staff there are, how many finished
// it and how many passed. Only admins and assessors see it.
func (s *Service) Completion(ctx context.Context, c auth.Caller, quizID int64) ([]CompletionLine, error) {
	if !c.Is(auth.Admin, auth.Assessor) {
		return nil, fault.ErrRole
	}
	q, err := s.loadQuiz(ctx, c, quizID)
	if err != nil {
		// A city training quiz is outside a county admin's scope but still
		// theirs to follow: allow quizzes whose area holds the caller's.
		cq, cerr := s.cachedQuiz(ctx, quizID)
		if cerr != nil || !strings.HasPrefix(c.AreaPath, cq.quiz.AreaPath) {
			return nil, ErrNotFound
		}
		q = cq.quiz
	}
	if q.Audience != Staff {
		return nil, fault.New(fault.Conflict, "not_training", "只有面向工作人员的培训问答有完成率")
	}
	scope, err := s.areas.Get(ctx, c.AreaCode)
	if err != nil {
		return nil, err
	}
	children, err := s.areas.Children(ctx, scope.Code)
	if err != nil {
		return nil, err
	}
	if len(children) == 0 {
		children = []area.Area{scope}
	}
	staff, err := auth.StaffIn(ctx, s.db, c.ScopeLike())
	if err != nil {
		return nil, err
	}
	done, err := s.finishers(ctx, q.ID)
	if err != nil {
		return nil, err
	}
	type key struct {
		child int
		role  string
	}
	lines := map[key]*CompletionLine{}
	for _, u := range staff {
		for i, ch := range children {
			if !strings.HasPrefix(u.AreaPath, ch.Path) {
				continue
			}
			k := key{i, u.Role}
			if lines[k] == nil {
				lines[k] = &CompletionLine{AreaCode: ch.Code, Name: ch.Name, Role: u.Role}
			}
			l := lines[k]
			l.Staff++
			if passed, completed := done[u.ID]; completed {
				l.Completed++
				if passed {
					l.Passed++
				}
			}
		}
	}
	out := []CompletionLine{}
	for i := range children {
		for _, r := range auth.StaffRoles {
			l := lines[key{i, string(r)}]
			if l == nil {
				continue
			}
			cr, pr := float64(l.Completed)/float64(l.Staff), float64(l.Passed)/float64(l.Staff)
			l.Rate, l.PassRate = &cr, &pr
			out = append(out, *l)
		}
	}
	return out, nil
}

// finishers maps each user with a valid submitted attempt on quiz id to
// whether one of those attempts passed.
func (s *Service) finishers(ctx context.Context, quizID int64) (map[int64]bool, error) {
	var rows []struct {
		UserID int64
		Passed bool
	}
	err := s.db.WithContext(ctx).Table("attempts").Select("user_id, MAX(CASE WHEN passed THEN 1 ELSE 0 END) AS passed").
		Where("quiz_id = ? AND status = 'submitted' AND invalid = ?", quizID, false).Group("user_id").Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	out := make(map[int64]bool, len(rows))
	for _, r := range rows {
		out[r.UserID] = r.Passed
	}
	return out, nil
}
