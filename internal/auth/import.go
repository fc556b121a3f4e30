package auth

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"

	"wuzha/internal/area"
	"wuzha/internal/audit"
	"wuzha/internal/fault"
	"wuzha/internal/sheet"
	"wuzha/internal/store"
)

// MaxUserImportRows bounds one staff import: a county's grid workers.
const MaxUserImportRows = 2000

// importRoles are the roles an admin may give in an import, by code and by
// Chinese name. Unit liaisons need a member unit and are created one by one.
var importRoles = map[string]Role{
	"grid_worker": GridWorker, "网格员": GridWorker,
	"editor": Editor, "宣传编辑": Editor,
	"reviewer": Reviewer, "审核员": Reviewer,
	"assessor": Assessor, "考核人员": Assessor,
	"admin": Admin, "联席办管理员": Admin, "管理员": Admin,
}

// importHeaders maps the accepted column headers to their columns.
var importHeaders = map[string]string{
	"username": "username", "用户名": "username", "账号": "username",
	"name": "name", "姓名": "name",
	"phone": "phone", "手机号": "phone", "手机号码": "phone", "手机": "phone",
	"role": "role", "角色": "role",
	"area_code": "area_code", "区域代码": "area_code",
}

var importColumns = []string{"username", "name", "phone", "role", "area_code"}

// ErrImportFile is a staff import that is not a readable sheet with the
// expected columns.
var ErrImportFile = fault.New(fault.Invalid, "import_unreadable",
	"无法读取导入文件：请上传 UTF-8 编码的 CSV 或 XLSX 文件，首行为列名 用户名、姓名、手机号、角色、区域代码（或 username、name、phone、role、area_code）")

// Created is one staff user an import made, with the initial password
// shown this once.
type Created struct {
	Username        string `json:"username"`
	Name            string `json:"name"`
	Role            Role   `json:"role"`
	AreaCode        string `json:"area_code"`
	InitialPassword string `json:"initial_password"`
}

// ImportUsers creates the staff users of a sheet (CSV or XLSX) with strong
// random initial passwords their owners must change at first sign-in. Every
// row must be valid and inside the caller's scope, or nothing is created and
// every bad row is named (422 import_invalid). All rows go in one
// transaction; the slow part, hashing the passwords, runs on every core.
func (s *Service) ImportUsers(ctx context.Context, c Caller, fileName string, data []byte) ([]Created, error) {
	if c.Role != Admin {
		return nil, fault.ErrRole
	}
	records, err := sheet.Read(fileName, data, sheet.Options{MaxRows: MaxUserImportRows, TrimLeadingSpace: true})
	if errors.Is(err, sheet.ErrUnreadable) {
		return nil, ErrImportFile
	}
	if err != nil {
		return nil, err
	}
	if len(records) < 2 {
		return nil, fault.New(fault.Invalid, "import_empty", "导入文件没有数据行")
	}
	col := map[string]int{}
	for i, h := range records[0] {
		if k, ok := importHeaders[strings.ToLower(strings.TrimSpace(h))]; ok {
			col[k] = i
		}
	}
	var missing []string
	for _, k := range importColumns {
		if _, ok := col[k]; !ok {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		e := *ErrImportFile
		e.Message = "导入文件缺少列：" + strings.Join(missing, "、") + "（首行应为 用户名、姓名、手机号、角色、区域代码）"
		return nil, &e
	}
	cell := func(rec []string, k string) string {
		if i := col[k]; i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}

	var bad []fault.Field
	flag := func(row int, field, msg string) { bad = append(bad, fault.Field{Row: row, Field: field, Message: msg}) }
	areas := map[string]*area.Area{} // nil: not found
	seen := map[string]int{}
	type pending struct {
		row  int
		user User
		out  Created
	}
	var rows []pending
	now := time.Now().UTC()
	for i, rec := range records[1:] {
		line := i + 2
		if strings.TrimSpace(strings.Join(rec, "")) == "" {
			continue
		}
		p := pending{row: line}
		before := len(bad)
		username := cell(rec, "username")
		switch {
		case username == "":
			flag(line, "username", "用户名不能为空")
		case !usernamePattern.MatchString(username):
			flag(line, "username", "用户名应为 3–32 位字母、数字、下划线、点或横线")
		default:
			if first, dup := seen[strings.ToLower(username)]; dup {
				flag(line, "username", fmt.Sprintf("用户名 %s 与第 %d 行重复", username, first))
			} else {
				seen[strings.ToLower(username)] = line
			}
		}
		name := cell(rec, "name")
		var v fault.Validation
		if name == "" {
			flag(line, "name", "姓名不能为空")
		}
		checkName(&v, "name", name)
		enc, hash := s.sealPhone(&v, "phone", cell(rec, "phone"))
		if cell(rec, "phone") == "" {
			flag(line, "phone", "手机号不能为空")
		}
		if err := v.Err(); err != nil {
			f, _ := fault.As(err)
			for _, x := range f.Fields {
				flag(line, x.Field, x.Message)
			}
		}
		role, ok := importRoles[strings.ToLower(cell(rec, "role"))]
		if !ok {
			flag(line, "role", "角色应为 网格员、宣传编辑、审核员、考核人员 或 联席办管理员")
		}
		code := cell(rec, "area_code")
		a, known := areas[code]
		if !known {
			got, err := s.areas.Get(ctx, code)
			switch {
			case errors.Is(err, area.ErrNotFound):
			case err != nil:
				return nil, err
			default:
				a = &got
			}
			areas[code] = a
		}
		switch {
		case code == "":
			flag(line, "area_code", "区域代码不能为空")
		case a == nil:
			flag(line, "area_code", fmt.Sprintf("区域代码 %s 不存在", code))
		case !c.InScope(a.Path):
			flag(line, "area_code", fmt.Sprintf("区域 %s（%s）不在您的管辖范围内", a.Name, code))
		case ok && role == GridWorker && a.Level != area.Grid:
			flag(line, "area_code", fmt.Sprintf("网格员的区域必须是一个网格，%s 不是网格", a.Name))
		}
		if len(bad) > before {
			continue
		}
		un, ac := username, a.Code
		p.user = User{Username: &un, Role: role, AreaCode: &ac, Name: name, PhoneEnc: enc, StaffPhoneHash: hash,
			MustChangePassword: true, PasswordChangedAt: &now, CreatedAt: now, UpdatedAt: now}
		p.out = Created{Username: username, Name: name, Role: role, AreaCode: a.Code}
		rows = append(rows, p)
	}
	if len(rows) == 0 && len(bad) == 0 {
		return nil, fault.New(fault.Invalid, "import_empty", "导入文件没有数据行")
	}
	// Usernames already taken, asked in chunks.
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	taken := map[string]bool{}
	for i := 0; i < len(names); i += 500 {
		var got []string
		chunk := names[i:min(i+500, len(names))]
		if err := s.db.WithContext(ctx).Model(&User{}).Where("LOWER(username) IN ?", chunk).Pluck("LOWER(username)", &got).Error; err != nil {
			return nil, fmt.Errorf("auth: import: check usernames: %w", err)
		}
		for _, n := range got {
			taken[n] = true
		}
	}
	for _, p := range rows {
		if taken[strings.ToLower(*p.user.Username)] {
			flag(p.row, "username", fmt.Sprintf("用户名 %s 已被使用", *p.user.Username))
		}
	}
	if len(bad) > 0 {
		sort.SliceStable(bad, func(i, j int) bool { return bad[i].Row < bad[j].Row })
		return nil, sheet.BadRows("import_invalid", fmt.Sprintf("导入文件有错误，未创建任何用户：%s", firstProblem(bad)), bad)
	}

	if err := s.hashInitialPasswords(ctx, len(rows), func(i int) (*User, *Created) { return &rows[i].user, &rows[i].out }); err != nil {
		return nil, err
	}
	users := make([]User, len(rows))
	out := make([]Created, len(rows))
	for i, p := range rows {
		users[i], out[i] = p.user, p.out
	}
	var place *audit.Place
	if own, err := s.areas.Get(ctx, c.AreaCode); err == nil {
		place = own.Place()
	}
	listed := make([]string, len(out))
	for i, o := range out {
		listed[i] = o.Username
	}
	err = s.db.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.CreateInBatches(&users, 200).Error; err != nil {
			if store.IsUniqueViolation(err) {
				return ErrUsernameTaken // a racing creation took one of the names
			}
			return fmt.Errorf("auth: import users: %w", err)
		}
		return audit.Record(tx, c.Actor(), "user.import", place, "", map[string]any{"count": len(out), "usernames": listed})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func firstProblem(bad []fault.Field) string {
	return fmt.Sprintf("第 %d 行%s", bad[0].Row, bad[0].Message)
}

// hashInitialPasswords gives each of n users a random initial password and
// its bcrypt hash, on every core (bcrypt is the slow part of an import).
func (s *Service) hashInitialPasswords(ctx context.Context, n int, at func(int) (*User, *Created)) error {
	workers := runtime.GOMAXPROCS(0)
	jobs := make(chan int)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				u, out := at(i)
				pw, err := initialPassword(*u.Username)
				if err == nil {
					var h []byte
					if h, err = bcrypt.GenerateFromPassword([]byte(pw), min(s.cfg.BcryptCost, initialCost)); err == nil {
						hs := string(h)
						u.PasswordHash, out.InitialPassword = &hs, pw
					}
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for i := 0; i < n && ctx.Err() == nil; i++ {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return fmt.Errorf("auth: initial password: %w", err)
	}
	return ctx.Err()
}

// initialCost is the bcrypt cost of initial passwords. Key stretching is
// there for passwords people choose; an initial password is 14 random
// characters (about 80 bits), beyond offline guessing at any cost, and is
// replaced (at the full cost) at first sign-in. A cheaper hash is what lets
// an import of hundreds of rows answer in seconds instead of a minute on a
// busy two-core server.
const initialCost = 6

// Initial passwords: 14 characters from an alphabet without look-alikes
// (0/O, 1/l/I), at least one of each class: about 80 bits.
const (
	initialLen = 14
	pwUpper    = "ABCDEFGHJKLMNPQRSTUVWXYZ"
	pwLower    = "abcdefghijkmnpqrstuvwxyz"
	pwDigit    = "23456789"
	pwSymbol   = "#%+-=@"
)

func initialPassword(username string) (string, error) {
	all := pwUpper + pwLower + pwDigit + pwSymbol
	pick := func(set string) (byte, error) {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(set))))
		if err != nil {
			return 0, err
		}
		return set[n.Int64()], nil
	}
	for {
		b := make([]byte, initialLen)
		for i := range b {
			set := all
			if i < 4 {
				set = []string{pwUpper, pwLower, pwDigit, pwSymbol}[i]
			}
			ch, err := pick(set)
			if err != nil {
				return "", err
			}
			b[i] = ch
		}
		// Shuffle so the classes are not always in front.
		for i := len(b) - 1; i > 0; i-- {
			j, err := rand.Int(rand.Reader, big.NewInt(int64(i+1)))
			if err != nil {
				return "", err
			}
			b[i], b[j.Int64()] = b[j.Int64()], b[i]
		}
		// A letter first: a cell starting with = + - @ is a formula to a spreadsheet.
		for i := range b {
			if strings.IndexByte(pwUpper+pwLower, b[i]) >= 0 {
				b[0], b[i] = b[i], b[0]
				break
			}
		}
		var v fault.Validation
		CheckPassword(&v, "password", username, string(b))
		if v.Err() == nil {
			return string(b), nil
		}
	}
}
