package content

import (
	"context"
	"time"

	"wuzha/internal/auth"
	"wuzha/internal/fault"
)

// The workbench's reads of warnings: how long the review queue is, and what
// became of an editor's own warnings.

// InReviewCount counts the warnings in review owned inside the caller's
// scope: the reviewer's queue, as List with status in_review shows it.
func (s *Service) InReviewCount(ctx context.Context, c auth.Caller) (int64, error) {
	if !c.Role.IsStaff() {
		return 0, fault.ErrRole
	}
	var n int64
	err := s.db.WithContext(ctx).Model(&Warning{}).Where("owner_path LIKE ? AND status = ?", c.ScopeLike(), InReview).Count(&n).Error
	return n, err
}

// DraftCount counts the caller's own drafts (rejected warnings return to
// draft, so they are among them).
func (s *Service) DraftCount(ctx context.Context, c auth.Caller) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&Warning{}).Where("author_id = ? AND status = ? AND owner_path LIKE ?", c.UserID, Draft, c.ScopeLike()).Count(&n).Error
	return n, err
}

// Decision is a reviewer's last decision on one of the caller's warnings.
type Decision struct {
	ID         int64
	Title      string
	Approved   bool
	Reason     string
	ReviewedAt time.Time
}

// DecisionsOn lists the caller's warnings decided after since, newest
// decision first: approved (now published, or archived after) or rejected
// (back to draft with the reason, not yet sent again).
func (s *Service) DecisionsOn(ctx context.Context, c auth.Caller, since time.Time, limit int) ([]Decision, error) {
	var rows []struct {
		ID           int64
		Title        string
		Status       Status
		RejectReason string
		ReviewedAt   time.Time
	}
	err := s.db.WithContext(ctx).Table("warnings").
		Select("warnings.id, warning_versions.title, warnings.status, warnings.reject_reason, warnings.reviewed_at").
		Joins("JOIN warning_versions ON warning_versions.id = warnings.head_version_id").
		Where("warnings.author_id = ? AND warnings.owner_path LIKE ? AND warnings.reviewed_at > ?", c.UserID, c.ScopeLike(), since).
		Where("warnings.status IN ? OR (warnings.status = ? AND warnings.reject_reason <> '')", []Status{Published, Archived}, Draft).
		Order("warnings.reviewed_at DESC").Limit(limit).Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	out := make([]Decision, len(rows))
	for i, r := range rows {
		out[i] = Decision{ID: r.ID, Title: r.Title, Approved: r.Status != Draft, Reason: r.RejectReason, ReviewedAt: r.ReviewedAt}
	}
	return out, nil
}
