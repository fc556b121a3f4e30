package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"

	"wuzha/internal/audit"
	"wuzha/internal/fault"
)

// The password and session rules of staff accounts, chosen to meet what
// GB/T 22239-2019 (等保 2.0) level 3 asks of identity authentication
// (8.1.4.1 身份鉴别 a and b) for a system holding personal data; the README
// says which requirement each follows.
const (
	MinPasswordLen      = 8                   // a) complexity: length
	MaxPasswordBytes    = 72                  // bcrypt reads no further
	MinPasswordClasses  = 3                   // a) complexity: 3 of upper, lower, digit, symbol
	PasswordHistory     = 5                   // a) the last 5 passwords cannot be used again
	MaxPasswordAge      = 90 * 24 * time.Hour // a) periodic change: older passwords must be changed
	DefaultIdleTimeout  = 30 * time.Minute    // b) a staff sign-in ends after 30 minutes without a request
	maxTouchGranularity = time.Minute         // a sign-in's last request is written at most once a minute
)

// PasswordEntry is one of a user's earlier password hashes.
type PasswordEntry struct {
	ID           int64 `gorm:"primaryKey"`
	UserID       int64
	PasswordHash string
	CreatedAt    time.Time
}

// TableName is the password history table.
func (PasswordEntry) TableName() string { return "password_history" }

// Errors of the password rules.
var (
	ErrPasswordChangeRequired = fault.New(fault.Forbidden, "password_change_required", "请先修改初始密码或已过期的密码，再进行其他操作")
	ErrOldPasswordWrong       = fault.New(fault.Forbidden, "old_password_wrong", "原密码不正确")
)

// passwordExpired reports whether a staff password set at changed is older
// than MaxPasswordAge. A password with no date (made before dates were
// kept) is not expired.
func passwordExpired(r Role, changed *time.Time, now time.Time) bool {
	if r == Resident || changed == nil {
		return false
	}
	return now.Sub(*changed) > MaxPasswordAge
}

// idle reports whether a staff sign-in last seen at seen has been idle for
// longer than the idle timeout. Residents sign in by SMS on their own phone
// and are not timed out.
func (s *Service) idle(r Role, seen *time.Time, now time.Time) bool {
	return r != Resident && seen != nil && now.Sub(*seen) > s.cfg.IdleTimeout
}

// touchEvery is how stale a sign-in's last request may be before a request
// writes it again: a tenth of the idle timeout, at most a minute, so most
// requests do not write.
func (s *Service) touchEvery() time.Duration {
	d := s.cfg.IdleTimeout / 10
	if d > maxTouchGranularity {
		d = maxTouchGranularity
	}
	return d
}

// seen checks a request against the idle timeout of its sign-in and notes
// it: an idle staff sign-in is ended (401 session_idle).
func (s *Service) seen(ctx context.Context, sid string, r Role, last *time.Time, now time.Time) error {
	if r == Resident {
		return nil
	}
	if s.idle(r, last, now) {
		if err := s.db.WithContext(ctx).Model(&SignIn{}).Where("id = ? AND revoked_at IS NULL", sid).Update("revoked_at", now).Error; err != nil {
			return fmt.Errorf("auth: end idle sign-in: %w", err)
		}
		return ErrSessionIdle
	}
	if last == nil || now.Sub(*last) >= s.touchEvery() {
		if err := s.db.WithContext(ctx).Model(&SignIn{}).Where("id = ?", sid).Update("last_seen_at", now).Error; err != nil {
			return fmt.Errorf("auth: note sign-in activity: %w", err)
		}
	}
	return nil
}

// CheckPassword applies the password rules to a new password of the user
// username, adding what is wrong to v under field.
func CheckPassword(v *fault.Validation, field, username, p string) {
	switch {
	case len([]rune(p)) < MinPasswordLen:
		v.Add(field, fmt.Sprintf("密码至少 %d 位", MinPasswordLen))
		return
	case len(p) > MaxPasswordBytes:
		v.Add(field, fmt.Sprintf("密码不能超过 %d 个字节", MaxPasswordBytes))
		return
	}
	var upper, lower, digit, symbol bool
	for _, r := range p {
		switch {
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= 'a' && r <= 'z':
			lower = true
		case r >= '0' && r <= '9':
			digit = true
		case unicode.IsSpace(r) || unicode.IsControl(r):
			v.Add(field, "密码不能包含空格或控制字符")
			return
		default:
			symbol = true
		}
	}
	n := 0
	for _, has := range []bool{upper, lower, digit, symbol} {
		if has {
			n++
		}
	}
	if n < MinPasswordClasses {
		v.Add(field, "密码须包含大写字母、小写字母、数字、符号中的至少 3 类")
		return
	}
	if u := strings.ToLower(strings.TrimSpace(username)); u != "" && strings.Contains(strings.ToLower(p), u) {
		v.Add(field, "密码不能包含用户名")
	}
}

// PasswordChange is what a staff user sends to change their own password.
type PasswordChange struct {
	OldPassword string `json:"old_password"`
	NewPassword string `json:"new_password"`
}

// ChangePassword changes the caller's own password: the old one is checked
// through the sign-in guess throttle, the new one must follow the rules and
// differ from the last PasswordHistory passwords. It clears the forced
// change, restarts the password's age, and ends the caller's other sign-ins
// (the current one stays, so the page goes on).
func (s *Service) ChangePassword(ctx context.Context, c Caller, req PasswordChange) error {
	if c.Role == Resident || c.Anonymous() {
		return fault.ErrRole
	}
	var u User
	if err := s.db.WithContext(ctx).Where("id = ?", c.UserID).Take(&u).Error; err != nil {
		return fmt.Errorf("auth: load caller: %w", err)
	}
	if u.Username == nil || u.PasswordHash == nil {
		return fault.ErrRole
	}
	var v fault.Validation
	if req.OldPassword == "" {
		v.Add("old_password", "请输入原密码")
	}
	CheckPassword(&v, "new_password", *u.Username, req.NewPassword)
	if req.NewPassword != "" && req.NewPassword == req.OldPassword {
		v.Add("new_password", "新密码不能与原密码相同")
	}
	if err := v.Err(); err != nil {
		return err
	}
	if err := s.reauthenticate(ctx, c, &req.OldPassword); err != nil {
		if errors.Is(err, ErrReauthFailed) {
			return ErrOldPasswordWrong
		}
		return err
	}
	var history []PasswordEntry
	if err := s.db.WithContext(ctx).Where("user_id = ?", u.ID).Order("id DESC").Limit(PasswordHistory - 1).Find(&history).Error; err != nil {
		return fmt.Errorf("auth: password history: %w", err)
	}
	for _, h := range history {
		if bcrypt.CompareHashAndPassword([]byte(h.PasswordHash), []byte(req.NewPassword)) == nil {
			v.Add("new_password", fmt.Sprintf("新密码不能与最近 %d 次使用过的密码相同", PasswordHistory))
			return v.Err()
		}
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(req.NewPassword), s.cfg.BcryptCost)
	if err != nil {
		return fmt.Errorf("auth: hash password: %w", err)
	}
	now := time.Now().UTC()
	return s.db.Tx(ctx, func(tx *gorm.DB) error {
		if err := s.setPassword(tx, u, string(hash), false, now); err != nil {
			return err
		}
		if err := tx.Model(&SignIn{}).Where("user_id = ? AND id <> ? AND revoked_at IS NULL", u.ID, c.SignInID).Update("revoked_at", now).Error; err != nil {
			return err
		}
		a, _ := s.areaOf(tx, u)
		var place *audit.Place
		if a != nil {
			place = a.Place()
		}
		return audit.Record(tx, c.Actor(), "user.password_change", place, fmt.Sprintf("user:%d", u.ID), map[string]any{"forced": u.MustChangePassword})
	})
}

// setPassword stores a new password hash for u, keeps the one it replaces
// in the history (trimmed to the last PasswordHistory), and sets whether its
// owner must change it.
func (s *Service) setPassword(tx *gorm.DB, u User, hash string, mustChange bool, now time.Time) error {
	if u.PasswordHash != nil {
		if err := tx.Create(&PasswordEntry{UserID: u.ID, PasswordHash: *u.PasswordHash, CreatedAt: now}).Error; err != nil {
			return fmt.Errorf("auth: keep password history: %w", err)
		}
		var keep []int64
		if err := tx.Model(&PasswordEntry{}).Where("user_id = ?", u.ID).Order("id DESC").Limit(PasswordHistory).Pluck("id", &keep).Error; err != nil {
			return err
		}
		if len(keep) == PasswordHistory {
			if err := tx.Where("user_id = ? AND id < ?", u.ID, keep[len(keep)-1]).Delete(&PasswordEntry{}).Error; err != nil {
				return err
			}
		}
	}
	return tx.Model(&User{}).Where("id = ?", u.ID).Updates(map[string]any{
		"password_hash": hash, "must_change_password": mustChange, "password_changed_at": now, "updated_at": now}).Error
}
