package auth

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"wuzha/internal/audit"
	"wuzha/internal/fault"
)

// CloseAccount closes (注销) the caller's resident account: the phone (its
// lookup hash and sealed number) and the profile are erased, every sign-in
// is revoked and the user row is disabled, in one transaction. What the
// resident did stays, tied only to the now anonymous user id: submitted
// attempts carry their own grid, age band and occupation, so no published
// figure moves; prizes won and acknowledgements stay for the same reason.
// The phone hash is freed, so signing in again with the same phone makes a
// new account. The audit entry names the user id and grid, never the phone.
func (s *Service) CloseAccount(ctx context.Context, c Caller) error {
	if c.Role != Resident {
		return fault.ErrRole
	}
	p, err := s.ProfileOf(ctx, c.UserID)
	if err != nil {
		return err
	}
	var where *audit.Place
	detail := map[string]any{}
	if p != nil {
		if g, err := s.areas.Get(ctx, p.GridCode); err == nil {
			where = g.Place()
			detail["grid_code"] = g.Code
		}
	}
	now := time.Now().UTC()
	return s.db.Tx(ctx, func(tx *gorm.DB) error {
		var u User
		if err := tx.Where("id = ? AND role = ?", c.UserID, Resident).Take(&u).Error; err != nil {
			return fmt.Errorf("auth: close account: %w", err)
		}
		if u.PhoneHash != nil {
			if err := tx.Where("phone_hash = ?", *u.PhoneHash).Delete(&SMSCode{}).Error; err != nil {
				return err
			}
		}
		if err := tx.Model(&User{}).Where("id = ?", u.ID).Updates(map[string]any{
			"phone_hash": nil, "phone_enc": nil, "disabled": true, "updated_at": now}).Error; err != nil {
			return fmt.Errorf("auth: close account: %w", err)
		}
		if err := tx.Where("user_id = ?", u.ID).Delete(&Profile{}).Error; err != nil {
			return err
		}
		if err := tx.Model(&SignIn{}).Where("user_id = ? AND revoked_at IS NULL", u.ID).Update("revoked_at", now).Error; err != nil {
			return err
		}
		return audit.Record(tx, c.Actor(), "resident.close", where, fmt.Sprintf("user:%d", u.ID), detail)
	})
}
