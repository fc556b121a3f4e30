package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"

	"wuzha/internal/area"
	"wuzha/internal/audit"
	"wuzha/internal/fault"
	"wuzha/internal/phone"
	"wuzha/internal/ratelimit"
	"wuzha/internal/sms"
	"wuzha/internal/store"
	"wuzha/internal/taxonomy"
)

// User is a stored user: staff (username, password, scope) or resident (phone).
type User struct {
	ID           int64 `gorm:"primaryKey"`
	Username     *string
	PasswordHash *string
	Role         Role
	AreaCode     *string
	PhoneHash    *string
	PhoneEnc     *string
	UnitID       *int64 // unit liaisons: their member unit
	Disabled     bool
	Demo         bool // made by `wuzha seed --demo`
	// Name is a staff user's real name (姓名); StaffPhoneHash finds a staff
	// user by the phone sealed in PhoneEnc (PhoneHash is residents' sign-in
	// key and stays empty for staff).
	Name           string
	StaffPhoneHash *string
	// MustChangePassword is set for a password an admin chose (creation,
	// import, reset): its owner must choose their own before anything else.
	MustChangePassword bool
	PasswordChangedAt  *time.Time
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// TableName is the users table.
func (User) TableName() string { return "users" }

// SignIn is one signed-in session: the family of refresh tokens it rotates through.
type SignIn struct {
	ID        string `gorm:"primaryKey"`
	UserID    int64
	CreatedAt time.Time
	RevokedAt *time.Time
	// LastSeenAt is the sign-in's last request (to within touchEvery); a
	// staff sign-in idle for longer than Config.IdleTimeout ends.
	LastSeenAt *time.Time
}

// TableName is the sign-ins table.
func (SignIn) TableName() string { return "sign_ins" }

// RefreshToken is a single-use refresh token, stored only as its hash.
type RefreshToken struct {
	TokenHash string `gorm:"primaryKey"`
	SignInID  string
	ExpiresAt time.Time
	UsedAt    *time.Time
	CreatedAt time.Time
}

// TableName is the refresh tokens table.
func (RefreshToken) TableName() string { return "refresh_tokens" }

// SMSCode is the one pending sign-in code of a phone, stored as a keyed hash.
type SMSCode struct {
	PhoneHash string `gorm:"primaryKey"`
	CodeHash  string
	Attempts  int
	ExpiresAt time.Time
	CreatedAt time.Time
}

// TableName is the SMS codes table.
func (SMSCode) TableName() string { return "sms_codes" }

// Errors of sign-in.
var (
	ErrInvalidCredentials = fault.New(fault.Unauthenticated, "invalid_credentials", "用户名或密码错误")
	ErrUnauthenticated    = fault.New(fault.Unauthenticated, "unauthenticated", "请先登录")
	ErrTokenInvalid       = fault.New(fault.Unauthenticated, "invalid_token", "登录已失效，请重新登录")
	ErrTokenReused        = fault.New(fault.Unauthenticated, "token_reused", "登录凭证已被使用，为安全起见已退出登录，请重新登录")
	ErrCodeInvalid        = fault.New(fault.Unauthenticated, "invalid_code", "验证码错误")
	ErrCodeExpired        = fault.New(fault.Unauthenticated, "code_expired", "验证码已过期或已失效，请重新获取")
	ErrRateLimited        = fault.New(fault.RateLimited, "rate_limited", "操作太频繁，请稍后再试")
	ErrInvalidPhone       = fault.New(fault.Invalid, "invalid_phone", "请输入正确的 11 位手机号码")
	ErrNotFound           = fault.New(fault.NotFound, "not_found", "用户不存在")
	ErrUsernameTaken      = fault.New(fault.Conflict, "username_taken", "用户名已被使用")
	ErrAccountDisabled    = fault.New(fault.Unauthenticated, "account_disabled", "该账号已被停用，请联系管理员")
	ErrSessionIdle        = fault.New(fault.Unauthenticated, "session_idle", "长时间未操作，已自动退出登录，请重新登录")
)

// Limits of sign-in; fixed windows shared by all instances.
const (
	loginIPLimit    = 60 // password sign-ins per address per loginIPWindow
	loginIPWindow   = 15 * time.Minute
	smsPhoneLimit   = 1 // per minute
	smsPhoneHourly  = 5
	smsIPHourly     = 20
	smsCodeTTL      = 5 * time.Minute
	smsCodeTries    = 5
	smsLoginIPLimit = 30 // per 10 minutes
	// An open session's join flow: one bucket per session, sized for a
	// village hall whose residents share one address (venue Wi-Fi, carrier NAT).
	smsSessionHourly      = 300
	smsLoginSessionHourly = 600
)

// Config is what the service needs from the installation.
type Config struct {
	JWTSecret  []byte
	AccessTTL  time.Duration
	RefreshTTL time.Duration
	BcryptCost int // 0 = bcrypt.DefaultCost
	// IdleTimeout ends a staff sign-in after this long without a request
	// (0 = DefaultIdleTimeout).
	IdleTimeout time.Duration
}

// Service signs users in and manages users, profiles and sessions.
type Service struct {
	db      *store.DB
	areas   *area.Store
	codes   *taxonomy.Store
	limiter ratelimit.Limiter
	vault   *phone.Vault
	sms     sms.Sender
	tokens  tokenMaker
	cfg     Config
	log     *slog.Logger
	dummy   []byte // a bcrypt hash compared against for unknown users (equal timing)
}

// NewService wires the service.
func NewService(db *store.DB, areas *area.Store, codes *taxonomy.Store, limiter ratelimit.Limiter, vault *phone.Vault, sender sms.Sender, cfg Config, log *slog.Logger) *Service {
	if cfg.BcryptCost == 0 {
		cfg.BcryptCost = bcrypt.DefaultCost
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	dummy, _ := bcrypt.GenerateFromPassword([]byte("wuzha-dummy-password"), cfg.BcryptCost)
	return &Service{db: db, areas: areas, codes: codes, limiter: limiter, vault: vault, sms: sender,
		tokens: tokenMaker{secret: cfg.JWTSecret, ttl: cfg.AccessTTL, verified: &verifiedTokens{items: map[string]verifiedToken{}}}, cfg: cfg, log: log, dummy: dummy}
}

// TokenPair is what a successful sign-in or refresh answers.
type TokenPair struct {
	AccessToken  string    `json:"access_token"`
	RefreshToken string    `json:"refresh_token"`
	TokenType    string    `json:"token_type"`
	ExpiresIn    int       `json:"expires_in"`
	User         TokenUser `json:"user"`
	// MustChangePassword: the password was chosen by an admin or is older
	// than MaxPasswordAge; until POST /me/password succeeds every other
	// call answers 403 password_change_required.
	MustChangePassword bool `json:"must_change_password"`
	PasswordExpired    bool `json:"password_expired,omitempty"`
}

// TokenUser is the user as a sign-in answer shows it.
type TokenUser struct {
	ID       int64   `json:"id"`
	Username *string `json:"username"`
	Role     Role    `json:"role"`
	AreaCode *string `json:"area_code"`
}

// Origin is where a request comes from, for limits and audit.
type Origin struct {
	IP        string
	RequestID string
	// Net is the key of per-address limits: the IPv4 address, or the /64 of
	// an IPv6 address (one subscriber's prefix, which it can rotate within).
	// Empty means IP.
	Net string
	// SessionID is the open in-person session whose join flow the request
	// belongs to (0: none). Its sign-ins are counted in that session's
	// bucket, sized for a hall behind one address, not per address.
	SessionID int64
}

// net is the per-address limit key.
func (o Origin) net() string {
	if o.Net != "" {
		return o.Net
	}
	return o.IP
}

// Login signs staff in by username and password. Unknown users and wrong
// passwords get the same error and take the same time. Every guess is
// counted against the name (known or not, in state shared by all instances)
// before its password is checked; after loginFreeGuesses failures a guess
// that comes before the growing delay has passed is refused unchecked
// (login_throttled, with Retry-After). Refused sign-ins are audited with the
// client's address.
func (s *Service) Login(ctx context.Context, username, password string, o Origin) (TokenPair, error) {
	username = strings.TrimSpace(username)
	if username == "" || password == "" || len(username) > 64 || len(password) > 200 {
		return TokenPair{}, ErrInvalidCredentials
	}
	if r, err := s.limiter.Hit(ctx, "login-ip:"+o.net(), loginIPLimit, loginIPWindow); err != nil {
		return TokenPair{}, err
	} else if !r.Allowed {
		return TokenPair{}, ErrRateLimited.WithRetry(r.RetryAfter)
	}
	var u User
	err := s.db.WithContext(ctx).Where("username = ?", username).Take(&u).Error
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return TokenPair{}, fmt.Errorf("auth: load user: %w", err)
	}
	known := err == nil
	var who *User
	if known {
		who = &u
	}
	name := throttleName(username)
	wait, err := s.claimGuess(ctx, name)
	if err != nil {
		return TokenPair{}, err
	}
	if wait > 0 {
		s.recordRefusedLogin(ctx, "auth.login_refused", username, who, o, map[string]any{"reason": "throttled", "retry_after_s": int(wait.Seconds() + 0.999)})
		return TokenPair{}, throttled(wait)
	}
	hash := s.dummy
	if known && u.PasswordHash != nil {
		hash = []byte(*u.PasswordHash)
	}
	ok := bcrypt.CompareHashAndPassword(hash, []byte(password)) == nil && known && u.PasswordHash != nil && (u.Role.IsStaff() || u.Role == UnitLiaison)
	if !ok {
		s.recordRefusedLogin(ctx, "auth.login_refused", username, who, o, map[string]any{"reason": "invalid_credentials"})
		return TokenPair{}, ErrInvalidCredentials
	}
	if u.Disabled {
		// The password was right, so saying why tells a guesser nothing.
		s.recordRefusedLogin(ctx, "auth.login_refused", username, who, o, map[string]any{"reason": "disabled"})
		return TokenPair{}, ErrAccountDisabled
	}
	var pair TokenPair
	err = s.db.Tx(ctx, func(tx *gorm.DB) error {
		if _, err := clearGuesses(tx, name); err != nil {
			return err
		}
		var err error
		if pair, err = s.startSignIn(tx, u); err != nil {
			return err
		}
		a, err := s.areaOf(tx, u)
		if err != nil || a == nil {
			return fmt.Errorf("auth: staff user %d has no scope area: %w", u.ID, err)
		}
		return audit.Record(tx, audit.Actor{UserID: u.ID, Name: *u.Username, Role: string(u.Role), IP: o.IP, RequestID: o.RequestID}, "auth.login", a.Place(), "user:"+fmt.Sprint(u.ID), nil)
	})
	return pair, err
}

func (s *Service) areaOf(tx *gorm.DB, u User) (*area.Area, error) {
	if u.AreaCode == nil {
		return nil, nil
	}
	var a area.Area
	if err := tx.Where("code = ?", *u.AreaCode).Take(&a).Error; err != nil {
		return nil, fmt.Errorf("auth: area of user %d: %w", u.ID, err)
	}
	return &a, nil
}

// startSignIn opens a sign-in for u and issues its first token pair.
func (s *Service) startSignIn(tx *gorm.DB, u User) (TokenPair, error) {
	now := time.Now().UTC()
	si := SignIn{ID: randomToken(18), UserID: u.ID, CreatedAt: now, LastSeenAt: &now}
	if err := tx.Create(&si).Error; err != nil {
		return TokenPair{}, fmt.Errorf("auth: create sign-in: %w", err)
	}
	return s.issue(tx, u, si.ID)
}

func (s *Service) issue(tx *gorm.DB, u User, signInID string) (TokenPair, error) {
	now := time.Now().UTC()
	access, err := s.tokens.sign(u.ID, signInID, now)
	if err != nil {
		return TokenPair{}, fmt.Errorf("auth: sign token: %w", err)
	}
	refresh := "rt_" + randomToken(32)
	rt := RefreshToken{TokenHash: sha256Hex(refresh), SignInID: signInID, ExpiresAt: now.Add(s.cfg.RefreshTTL), CreatedAt: now}
	if err := tx.Create(&rt).Error; err != nil {
		return TokenPair{}, fmt.Errorf("auth: store refresh token: %w", err)
	}
	expired := passwordExpired(u.Role, u.PasswordChangedAt, now)
	return TokenPair{AccessToken: access, RefreshToken: refresh, TokenType: "Bearer", ExpiresIn: int(s.cfg.AccessTTL.Seconds()),
		MustChangePassword: u.MustChangePassword || expired, PasswordExpired: expired,
		User: TokenUser{ID: u.ID, Username: u.Username, Role: u.Role, AreaCode: u.AreaCode}}, nil
}

// Refresh rotates a refresh token: the presented one is spent and a new pair
// issued in the same sign-in. Presenting a spent token means it was stolen or
// replayed, so the whole sign-in is revoked.
func (s *Service) Refresh(ctx context.Context, refresh string) (TokenPair, error) {
	if refresh == "" || len(refresh) > 200 {
		return TokenPair{}, ErrTokenInvalid
	}
	h := sha256Hex(refresh)
	var pair TokenPair
	var reused, idle bool
	err := s.db.Tx(ctx, func(tx *gorm.DB) error {
		now := time.Now().UTC()
		res := tx.Model(&RefreshToken{}).Where("token_hash = ? AND used_at IS NULL AND expires_at > ?", h, now).Update("used_at", now)
		if res.Error != nil {
			return fmt.Errorf("auth: spend refresh token: %w", res.Error)
		}
		var rt RefreshToken
		if err := tx.Where("token_hash = ?", h).Take(&rt).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return ErrTokenInvalid
			}
			return err
		}
		if res.RowsAffected == 0 {
			if rt.UsedAt != nil {
				reused = true
			}
			return ErrTokenInvalid
		}
		var si SignIn
		if err := tx.Where("id = ?", rt.SignInID).Take(&si).Error; err != nil {
			return ErrTokenInvalid
		}
		var u User
		if err := tx.Where("id = ?", si.UserID).Take(&u).Error; err != nil {
			return ErrTokenInvalid
		}
		if si.RevokedAt != nil || u.Disabled {
			return ErrTokenInvalid
		}
		if s.idle(u.Role, si.LastSeenAt, now) {
			idle = true
			return ErrSessionIdle
		}
		if err := tx.Model(&SignIn{}).Where("id = ?", si.ID).Update("last_seen_at", now).Error; err != nil {
			return err
		}
		var err error
		pair, err = s.issue(tx, u, si.ID)
		return err
	})
	if reused {
		// Outside the failed transaction, so the revocation sticks.
		if rerr := s.revokeFamilyOf(ctx, h); rerr != nil {
			return TokenPair{}, rerr
		}
		return TokenPair{}, ErrTokenReused
	}
	if idle {
		if rerr := s.revokeFamilyOf(ctx, h); rerr != nil {
			return TokenPair{}, rerr
		}
	}
	return pair, err
}

func (s *Service) revokeFamilyOf(ctx context.Context, tokenHash string) error {
	return s.db.Tx(ctx, func(tx *gorm.DB) error {
		var rt RefreshToken
		if err := tx.Where("token_hash = ?", tokenHash).Take(&rt).Error; err != nil {
			return err
		}
		return tx.Model(&SignIn{}).Where("id = ? AND revoked_at IS NULL", rt.SignInID).Update("revoked_at", time.Now().UTC()).Error
	})
}

// ErrNotOwnSignIn is a logout with a refresh token of someone else's sign-in.
var ErrNotOwnSignIn = fault.New(fault.Forbidden, "not_own_sign_in", "该登录凭证不属于当前账号，不能用它退出登录")

// Logout ends the sign-in that refresh belongs to, which must be the
// caller's: another user's token is refused (403) and revokes nothing. A
// token that is unknown ends the caller's current sign-in instead, so a
// logout always signs the caller out and only the caller.
func (s *Service) Logout(ctx context.Context, c Caller, refresh string) error {
	var rt RefreshToken
	res := s.db.WithContext(ctx).Where("token_hash = ?", sha256Hex(refresh)).Limit(1).Find(&rt)
	if res.Error != nil {
		return fmt.Errorf("auth: logout: %w", res.Error)
	}
	signIn := c.SignInID
	if res.RowsAffected == 1 {
		var si SignIn
		found := s.db.WithContext(ctx).Where("id = ?", rt.SignInID).Limit(1).Find(&si)
		if found.Error != nil {
			return fmt.Errorf("auth: logout: %w", found.Error)
		}
		if found.RowsAffected == 1 && si.UserID != c.UserID {
			return ErrNotOwnSignIn
		}
		signIn = rt.SignInID
	}
	return s.db.Tx(ctx, func(tx *gorm.DB) error {
		return tx.Model(&SignIn{}).Where("id = ? AND user_id = ? AND revoked_at IS NULL", signIn, c.UserID).Update("revoked_at", time.Now().UTC()).Error
	})
}

// Authenticate turns an access token into a Caller. Besides the signature and
// claims it checks, in one query, that the sign-in is live and the user is
// enabled, and takes role and scope from the database.
func (s *Service) Authenticate(ctx context.Context, token string) (Caller, error) {
	c, _, err := s.AuthenticateWith(ctx, token, Row{})
	return c, err
}

// Row is one more row a route reads in the same statement as the sign-in
// check, saving the busiest routes a round trip: Join is an inner JOIN that
// ties the row to sign_ins.user_id (so it is always the caller's own), Cols
// its columns, Args the join's parameters and Dest where the columns scan.
type Row struct {
	Join, Cols string
	Args, Dest []any
}

const authCols = `users.id, users.role, users.username, users.area_code, areas.path, users.disabled, sign_ins.revoked_at, users.unit_id,
users.must_change_password, users.password_changed_at, sign_ins.last_seen_at`

const authFrom = `
FROM sign_ins JOIN users ON users.id = sign_ins.user_id LEFT JOIN areas ON areas.code = users.area_code`

const authWhere = `
WHERE sign_ins.id = ? AND sign_ins.user_id = ?`

// AuthenticateWith is Authenticate that also reads r, and says whether r
// was found. When the joined row is missing the sign-in is checked again
// alone, so a caller whose row does not exist (or is not theirs) still
// gets their Caller and a not-found, and a dead sign-in still gets
// ErrTokenInvalid.
func (s *Service) AuthenticateWith(ctx context.Context, token string, r Row) (Caller, bool, error) {
	uid, sid, err := s.tokens.parse(token)
	if err != nil {
		return Caller{}, false, ErrTokenInvalid
	}
	// Every request runs this: one prepared query, scanned by hand.
	var row struct {
		ID         int64
		Role       Role
		Username   *string
		AreaCode   *string
		Path       *string
		Disabled   bool
		Revoked    *time.Time
		UnitID     *int64
		MustChange bool
		Changed    *time.Time
		LastSeen   *time.Time
	}
	dest := []any{&row.ID, &row.Role, &row.Username, &row.AreaCode, &row.Path, &row.Disabled, &row.Revoked, &row.UnitID,
		&row.MustChange, &row.Changed, &row.LastSeen}
	found := false
	if r.Join != "" {
		err = s.db.ScanOne(ctx, "SELECT "+authCols+", "+r.Cols+authFrom+" "+r.Join+authWhere,
			append(append([]any{}, r.Args...), sid, uid), append(dest, r.Dest...)...)
		found = err == nil
	}
	if r.Join == "" || errors.Is(err, sql.ErrNoRows) {
		err = s.db.ScanOne(ctx, "SELECT "+authCols+authFrom+authWhere, []any{sid, uid}, dest...)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return Caller{}, false, ErrTokenInvalid
	}
	if err != nil {
		return Caller{}, false, fmt.Errorf("auth: authenticate: %w", err)
	}
	if row.Disabled || row.Revoked != nil {
		return Caller{}, false, ErrTokenInvalid
	}
	now := time.Now().UTC()
	if err := s.seen(ctx, sid, row.Role, row.LastSeen, now); err != nil {
		return Caller{}, false, err
	}
	c := Caller{UserID: row.ID, Role: row.Role, SignInID: sid,
		MustChangePassword: row.MustChange || passwordExpired(row.Role, row.Changed, now)}
	if row.Username != nil {
		c.Username = *row.Username
	}
	if row.AreaCode != nil && row.Path != nil {
		c.AreaCode, c.AreaPath = *row.AreaCode, *row.Path
	}
	if row.UnitID != nil {
		c.UnitID = *row.UnitID
	}
	return c, found, nil
}

// SendCode sends a 6-digit sign-in code to phone. Sending is limited per
// phone (one a minute, five an hour) and per client address, or per open
// session for a session's join flow.
func (s *Service) SendCode(ctx context.Context, rawPhone string, o Origin) error {
	n, err := phone.Normalize(rawPhone)
	if err != nil {
		return ErrInvalidPhone
	}
	ph := s.vault.Hash(n)
	type lim struct {
		key    string
		limit  int
		window time.Duration
	}
	crowd := lim{"sms-ip:" + o.net(), smsIPHourly, time.Hour}
	if o.SessionID != 0 {
		crowd = lim{"sms-session:" + strconv.FormatInt(o.SessionID, 10), smsSessionHourly, time.Hour}
	}
	for _, l := range []lim{
		crowd,
		{"sms-phone-min:" + ph, smsPhoneLimit, time.Minute},
		{"sms-phone-hour:" + ph, smsPhoneHourly, time.Hour},
	} {
		r, err := s.limiter.Hit(ctx, l.key, l.limit, l.window)
		if err != nil {
			return err
		}
		if !r.Allowed {
			return ErrRateLimited.WithRetry(r.RetryAfter)
		}
	}
	code, err := sixDigits()
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	rec := SMSCode{PhoneHash: ph, CodeHash: s.codeHash(ph, code), ExpiresAt: now.Add(smsCodeTTL), CreatedAt: now}
	err = s.db.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("phone_hash = ?", ph).Delete(&SMSCode{}).Error; err != nil {
			return err
		}
		return tx.Create(&rec).Error
	})
	if err != nil {
		return fmt.Errorf("auth: store sms code: %w", err)
	}
	text := fmt.Sprintf("【无诈】您的验证码是 %s，5 分钟内有效。请勿告诉任何人，工作人员不会向您索要验证码。", code)
	if err := s.sms.Send(ctx, n, text); err != nil {
		return fmt.Errorf("auth: send sms: %w", err)
	}
	return nil
}

func (s *Service) codeHash(phoneHash, code string) string {
	m := hmac.New(sha256.New, s.cfg.JWTSecret)
	m.Write([]byte("sms-code|" + phoneHash + "|" + code))
	return hex.EncodeToString(m.Sum(nil))
}

func sixDigits() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

// LoginSMS signs a resident in with the code sent to their phone, creating the
// resident on first sign-in. A code allows smsCodeTries guesses, then is void.
func (s *Service) LoginSMS(ctx context.Context, rawPhone, code string, o Origin) (TokenPair, error) {
	n, err := phone.Normalize(rawPhone)
	if err != nil {
		return TokenPair{}, ErrInvalidPhone
	}
	key, limit, window := "sms-login-ip:"+o.net(), smsLoginIPLimit, 10*time.Minute
	if o.SessionID != 0 {
		key, limit, window = "sms-login-session:"+strconv.FormatInt(o.SessionID, 10), smsLoginSessionHourly, time.Hour
	}
	if r, err := s.limiter.Hit(ctx, key, limit, window); err != nil {
		return TokenPair{}, err
	} else if !r.Allowed {
		return TokenPair{}, ErrRateLimited.WithRetry(r.RetryAfter)
	}
	ph := s.vault.Hash(n)
	code = strings.TrimSpace(code)
	var pair TokenPair
	var verdict error
	err = s.db.Tx(ctx, func(tx *gorm.DB) error {
		now := time.Now().UTC()
		res := tx.Model(&SMSCode{}).Where("phone_hash = ? AND attempts < ? AND expires_at > ?", ph, smsCodeTries, now).
			Update("attempts", gorm.Expr("attempts + 1"))
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			verdict = ErrCodeExpired
			return nil
		}
		var rec SMSCode
		if err := tx.Where("phone_hash = ?", ph).Take(&rec).Error; err != nil {
			return err
		}
		if len(code) != 6 || !hmac.Equal([]byte(rec.CodeHash), []byte(s.codeHash(ph, code))) {
			verdict = ErrCodeInvalid // the attempt stays counted: commit
			return nil
		}
		if err := tx.Where("phone_hash = ?", ph).Delete(&SMSCode{}).Error; err != nil {
			return err
		}
		u, err := s.residentByPhone(tx, n, ph)
		if err != nil {
			return err
		}
		if u.Disabled {
			verdict = ErrTokenInvalid
			return nil
		}
		pair, err = s.startSignIn(tx, u)
		return err
	})
	if err != nil {
		return TokenPair{}, fmt.Errorf("auth: sms login: %w", err)
	}
	if verdict != nil {
		return TokenPair{}, verdict
	}
	return pair, nil
}

func (s *Service) residentByPhone(tx *gorm.DB, n, ph string) (User, error) {
	var u User
	err := tx.Where("phone_hash = ?", ph).Take(&u).Error
	if err == nil {
		return u, nil
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return u, err
	}
	enc := s.vault.Seal(n)
	now := time.Now().UTC()
	u = User{Role: Resident, PhoneHash: &ph, PhoneEnc: &enc, CreatedAt: now, UpdatedAt: now}
	if err := tx.Create(&u).Error; err != nil {
		return u, fmt.Errorf("auth: create resident: %w", err)
	}
	return u, nil
}
