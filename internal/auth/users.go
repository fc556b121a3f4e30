package auth

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"

	"wuzha/internal/area"
	"wuzha/internal/audit"
	"wuzha/internal/fault"
	"wuzha/internal/phone"
	"wuzha/internal/store"
	"wuzha/internal/taxonomy"
)

var usernamePattern = regexp.MustCompile(`^[A-Za-z0-9_.-]{3,32}$`)

// NewUser is what an admin (or `wuzha user add`) gives to create staff.
type NewUser struct {
	Username string `json:"username"`
	Password string `json:"password"`
	Role     Role   `json:"role"`
	AreaCode string `json:"area_code"`
	Name     string `json:"name,omitempty"`  // 姓名
	Phone    string `json:"phone,omitempty"` // a mainland mobile number, sealed at rest
	// UnitID is the member unit of a unit liaison (role unit_liaison,
	// created by a root admin); other roles leave it out.
	UnitID *int64 `json:"unit_id,omitempty"`
}

// UserChange is a partial update of a staff user; nil fields stay as they are.
type UserChange struct {
	Name     *string `json:"name"`
	Phone    *string `json:"phone"` // "" removes it
	Role     *Role   `json:"role"`
	AreaCode *string `json:"area_code"`
	Disabled *bool   `json:"disabled"`
	Password *string `json:"password"`
	// ActorPassword is the acting admin's own current password; a password
	// change needs it.
	ActorPassword *string `json:"actor_password"`
}

// StaffUser is a staff user as the users API shows it.
type StaffUser struct {
	ID                 int64     `json:"id"`
	Username           string    `json:"username"`
	Name               string    `json:"name"`
	PhoneMasked        string    `json:"phone_masked"` // 138****1234, or "" when none is on file
	Role               Role      `json:"role"`
	AreaCode           string    `json:"area_code"`
	AreaName           string    `json:"area_name"`
	UnitID             *int64    `json:"unit_id,omitempty"`
	Disabled           bool      `json:"disabled"`
	MustChangePassword bool      `json:"must_change_password"`
	CreatedAt          time.Time `json:"created_at"`
}

// validPassword is the check of a password set on the command line (the
// operator bootstrapping an installation): length only. Passwords set
// through the API follow CheckPassword.
func validPassword(v *fault.Validation, p string) {
	switch {
	case len(p) < MinPasswordLen:
		v.Add("password", fmt.Sprintf("密码至少 %d 位", MinPasswordLen))
	case len(p) > MaxPasswordBytes:
		v.Add("password", fmt.Sprintf("密码不能超过 %d 个字节", MaxPasswordBytes))
	}
}

// MaxNameLen bounds a staff user's name (姓名), in characters.
const MaxNameLen = 32

// checkName validates a staff user's name (optional).
func checkName(v *fault.Validation, field, name string) {
	if utf8.RuneCountInString(name) > MaxNameLen {
		v.Add(field, fmt.Sprintf("姓名不能超过 %d 个字", MaxNameLen))
	}
}

// sealPhone normalizes an optional staff phone into its sealed form and
// lookup hash; "" gives nils.
func (s *Service) sealPhone(v *fault.Validation, field, raw string) (enc, hash *string) {
	if strings.TrimSpace(raw) == "" {
		return nil, nil
	}
	n, err := phone.Normalize(raw)
	if err != nil {
		v.Add(field, "手机号应为 11 位中国大陆手机号码")
		return nil, nil
	}
	e, h := s.vault.Seal(n), s.vault.Hash(n)
	return &e, &h
}

// checkStaffPlacement validates a role and area for a staff user and that the
// acting caller may place someone there. A nil caller is the command line.
func (s *Service) checkStaffPlacement(ctx context.Context, c *Caller, role Role, areaCode string, v *fault.Validation) (area.Area, error) {
	if !role.IsStaff() && role != UnitLiaison {
		v.Add("role", "角色应为 grid_worker、editor、reviewer、admin 或 assessor")
	}
	a, err := s.areas.Get(ctx, areaCode)
	if errors.Is(err, area.ErrNotFound) {
		v.Add("area_code", "区域代码不存在")
		return a, nil
	}
	if err != nil {
		return a, err
	}
	if role == GridWorker && a.Level != area.Grid {
		v.Add("area_code", "网格员的管辖区域必须是一个网格")
	}
	if c != nil && !c.InScope(a.Path) {
		return a, fault.ErrOutOfScope
	}
	return a, nil
}

// CreateUser creates a staff user inside the caller's scope. Only admins may;
// an admin can create another admin only at or below its own area (which
// scope already guarantees). A nil caller is the command line (bootstrap).
func (s *Service) CreateUser(ctx context.Context, c *Caller, req NewUser) (StaffUser, error) {
	if c != nil && c.Role != Admin {
		return StaffUser{}, fault.ErrRole
	}
	var v fault.Validation
	if !usernamePattern.MatchString(req.Username) {
		v.Add("username", "用户名为 3–32 位字母、数字、下划线、点或横线")
	}
	if c == nil {
		validPassword(&v, req.Password)
	} else {
		CheckPassword(&v, "password", req.Username, req.Password)
	}
	req.Name = strings.TrimSpace(req.Name)
	checkName(&v, "name", req.Name)
	phoneEnc, phoneHash := s.sealPhone(&v, "phone", req.Phone)
	if req.Role == UnitLiaison && req.AreaCode == "" && c != nil {
		req.AreaCode = c.AreaCode
	}
	a, err := s.checkStaffPlacement(ctx, c, req.Role, req.AreaCode, &v)
	if err != nil {
		return StaffUser{}, err
	}
	if err := s.checkUnit(ctx, c, req, a, &v); err != nil {
		return StaffUser{}, err
	}
	if err := v.Err(); err != nil {
		return StaffUser{}, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(req.Password), s.cfg.BcryptCost)
	if err != nil {
		return StaffUser{}, fmt.Errorf("auth: hash password: %w", err)
	}
	now := time.Now().UTC()
	name, h, code := req.Username, string(hash), a.Code
	// A password an admin chose is its owner's to replace at first sign-in;
	// the command line's (the operator's own first admin) is not.
	u := User{Username: &name, PasswordHash: &h, Role: req.Role, AreaCode: &code, UnitID: req.UnitID,
		Name: req.Name, PhoneEnc: phoneEnc, StaffPhoneHash: phoneHash, MustChangePassword: c != nil, PasswordChangedAt: &now,
		CreatedAt: now, UpdatedAt: now}
	actor := audit.Actor{Name: "cli", Role: "system"}
	if c != nil {
		actor = c.Actor()
	}
	err = s.db.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&u).Error; err != nil {
			if store.IsUniqueViolation(err) {
				return ErrUsernameTaken
			}
			return fmt.Errorf("auth: create user: %w", err)
		}
		return audit.Record(tx, actor, "user.create", a.Place(), fmt.Sprintf("user:%d", u.ID), map[string]any{"username": name, "name": req.Name, "role": req.Role, "area_code": a.Code, "unit_id": req.UnitID})
	})
	if err != nil {
		return StaffUser{}, err
	}
	return s.staffView(u, a), nil
}

// checkUnit checks a unit liaison's unit: only a root admin (or the command
// line) creates liaisons, at a root area, for a member unit that exists;
// other roles carry no unit. Member units are kept by internal/supervision;
// this one existence check reads its table.
func (s *Service) checkUnit(ctx context.Context, c *Caller, req NewUser, a area.Area, v *fault.Validation) error {
	if req.Role != UnitLiaison {
		if req.UnitID != nil {
			v.Add("unit_id", "只有成员单位联络员（unit_liaison）关联成员单位")
		}
		return nil
	}
	if c != nil && strings.Count(c.AreaPath, "/") != 2 {
		return fault.New(fault.Forbidden, "root_admin_required", "成员单位联络员只能由市级（根区域）管理员创建")
	}
	if a.ParentCode != nil {
		v.Add("area_code", "成员单位联络员的区域必须是市级（根区域）")
	}
	if req.UnitID == nil {
		v.Add("unit_id", "成员单位联络员必须关联一个成员单位")
		return nil
	}
	var n int64
	if err := s.db.WithContext(ctx).Table("units").Where("id = ?", *req.UnitID).Count(&n).Error; err != nil {
		return fmt.Errorf("auth: check unit: %w", err)
	}
	if n == 0 {
		v.Add("unit_id", "成员单位不存在")
	}
	return nil
}

// User statuses a list can be filtered by.
const (
	StatusEnabled    = "enabled"
	StatusDisabled   = "disabled"
	StatusMustChange = "must_change" // must change the password (set by an admin, or expired)
)

// UserFilter narrows ListUsers.
type UserFilter struct {
	Role     Role
	AfterID  int64
	Limit    int
	AreaCode string // optional: only users in this subtree (must be in scope)
	// Q searches usernames and names (a substring); a whole mobile number
	// finds the staff user with that phone by its lookup hash.
	Q      string
	Status string // "", StatusEnabled, StatusDisabled or StatusMustChange
}

// ErrBadFilter is a list filter that is not understood.
var ErrBadFilter = fault.New(fault.Invalid, "validation_failed", "筛选条件无效")

// staffRow is a staff user as the list query reads it.
type staffRow struct {
	ID                 int64
	Username           string
	Name               string
	PhoneEnc           *string
	Role               Role
	AreaCode           string
	AreaName           string
	UnitID             *int64
	Disabled           bool
	MustChangePassword bool
	PasswordChangedAt  *time.Time
	CreatedAt          time.Time
}

// staffView is a stored staff user as the API shows it, the phone masked.
func (s *Service) staffView(u User, a area.Area) StaffUser {
	r := staffRow{ID: u.ID, Name: u.Name, PhoneEnc: u.PhoneEnc, Role: u.Role, AreaCode: a.Code, AreaName: a.Name, UnitID: u.UnitID,
		Disabled: u.Disabled, MustChangePassword: u.MustChangePassword, PasswordChangedAt: u.PasswordChangedAt, CreatedAt: u.CreatedAt}
	if u.Username != nil {
		r.Username = *u.Username
	}
	return s.rowView(r, time.Now().UTC())
}

func (s *Service) rowView(r staffRow, now time.Time) StaffUser {
	out := StaffUser{ID: r.ID, Username: r.Username, Name: r.Name, Role: r.Role, AreaCode: r.AreaCode, AreaName: r.AreaName, UnitID: r.UnitID,
		Disabled: r.Disabled, MustChangePassword: r.MustChangePassword || passwordExpired(r.Role, r.PasswordChangedAt, now), CreatedAt: r.CreatedAt}
	if r.PhoneEnc != nil {
		if n, err := s.vault.Open(*r.PhoneEnc); err == nil {
			out.PhoneMasked = phone.Mask(n)
		}
	}
	return out
}

// likeEscaper escapes LIKE's wildcards in a search term (with ! as escape).
var likeEscaper = strings.NewReplacer("!", "!!", "%", "!%", "_", "!_")

// ListUsers lists staff users whose scope area lies inside the caller's,
// filtered in the query by the scope's path.
func (s *Service) ListUsers(ctx context.Context, c Caller, f UserFilter) ([]StaffUser, error) {
	if c.Role != Admin {
		return nil, fault.ErrRole
	}
	like := c.ScopeLike()
	if f.AreaCode != "" {
		a, err := s.areas.Get(ctx, f.AreaCode)
		if errors.Is(err, area.ErrNotFound) {
			return nil, fault.New(fault.Invalid, "validation_failed", "区域代码不存在")
		}
		if err != nil {
			return nil, err
		}
		if err := c.Authorize(a); err != nil {
			return nil, err
		}
		like = area.SubtreeLike(a.Path)
	}
	if f.Role != "" && !f.Role.IsStaff() && f.Role != UnitLiaison {
		return nil, ErrBadFilter
	}
	q := s.db.WithContext(ctx).Table("users").
		Select("users.id, users.username, users.name, users.phone_enc, users.role, users.area_code, areas.name AS area_name, users.unit_id, users.disabled, users.must_change_password, users.password_changed_at, users.created_at").
		Joins("JOIN areas ON areas.code = users.area_code").
		Where("areas.path LIKE ? AND users.role <> ?", like, Resident)
	if f.Role != "" {
		q = q.Where("users.role = ?", f.Role)
	}
	now := time.Now().UTC()
	switch f.Status {
	case "":
	case StatusEnabled:
		q = q.Where("users.disabled = ?", false)
	case StatusDisabled:
		q = q.Where("users.disabled = ?", true)
	case StatusMustChange:
		q = q.Where("users.disabled = ? AND (users.must_change_password = ? OR users.password_changed_at < ?)", false, true, now.Add(-MaxPasswordAge))
	default:
		return nil, ErrBadFilter
	}
	if term := strings.TrimSpace(f.Q); term != "" {
		if utf8.RuneCountInString(term) > 64 {
			return nil, ErrBadFilter
		}
		pattern := "%" + likeEscaper.Replace(strings.ToLower(term)) + "%"
		cond := s.db.Where("LOWER(users.username) LIKE ? ESCAPE '!'", pattern).Or("LOWER(users.name) LIKE ? ESCAPE '!'", pattern)
		if n, err := phone.Normalize(term); err == nil {
			cond = cond.Or("users.staff_phone_hash = ?", s.vault.Hash(n))
		}
		q = q.Where(cond)
	}
	if f.AfterID > 0 {
		q = q.Where("users.id > ?", f.AfterID)
	}
	var rows []staffRow
	if err := q.Order("users.id").Limit(f.Limit).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("auth: list users: %w", err)
	}
	out := make([]StaffUser, 0, len(rows))
	for _, r := range rows {
		out = append(out, s.rowView(r, now))
	}
	return out, nil
}

// staffInScope loads a staff user for an admin's change: a user outside the
// caller's scope is not visible (not found).
func (s *Service) staffInScope(ctx context.Context, c Caller, id int64) (User, area.Area, error) {
	if c.Role != Admin {
		return User{}, area.Area{}, fault.ErrRole
	}
	var u User
	if err := s.db.WithContext(ctx).Where("id = ? AND role <> ?", id, Resident).Take(&u).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return User{}, area.Area{}, ErrNotFound
		}
		return User{}, area.Area{}, err
	}
	if u.AreaCode == nil || u.Username == nil {
		return User{}, area.Area{}, ErrNotFound
	}
	cur, err := s.areas.Get(ctx, *u.AreaCode)
	if err != nil || !c.InScope(cur.Path) {
		return User{}, area.Area{}, ErrNotFound
	}
	return u, cur, nil
}

// UpdateUser changes a staff user inside the caller's scope. A user outside
// the scope is not visible (not found). Disabling a user or changing their
// password ends all their sign-ins. Admins cannot disable or demote themselves
// (so an installation cannot lose its last admin by accident). Setting a
// password needs the acting admin's own current password (actor_password),
// and an admin of the same area as the caller keeps its password from the
// caller: only an admin above may reset it.
func (s *Service) UpdateUser(ctx context.Context, c Caller, id int64, ch UserChange) (StaffUser, error) {
	// Reads and checks first, outside the write transaction (on SQLite the
	// one connection is the transaction's while it runs).
	u, cur, err := s.staffInScope(ctx, c, id)
	if err != nil {
		return StaffUser{}, err
	}
	if ch.Password != nil {
		if u.Role == Admin && u.ID != c.UserID && cur.Path == c.AreaPath {
			return StaffUser{}, ErrPeerAdmin
		}
		if ch.ActorPassword == nil || *ch.ActorPassword == "" {
			return StaffUser{}, ErrReauthRequired
		}
	}
	if u.ID == c.UserID && ((ch.Disabled != nil && *ch.Disabled) || (ch.Role != nil && *ch.Role != Admin)) {
		return StaffUser{}, fault.New(fault.Conflict, "self_lockout", "不能停用自己或取消自己的管理员角色")
	}
	role, areaCode := u.Role, *u.AreaCode
	if ch.Role != nil {
		role = *ch.Role
	}
	if ch.AreaCode != nil {
		areaCode = *ch.AreaCode
	}
	var v fault.Validation
	if (u.Role == UnitLiaison) != (role == UnitLiaison) || (role == UnitLiaison && ch.AreaCode != nil) {
		// A liaison belongs to its unit: it is created as one, not changed into or out of one.
		v.Add("role", "成员单位联络员只能新建，不能与其他角色互换或改变区域")
	}
	a := cur
	if ch.Role != nil || ch.AreaCode != nil {
		if a, err = s.checkStaffPlacement(ctx, &c, role, areaCode, &v); err != nil {
			return StaffUser{}, err
		}
	}
	if ch.Password != nil {
		CheckPassword(&v, "password", *u.Username, *ch.Password)
	}
	if ch.Name != nil {
		*ch.Name = strings.TrimSpace(*ch.Name)
		checkName(&v, "name", *ch.Name)
	}
	var phoneEnc, phoneHash *string
	if ch.Phone != nil {
		phoneEnc, phoneHash = s.sealPhone(&v, "phone", *ch.Phone)
	}
	if err := v.Err(); err != nil {
		return StaffUser{}, err
	}
	if ch.Password != nil {
		if err := s.reauthenticate(ctx, c, ch.ActorPassword); err != nil {
			return StaffUser{}, err
		}
	}
	now := time.Now().UTC()
	updates := map[string]any{"role": role, "area_code": a.Code, "updated_at": now}
	changed := map[string]any{}
	if ch.Role != nil {
		changed["role"] = role
	}
	if ch.AreaCode != nil {
		changed["area_code"] = a.Code
	}
	if ch.Name != nil {
		updates["name"] = *ch.Name
		changed["name"] = *ch.Name
		u.Name = *ch.Name
	}
	if ch.Phone != nil {
		updates["phone_enc"], updates["staff_phone_hash"] = phoneEnc, phoneHash
		changed["phone"] = "changed"
		u.PhoneEnc = phoneEnc
	}
	endSessions := false
	disabled := u.Disabled
	if ch.Disabled != nil {
		disabled = *ch.Disabled
		updates["disabled"] = disabled
		changed["disabled"] = disabled
		endSessions = disabled
	}
	newHash := ""
	if ch.Password != nil {
		hash, err := bcrypt.GenerateFromPassword([]byte(*ch.Password), s.cfg.BcryptCost)
		if err != nil {
			return StaffUser{}, err
		}
		newHash = string(hash)
		changed["password"] = "changed"
		endSessions = true
	}
	err = s.db.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Model(&User{}).Where("id = ?", u.ID).Updates(updates).Error; err != nil {
			return fmt.Errorf("auth: update user: %w", err)
		}
		if newHash != "" {
			// An admin's reset is a password its owner must replace.
			if err := s.setPassword(tx, u, newHash, true, now); err != nil {
				return err
			}
		}
		if endSessions {
			if err := tx.Model(&SignIn{}).Where("user_id = ? AND revoked_at IS NULL", u.ID).Update("revoked_at", now).Error; err != nil {
				return err
			}
		}
		if ch.Password != nil {
			// A new password starts its owner's guess count afresh.
			if _, err := clearGuesses(tx, throttleName(*u.Username)); err != nil {
				return err
			}
		}
		return audit.Record(tx, c.Actor(), "user.update", a.Place(), fmt.Sprintf("user:%d", u.ID), changed)
	})
	if err != nil {
		return StaffUser{}, err
	}
	u.Role, u.Disabled = role, disabled
	if newHash != "" {
		u.MustChangePassword, u.PasswordChangedAt = true, &now
	}
	return s.staffView(u, a), nil
}

// Profile is a resident's targeting data and consent.
type Profile struct {
	UserID         int64     `gorm:"primaryKey" json:"-"`
	AgeBand        string    `json:"age_band"`
	Occupation     string    `json:"occupation"`
	GridCode       string    `json:"grid_code"`
	GridName       string    `gorm:"-" json:"grid_name"`
	ConsentVersion string    `json:"consent_version"`
	ConsentAt      time.Time `json:"consent_at"`
	UpdatedAt      time.Time `json:"-"`
}

// TableName is the profiles table.
func (Profile) TableName() string { return "resident_profiles" }

// ConsentVersion names the privacy notice residents agree to.
const ConsentVersion = "v1"

// ProfileInput is what a resident sends to set their profile.
type ProfileInput struct {
	AgeBand    string `json:"age_band"`
	Occupation string `json:"occupation"`
	GridCode   string `json:"grid_code"`
	Consent    bool   `json:"consent"`
}

// Me is the signed-in user as GET /me shows it.
type Me struct {
	ID          int64    `json:"id"`
	Role        Role     `json:"role"`
	Username    *string  `json:"username"`
	AreaCode    *string  `json:"area_code"`
	AreaName    *string  `json:"area_name"`
	PhoneMasked *string  `json:"phone_masked"`
	Profile     *Profile `json:"profile"`
	// Staff: the name, and whether the password must be changed before
	// anything else (set by an admin, or older than MaxPasswordAge).
	Name               string `json:"name,omitempty"`
	MustChangePassword bool   `json:"must_change_password"`
}

// Me describes the caller.
func (s *Service) Me(ctx context.Context, c Caller) (Me, error) {
	var u User
	if err := s.db.WithContext(ctx).Where("id = ?", c.UserID).Take(&u).Error; err != nil {
		return Me{}, fmt.Errorf("auth: me: %w", err)
	}
	m := Me{ID: u.ID, Role: u.Role, Username: u.Username, AreaCode: u.AreaCode, Name: u.Name,
		MustChangePassword: u.MustChangePassword || passwordExpired(u.Role, u.PasswordChangedAt, time.Now().UTC())}
	if u.AreaCode != nil {
		if a, err := s.areas.Get(ctx, *u.AreaCode); err == nil {
			m.AreaName = &a.Name
		}
	}
	if u.PhoneEnc != nil {
		n, err := s.vault.Open(*u.PhoneEnc)
		if err != nil {
			return Me{}, fmt.Errorf("auth: me: %w", err)
		}
		masked := phone.Mask(n)
		m.PhoneMasked = &masked
	}
	p, err := s.ProfileOf(ctx, u.ID)
	if err != nil {
		return Me{}, err
	}
	if p != nil {
		if a, err := s.areas.Get(ctx, p.GridCode); err == nil {
			p.GridName = a.Name
		}
	}
	m.Profile = p
	return m, nil
}

// ProfileOf loads a resident's profile, or nil when none is set. It is read
// on hot paths (feed, attempt start, reach), so it leaves GridName empty;
// Me fills it in.
func (s *Service) ProfileOf(ctx context.Context, userID int64) (*Profile, error) {
	var p Profile
	err := s.db.WithContext(ctx).Where("user_id = ?", userID).Take(&p).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("auth: profile: %w", err)
	}
	return &p, nil
}

// SetProfile validates and stores a resident's profile; consent is required.
func (s *Service) SetProfile(ctx context.Context, c Caller, in ProfileInput) (Profile, error) {
	if c.Role != Resident {
		return Profile{}, fault.ErrRole
	}
	lists, err := s.codes.Lists(ctx)
	if err != nil {
		return Profile{}, err
	}
	var v fault.Validation
	if !lists.Has(taxonomy.AgeBand, in.AgeBand) {
		v.Add("age_band", "请选择年龄段")
	}
	if !lists.Has(taxonomy.Occupation, in.Occupation) {
		v.Add("occupation", "请选择职业")
	}
	g, err := s.areas.Get(ctx, in.GridCode)
	switch {
	case errors.Is(err, area.ErrNotFound):
		v.Add("grid_code", "所选网格不存在")
	case err != nil:
		return Profile{}, err
	case g.Level != area.Grid:
		v.Add("grid_code", "请选择到网格一级")
	}
	if !in.Consent {
		v.Add("consent", "请阅读并同意个人信息使用说明")
	}
	if err := v.Err(); err != nil {
		return Profile{}, err
	}
	now := time.Now().UTC()
	p := Profile{UserID: c.UserID, AgeBand: in.AgeBand, Occupation: in.Occupation, GridCode: g.Code, ConsentVersion: ConsentVersion, ConsentAt: now, UpdatedAt: now}
	err = s.db.Tx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&Profile{}).Where("user_id = ?", c.UserID).Updates(map[string]any{
			"age_band": p.AgeBand, "occupation": p.Occupation, "grid_code": p.GridCode,
			"consent_version": p.ConsentVersion, "consent_at": now, "updated_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return tx.Create(&p).Error
		}
		return nil
	})
	if err != nil {
		return Profile{}, fmt.Errorf("auth: set profile: %w", err)
	}
	p.GridName = g.Name
	return p, nil
}
