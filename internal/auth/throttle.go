package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"

	"wuzha/internal/audit"
	"wuzha/internal/fault"
	"wuzha/internal/store"
)

// LoginThrottle is the password-guess count of one sign-in name (lower-cased,
// known or not, so the answers never tell which names exist). Every guess is
// counted here before its password is checked: the count is taken with one
// conditional UPDATE on the count that was read (compare-and-set), so however
// many instances and requests race, each checked guess has its own number.
// After loginFreeGuesses failures the next guess is only checked once NextAt
// has passed, and NextAt moves further out with every failure (guessDelay).
// A successful sign-in sets the count back to zero.
type LoginThrottle struct {
	Name      string `gorm:"primaryKey"`
	Failures  int
	NextAt    time.Time
	UpdatedAt time.Time
}

// TableName is the login throttles table.
func (LoginThrottle) TableName() string { return "login_throttles" }

// Limits of password guessing against one name.
const (
	loginFreeGuesses = 5                // failures checked without delay
	loginMaxDelay    = 15 * time.Minute // the longest wait between checked guesses
	loginFailMemory  = 24 * time.Hour   // failures older than this are forgotten
	claimTries       = 8                // compare-and-set rounds before a racing guess is refused
)

// Errors of the throttle and of re-authentication.
var (
	ErrLoginThrottled = fault.New(fault.RateLimited, "login_throttled", "登录失败次数过多，为保护账号安全，请稍后再试")
	ErrReauthRequired = fault.New(fault.Forbidden, "reauth_required", "请输入您本人的登录密码以确认身份")
	ErrReauthFailed   = fault.New(fault.Forbidden, "reauth_failed", "您本人的登录密码不正确")
	ErrPeerAdmin      = fault.New(fault.Forbidden, "peer_admin", "同级管理员的密码只能由上级管理员重置")
)

// guessDelay is how long after the failures-th failed guess the next guess
// waits: nothing for the first loginFreeGuesses-1, then 1 s, 2 s, 4 s … up to
// loginMaxDelay.
func guessDelay(failures int) time.Duration {
	over := failures - loginFreeGuesses
	if over < 0 {
		return 0
	}
	if over >= 20 {
		return loginMaxDelay
	}
	d := time.Second << over
	if d > loginMaxDelay {
		return loginMaxDelay
	}
	return d
}

// throttled is ErrLoginThrottled saying how long to wait, in the detail and
// in Retry-After.
func throttled(wait time.Duration) error {
	e := ErrLoginThrottled.WithRetry(wait)
	e.Message = fmt.Sprintf("登录失败次数过多，为保护账号安全，请在 %s后再试", waitWords(wait))
	return e
}

func waitWords(d time.Duration) string {
	s := int((d + time.Second - 1) / time.Second)
	if s < 1 {
		s = 1
	}
	if s < 60 {
		return fmt.Sprintf("%d 秒", s)
	}
	return fmt.Sprintf("%d 分钟", (s+59)/60)
}

func throttleName(username string) string { return strings.ToLower(strings.TrimSpace(username)) }

// claimGuess counts one guess against name before its password is checked.
// It answers 0 when the guess may be checked, or how long the caller must
// wait when it comes too early (the guess is then not checked and not
// counted). A guess that keeps losing the race to others is refused too: the
// throttle fails closed.
func (s *Service) claimGuess(ctx context.Context, name string) (time.Duration, error) {
	for i := 0; i < claimTries; i++ {
		now := time.Now().UTC()
		var t LoginThrottle
		res := s.db.WithContext(ctx).Where("name = ?", name).Limit(1).Find(&t)
		if res.Error != nil {
			return 0, fmt.Errorf("auth: read login throttle: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			err := s.db.WithContext(ctx).Create(&LoginThrottle{Name: name, Failures: 1, NextAt: now.Add(guessDelay(1)), UpdatedAt: now}).Error
			if err == nil {
				return 0, nil
			}
			if !store.IsUniqueViolation(err) {
				return 0, fmt.Errorf("auth: create login throttle: %w", err)
			}
			continue // another guess created it first
		}
		failures := t.Failures
		if now.Sub(t.UpdatedAt) > loginFailMemory {
			failures = 0
		} else if now.Before(t.NextAt) {
			return t.NextAt.Sub(now), nil
		}
		n := failures + 1
		res = s.db.WithContext(ctx).Model(&LoginThrottle{}).Where("name = ? AND failures = ?", name, t.Failures).
			Updates(map[string]any{"failures": n, "next_at": now.Add(guessDelay(n)), "updated_at": now})
		if res.Error != nil {
			return 0, fmt.Errorf("auth: count login guess: %w", res.Error)
		}
		if res.RowsAffected == 1 {
			return 0, nil
		}
	}
	return time.Second, nil
}

// clearGuesses sets name's count back to zero (a successful sign-in, an
// admin's unlock, a password reset) and answers how many failures it held.
func clearGuesses(tx *gorm.DB, name string) (int, error) {
	var t LoginThrottle
	res := tx.Where("name = ?", name).Limit(1).Find(&t)
	if res.Error != nil {
		return 0, fmt.Errorf("auth: read login throttle: %w", res.Error)
	}
	if res.RowsAffected == 0 || t.Failures == 0 {
		return 0, nil
	}
	now := time.Now().UTC()
	err := tx.Model(&LoginThrottle{}).Where("name = ?", name).
		Updates(map[string]any{"failures": 0, "next_at": now, "updated_at": now}).Error
	if err != nil {
		return 0, fmt.Errorf("auth: clear login throttle: %w", err)
	}
	return t.Failures, nil
}

// recordRefusedLogin audits a refused password sign-in with the client's
// address: reason "invalid_credentials" (the password was checked and was
// wrong, or the account cannot sign in) or "throttled" (the guess came too
// early and was not checked). A known name's entry lies in its user's area,
// so the admins above see it; an unknown name's entry has no area.
func (s *Service) recordRefusedLogin(ctx context.Context, action, username string, u *User, o Origin, detail map[string]any) {
	err := s.db.Tx(ctx, func(tx *gorm.DB) error {
		var place *audit.Place
		target := ""
		who := audit.Actor{Name: username, IP: o.IP, RequestID: o.RequestID}
		if u != nil {
			target = fmt.Sprintf("user:%d", u.ID)
			who.Role = string(u.Role)
			if a, err := s.areaOf(tx, *u); err == nil && a != nil {
				place = a.Place()
			}
		}
		return audit.Record(tx, who, action, place, target, detail)
	})
	if err != nil {
		// The refusal stands; a lost audit line must not turn it into a 500.
		s.log.Error("audit refused sign-in", "action", action, "err", err)
	}
}

// UnlockLogin lifts the sign-in throttle of a staff user inside the caller's
// scope, so its owner can sign in at once. It is audited with the failures
// it cleared.
func (s *Service) UnlockLogin(ctx context.Context, c Caller, id int64) error {
	u, cur, err := s.staffInScope(ctx, c, id)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *gorm.DB) error {
		n, err := clearGuesses(tx, throttleName(*u.Username))
		if err != nil {
			return err
		}
		return audit.Record(tx, c.Actor(), "user.unlock_login", cur.Place(), fmt.Sprintf("user:%d", u.ID), map[string]any{"failures": n})
	})
}

// reauthenticate checks the caller's own current password before a sensitive
// change, through the same guess throttle as sign-in (so a stolen access
// token cannot be used to guess its owner's password quickly).
func (s *Service) reauthenticate(ctx context.Context, c Caller, password *string) error {
	o := Origin{IP: c.IP, RequestID: c.RequestID}
	if password == nil || *password == "" {
		return ErrReauthRequired
	}
	if len(*password) > 200 {
		return ErrReauthFailed
	}
	var u User
	if err := s.db.WithContext(ctx).Where("id = ?", c.UserID).Take(&u).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return ErrReauthFailed
		}
		return fmt.Errorf("auth: load caller: %w", err)
	}
	if u.Username == nil || u.PasswordHash == nil {
		return ErrReauthFailed
	}
	wait, err := s.claimGuess(ctx, throttleName(*u.Username))
	if err != nil {
		return err
	}
	if wait > 0 {
		s.recordRefusedLogin(ctx, "auth.reauth_refused", *u.Username, &u, o, map[string]any{"reason": "throttled", "retry_after_s": int(wait.Seconds() + 0.999)})
		return throttled(wait)
	}
	if bcrypt.CompareHashAndPassword([]byte(*u.PasswordHash), []byte(*password)) != nil {
		s.recordRefusedLogin(ctx, "auth.reauth_refused", *u.Username, &u, o, map[string]any{"reason": "invalid_credentials"})
		return ErrReauthFailed
	}
	return s.db.Tx(ctx, func(tx *gorm.DB) error {
		_, err := clearGuesses(tx, throttleName(*u.Username))
		return err
	})
}

// SweepLoginThrottles deletes counts nobody has touched for longer than
// they are remembered; call it now and then.
func (s *Service) SweepLoginThrottles(ctx context.Context) error {
	return s.db.WithContext(ctx).Where("updated_at < ?", time.Now().UTC().Add(-loginFailMemory)).Delete(&LoginThrottle{}).Error
}
