package area

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"wuzha/internal/audit"
	"wuzha/internal/fault"
)

// Change states.
const (
	ChangePending  = "pending"
	ChangeApproved = "approved"
	ChangeRejected = "rejected"
)

// Change is a set of population changes an admin below the root asked for;
// it applies only when an admin whose scope strictly contains the
// requester's scope area approves it.
type Change struct {
	ID            int64 `gorm:"primaryKey"`
	RequesterID   int64
	RequesterName string
	ScopeCode     string
	ScopePath     string
	Status        string
	Changes       string // JSON []PopChange
	Reason        string
	DeciderID     *int64
	DecidedAt     *time.Time
	CreatedAt     time.Time
}

// TableName is the area changes table.
func (Change) TableName() string { return "area_changes" }

// ChangeView is a change as the API shows it.
type ChangeView struct {
	ID            int64       `json:"id"`
	Status        string      `json:"status"`
	RequesterID   int64       `json:"requester_id"`
	RequesterName string      `json:"requester_name"`
	AreaCode      string      `json:"area_code"` // the requester's scope area
	Changes       []PopChange `json:"changes"`
	Reason        string      `json:"reason"`
	DeciderID     *int64      `json:"decider_id"`
	DecidedAt     *time.Time  `json:"decided_at"`
	CreatedAt     time.Time   `json:"created_at"`
	CanDecide     bool        `json:"can_decide"` // the caller may approve or reject it
}

// Errors of area changes.
var (
	ErrChangeNotFound = fault.New(fault.NotFound, "not_found", "变更申请不存在或无权查看")
	ErrOwnChange      = fault.New(fault.Forbidden, "own_change", "不能审批本区域提交的人口变更，须由上级区域的管理员审批")
	ErrChangeDecided  = fault.New(fault.Conflict, "change_decided", "该变更申请已处理")
)

func (ch Change) view(scopePath string, userID int64) ChangeView {
	v := ChangeView{ID: ch.ID, Status: ch.Status, RequesterID: ch.RequesterID, RequesterName: ch.RequesterName, AreaCode: ch.ScopeCode,
		Reason: ch.Reason, DeciderID: ch.DeciderID, DecidedAt: ch.DecidedAt, CreatedAt: ch.CreatedAt}
	_ = json.Unmarshal([]byte(ch.Changes), &v.Changes)
	if v.Changes == nil {
		v.Changes = []PopChange{}
	}
	v.CanDecide = ch.Status == ChangePending && canDecide(ch, scopePath, userID)
	return v
}

// canDecide: an admin whose scope strictly contains the requester's scope
// area, and never the requester.
func canDecide(ch Change, scopePath string, userID int64) bool {
	return scopePath != "" && ch.RequesterID != userID && scopePath != ch.ScopePath && strings.HasPrefix(ch.ScopePath, scopePath)
}

// ListChanges lists the changes an admin at scopePath sees: those it may
// decide and its own requests, newest first; status "" means pending, "all"
// every state.
func (s *Store) ListChanges(ctx context.Context, scopePath string, userID int64, status string, limit int) ([]ChangeView, error) {
	if scopePath == "" {
		return nil, fault.ErrOutOfScope
	}
	q := s.db.WithContext(ctx).Model(&Change{}).
		Where("(scope_path LIKE ? AND scope_path <> ?) OR requester_id = ?", SubtreeLike(scopePath), scopePath, userID)
	switch status {
	case "":
		q = q.Where("status = ?", ChangePending)
	case "all":
	default:
		q = q.Where("status = ?", status)
	}
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	var rows []Change
	if err := q.Order("id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("area: list changes: %w", err)
	}
	out := make([]ChangeView, len(rows))
	for i, r := range rows {
		out[i] = r.view(scopePath, userID)
	}
	return out, nil
}

// DecideChange approves or rejects a pending change. The requester and any
// admin at or inside the requester's scope area get 403; an admin elsewhere
// 404. Approving applies every population in one transaction, audited with
// each area's from and to; if an area's population is no longer the one the
// request started from, nothing applies (409 population_changed) — the
// approver approved that difference, not another: reject it and ask again.
func (s *Store) DecideChange(ctx context.Context, id int64, scopePath string, who audit.Actor, approve bool, reason string) (ChangeView, error) {
	if scopePath == "" {
		return ChangeView{}, fault.ErrOutOfScope
	}
	var ch Change
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&ch).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ChangeView{}, ErrChangeNotFound
	}
	if err != nil {
		return ChangeView{}, err
	}
	if !canDecide(ch, scopePath, who.UserID) {
		if ch.RequesterID == who.UserID || strings.HasPrefix(scopePath, ch.ScopePath) {
			return ChangeView{}, ErrOwnChange
		}
		return ChangeView{}, ErrChangeNotFound
	}
	if ch.Status != ChangePending {
		return ChangeView{}, ErrChangeDecided
	}
	reason = strings.TrimSpace(reason)
	if !approve {
		if err := fault.CheckRejectReason(reason); err != nil {
			return ChangeView{}, err
		}
	}
	var changes []PopChange
	if err := json.Unmarshal([]byte(ch.Changes), &changes); err != nil {
		return ChangeView{}, fmt.Errorf("area: change %d: %w", ch.ID, err)
	}
	now := time.Now().UTC()
	err = s.db.Tx(ctx, func(tx *gorm.DB) error {
		updates := map[string]any{"status": ChangeRejected, "decider_id": who.UserID, "decided_at": now, "reason": reason}
		if approve {
			updates["status"] = ChangeApproved
		}
		res := tx.Model(&Change{}).Where("id = ? AND status = ?", ch.ID, ChangePending).Updates(updates)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrChangeDecided
		}
		detail := map[string]any{"change_id": ch.ID, "requester_id": ch.RequesterID, "populations": changes}
		if !approve {
			detail["reason"] = reason
			return audit.Record(tx, who, "area.population.reject", &audit.Place{Code: ch.ScopeCode, Path: ch.ScopePath}, fmt.Sprintf("area_change:%d", ch.ID), detail)
		}
		for _, c := range changes {
			// Only the from the request saw is replaced; the path keeps the
			// change inside the requester's area.
			res := tx.Model(&Area{}).Where("code = ? AND path LIKE ? AND population = ?", c.AreaCode, SubtreeLike(ch.ScopePath), c.From).
				Updates(map[string]any{"population": c.To, "updated_at": now})
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected != 1 {
				var cur Area
				tx.Where("code = ?", c.AreaCode).Limit(1).Find(&cur)
				return fault.New(fault.Conflict, "population_changed",
					fmt.Sprintf("区域 %s 的人口已是 %d，不再是申请时的 %d；请驳回此申请，由下级按现状重新提交", c.AreaCode, cur.Population, c.From))
			}
		}
		return audit.Record(tx, who, "area.population.approve", &audit.Place{Code: ch.ScopeCode, Path: ch.ScopePath}, fmt.Sprintf("area_change:%d", ch.ID), detail)
	})
	if err != nil {
		return ChangeView{}, err
	}
	ch.Status, ch.DeciderID, ch.DecidedAt, ch.Reason = ChangeRejected, &who.UserID, &now, reason
	if approve {
		ch.Status = ChangeApproved
	}
	return ch.view(scopePath, who.UserID), nil
}
