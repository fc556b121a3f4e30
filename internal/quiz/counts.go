package quiz

import (
	"context"
	"time"

	"wuzha/internal/auth"
	"wuzha/internal/fault"
)

// The workbench's reads of questions and prizes: the question review
// queue, what became of an editor's questions, the prizes still to hand
// over and the ones handed over.

// InReviewCount counts the questions in review a reviewer may decide on:
// owned inside the caller's scope (the review queue).
func (s *Service) InReviewCount(ctx context.Context, c auth.Caller) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&Question{}).Where("owner_path LIKE ? AND status = ?", c.ScopeLike(), QuestionInReview).Count(&n).Error
	return n, err
}

// QuestionDecision is a reviewer's decision on one of the caller's questions.
type QuestionDecision struct {
	ID         int64
	Stem       string
	Approved   bool
	Reason     string
	ReviewedAt time.Time
}

// DecisionsOn lists the questions the caller wrote or last edited that a
// reviewer decided after since and that still stand so (not edited back
// into review), newest decision first.
func (s *Service) DecisionsOn(ctx context.Context, c auth.Caller, since time.Time, limit int) ([]QuestionDecision, error) {
	var rows []Question
	err := s.db.WithContext(ctx).Model(&Question{}).
		Where("(author_id = ? OR editor_id = ?) AND owner_path LIKE ? AND reviewed_at > ? AND status IN ?", c.UserID, c.UserID, c.ScopeLike(), since, []QuestionStatus{QuestionApproved, QuestionRejected}).
		Order("reviewed_at DESC").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, err
	}
	out := make([]QuestionDecision, len(rows))
	for i, q := range rows {
		out[i] = QuestionDecision{ID: q.ID, Stem: q.Stem, Approved: q.Status == QuestionApproved, Reason: q.RejectReason, ReviewedAt: *q.ReviewedAt}
	}
	return out, nil
}

// ToRedeemCount counts the prizes won inside the caller's scope that are
// not yet handed over.
func (s *Service) ToRedeemCount(ctx context.Context, c auth.Caller) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&Award{}).Where("grid_path LIKE ? AND redeemed_at IS NULL", c.ScopeLike()).Count(&n).Error
	return n, err
}

// Redemption is a prize handed over, as the redeem page lists it.
type Redemption struct {
	ID         int64
	UserID     int64 // the winner, for the masked phone the list shows
	Name       string
	QuizTitle  string
	GridPath   string
	RedeemedAt time.Time
	ByCaller   bool
}

// Redemptions lists the prizes handed over inside the caller's scope (only
// those the caller handed over, with mine), latest first, after the award
// beforeID of the previous page (0: from the start).
func (s *Service) Redemptions(ctx context.Context, c auth.Caller, mine bool, beforeID int64, limit int) ([]Redemption, error) {
	if !c.Is(redeemers...) {
		return nil, fault.ErrRole
	}
	db := s.db.WithContext(ctx)
	q := db.Table("awards").
		Select("awards.id, awards.user_id, awards.grid_path, awards.redeemed_at, awards.redeemed_by, prize_pools.name AS name, quizzes.title AS quiz_title").
		Joins("JOIN prize_pools ON prize_pools.id = awards.pool_id").
		Joins("JOIN quizzes ON quizzes.id = awards.quiz_id").
		Where("awards.redeemed_at IS NOT NULL AND awards.grid_path LIKE ?", c.ScopeLike())
	if mine {
		q = q.Where("awards.redeemed_by = ?", c.UserID)
	}
	if beforeID > 0 {
		var last Award
		if err := db.Where("id = ?", beforeID).Take(&last).Error; err != nil || last.RedeemedAt == nil {
			return []Redemption{}, nil
		}
		q = q.Where("awards.redeemed_at < ? OR (awards.redeemed_at = ? AND awards.id < ?)", *last.RedeemedAt, *last.RedeemedAt, last.ID)
	}
	var rows []struct {
		ID         int64
		UserID     int64
		GridPath   string
		RedeemedAt time.Time
		RedeemedBy *int64
		Name       string
		QuizTitle  string
	}
	if err := q.Order("awards.redeemed_at DESC, awards.id DESC").Limit(limit).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]Redemption, len(rows))
	for i, r := range rows {
		out[i] = Redemption{ID: r.ID, UserID: r.UserID, Name: r.Name, QuizTitle: r.QuizTitle, GridPath: r.GridPath, RedeemedAt: r.RedeemedAt,
			ByCaller: r.RedeemedBy != nil && *r.RedeemedBy == c.UserID}
	}
	return out, nil
}

// OwnPrizeCode answers the normalized code when it is a prize the caller
// won, for the QR code the resident shows; anything else is not found.
func (s *Service) OwnPrizeCode(ctx context.Context, c auth.Caller, code string) (string, error) {
	code = NormalizeCode(code)
	if len(code) != 12 || c.UserID == 0 {
		return "", ErrCodeNotFound
	}
	var n int64
	if err := s.db.WithContext(ctx).Model(&Award{}).Where("code = ? AND user_id = ?", code, c.UserID).Count(&n).Error; err != nil {
		return "", err
	}
	if n == 0 {
		return "", ErrCodeNotFound
	}
	return code, nil
}
