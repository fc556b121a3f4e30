package quiz

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"wuzha/internal/audit"
	"wuzha/internal/auth"
	"wuzha/internal/fault"
)

// ReviewQuestion approves or rejects a question in review. The reviewer is
// a reviewer in whose scope the question is owned, and neither its author
// nor its last editor; a rejection gives its reason.
func (s *Service) ReviewQuestion(ctx context.Context, c auth.Caller, id int64, approve bool, reason string) (QuestionView, error) {
	if !c.Is(auth.Reviewer) {
		return QuestionView{}, fault.ErrRole
	}
	q, err := s.ownedQuestion(ctx, c, id)
	if err != nil {
		return QuestionView{}, err
	}
	if (q.AuthorID != nil && *q.AuthorID == c.UserID) || (q.EditorID != nil && *q.EditorID == c.UserID) {
		return QuestionView{}, ErrOwnQuestionReview
	}
	if q.Status != QuestionInReview {
		return QuestionView{}, ErrQuestionNotInReview
	}
	now := time.Now().UTC()
	updates := map[string]any{"reviewer_id": c.UserID, "reviewed_at": now}
	detail := map[string]any{"version": q.Version}
	action := "question.approve"
	if approve {
		updates["status"], updates["reject_reason"] = QuestionApproved, ""
	} else {
		reason = strings.TrimSpace(reason)
		if err := fault.CheckRejectReason(reason); err != nil {
			return QuestionView{}, err
		}
		updates["status"], updates["reject_reason"] = QuestionRejected, reason
		detail["reason"] = reason
		action = "question.reject"
	}
	err = s.db.Tx(ctx, func(tx *gorm.DB) error {
		// The version reviewed is the one read: an edit in between fails this.
		res := tx.Model(&Question{}).Where("id = ? AND status = ? AND version = ?", q.ID, QuestionInReview, q.Version).Updates(updates)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrQuestionChanged
		}
		return audit.Record(tx, c.Actor(), action, &audit.Place{Code: q.OwnerAreaCode, Path: q.OwnerPath}, fmt.Sprintf("question:%d", q.ID), detail)
	})
	if err != nil {
		return QuestionView{}, err
	}
	s.bank.invalidate()
	return s.GetQuestion(ctx, c, q.ID)
}

// servedContent is the stem, options and explanation of the version of a
// question an attempt was served: the live row when it is still that
// version, else the kept copy of the replaced version.
func (s *Service) servedContent(ctx context.Context, sv served) (Question, error) {
	qu, _, err := s.question(ctx, sv.QuestionID)
	if err != nil {
		return Question{}, err
	}
	v := max(sv.Version, 1)
	if qu.Version == 0 || qu.Version == v {
		return qu, nil
	}
	var old QuestionVersion
	res := s.db.WithContext(ctx).Where("question_id = ? AND version = ?", sv.QuestionID, v).Limit(1).Find(&old)
	if res.Error != nil {
		return Question{}, res.Error
	}
	if res.RowsAffected == 1 {
		qu.Stem, qu.Options, qu.Answer, qu.Explanation = old.Stem, old.Options, old.Answer, old.Explanation
	}
	return qu, nil
}

// unapprovedCore lists a quiz's core questions that are not approved, as
// field errors naming each one.
func (s *Service) unapprovedCore(ctx context.Context, q Quiz) error {
	ids := splitIDs(q.CoreQuestionIDs)
	if len(ids) == 0 {
		return nil
	}
	var rows []Question
	if err := s.db.WithContext(ctx).Select("id", "stem", "status").Where("id IN ? AND status <> ?", ids, QuestionApproved).Order("id").Find(&rows).Error; err != nil {
		return err
	}
	if len(rows) == 0 {
		return nil
	}
	e := &fault.Error{Kind: fault.Invalid, Code: "questions_not_approved"}
	var named []string
	for _, r := range rows {
		named = append(named, fmt.Sprintf("#%d", r.ID))
		stem := []rune(r.Stem)
		if len(stem) > 20 {
			stem = append(stem[:20], '…')
		}
		state := "待审核"
		if r.Status == QuestionRejected {
			state = "已驳回"
		}
		e.Fields = append(e.Fields, fault.Field{Field: "core_question_ids", Message: fmt.Sprintf("题目 %d「%s」%s", r.ID, string(stem), state)})
	}
	e.Message = "必答题 " + strings.Join(named, "、") + " 尚未审核通过，审核通过后才能发布"
	return e
}
