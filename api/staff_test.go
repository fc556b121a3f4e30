package api_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"wuzha/internal/auth"
	"wuzha/internal/fault"
	xsheet "wuzha/internal/sheet"
	"wuzha/internal/testkit"
)

type imported struct {
	Created []struct {
		Username        string `json:"username"`
		Name            string `json:"name"`
		Role            string `json:"role"`
		AreaCode        string `json:"area_code"`
		InitialPassword string `json:"initial_password"`
	} `json:"created"`
}

type problem struct {
	Code   string `json:"code"`
	Detail string `json:"detail"`
	Errors []struct {
		Row     int    `json:"row"`
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"errors"`
}

func importStaff(t *testing.T, e *testkit.Env, token, name string, rows [][]string) testkit.Resp {
	t.Helper()
	var data []byte
	var err error
	if strings.HasSuffix(name, ".xlsx") {
		data, err = xsheet.XLSX(xsheet.Page{Name: "Sheet1", Rows: xsheet.Text(rows)})
	} else {
		data, err = xsheet.CSV(rows)
	}
	if err != nil {
		t.Fatal(err)
	}
	return uploadTo(t, e, "/api/v1/users/import", token, name, data)
}

func listStaff(t *testing.T, e *testkit.Env, token, query string) []auth.StaffUser {
	t.Helper()
	r := e.Call("GET", "/api/v1/users?limit=100"+query, token, nil)
	testkit.Want(t, r, 200)
	var page struct{ Items []auth.StaffUser }
	r.JSON(t, &page)
	return page.Items
}

var chineseHeader = []string{"用户名", "姓名", "手机号", "角色", "区域代码"}

func TestStaffImportCreatesUsersWithWorkingInitialPasswords(t *testing.T) {
	e := testkit.NewEnv(t)
	admin := e.Staff("kc_admin", auth.Admin, "330802") // 柯城区
	for _, format := range []string{"csv", "xlsx"} {
		t.Run(format, func(t *testing.T) {
			p := format[:1]
			zhao, zhaoQ, zhaoPhone := "赵编辑", "%E8%B5%B5%E7%BC%96", "13700003333" // 赵编
			if format == "xlsx" {
				zhao, zhaoQ, zhaoPhone = "钱编辑", "%E9%92%B1%E7%BC%96", "13700004444" // 钱编
			}
			rows := [][]string{chineseHeader,
				{p + "_wang", "王小明", "13800001111", "网格员", "330802001001001"},
				{p + "_li", "李芳", "139 0000 2222", "grid_worker", "330802001001002"},
				{p + "_zhao", zhao, "+86" + zhaoPhone, "宣传编辑", "330802"},
			}
			r := importStaff(t, e, admin, "staff."+format, rows)
			testkit.Want(t, r, 201)
			if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
				t.Fatalf("Cache-Control %q: initial passwords must not be cached", cc)
			}
			var got imported
			r.JSON(t, &got)
			if len(got.Created) != 3 || got.Created[0].Username != p+"_wang" || got.Created[1].Role != "grid_worker" || got.Created[2].Role != "editor" {
				t.Fatalf("created %+v", got.Created)
			}
			seen := map[string]bool{}
			for _, c := range got.Created {
				var v fault.Validation
				auth.CheckPassword(&v, "password", c.Username, c.InitialPassword)
				if len(c.InitialPassword) < 12 || seen[c.InitialPassword] || v.Err() != nil {
					t.Fatalf("initial password %q of %s is weak or repeated", c.InitialPassword, c.Username)
				}
				seen[c.InitialPassword] = true
			}

			// The initial password signs in, but only to change it.
			wang := got.Created[0]
			pair := e.Login(wang.Username, wang.InitialPassword)
			if !pair.MustChangePassword {
				t.Fatal("an imported user is not asked to change the initial password")
			}
			testkit.Want(t, e.Call("GET", "/api/v1/sessions", pair.AccessToken, nil), 403, "password_change_required")
			testkit.Want(t, e.Call("GET", "/api/v1/feed", pair.AccessToken, nil), 403, "password_change_required")
			me := e.Call("GET", "/api/v1/me", pair.AccessToken, nil)
			testkit.Want(t, me, 200)
			if m := me.Map(t); m["must_change_password"] != true || m["name"] != "王小明" {
				t.Fatalf("me %v", m)
			}
			testkit.Want(t, e.Call("POST", "/api/v1/me/password", pair.AccessToken, map[string]string{"old_password": "wrong", "new_password": "Wang-own-2026"}), 403, "old_password_wrong")
			testkit.Want(t, e.Call("POST", "/api/v1/me/password", pair.AccessToken, map[string]string{"old_password": wang.InitialPassword, "new_password": "Wang-own-2026"}), 204)
			testkit.Want(t, e.Call("GET", "/api/v1/sessions", pair.AccessToken, nil), 200)
			if again := e.Login(wang.Username, "Wang-own-2026"); again.MustChangePassword {
				t.Fatal("still asked to change after the change")
			}
			testkit.Want(t, e.Call("POST", "/api/v1/auth/login", "", map[string]string{"username": wang.Username, "password": wang.InitialPassword}), 401, "invalid_credentials")

			// The list shows names and masked phones; search and filters find them.
			list := listStaff(t, e, admin, "&q="+p+"_")
			byName := map[string]auth.StaffUser{}
			for _, u := range list {
				byName[u.Username] = u
			}
			if u := byName[p+"_li"]; u.Name != "李芳" || u.PhoneMasked != "139****2222" || !u.MustChangePassword {
				t.Fatalf("listed %+v", u)
			}
			if u := byName[p+"_wang"]; u.MustChangePassword {
				t.Fatalf("listed %+v after the change", u)
			}
			if strings.Contains(string(e.Call("GET", "/api/v1/users?limit=100", admin, nil).Body), "13900002222") {
				t.Fatal("a full phone number in the list")
			}
			found := listStaff(t, e, admin, "&q="+zhaoQ)
			if len(found) != 1 || found[0].Username != p+"_zhao" {
				t.Fatalf("search by name: %+v", found)
			}
			found = listStaff(t, e, admin, "&q="+zhaoPhone)
			if len(found) != 1 || found[0].Username != p+"_zhao" {
				t.Fatalf("search by phone: %+v", found)
			}
			if found = listStaff(t, e, admin, "&q=1370000"); len(found) != 0 {
				t.Fatalf("a partial phone number found %+v", found)
			}
			found = listStaff(t, e, admin, "&status=must_change&role=grid_worker&area_code=330802001001002&q="+p+"_")
			if len(found) != 1 || found[0].Username != p+"_li" {
				t.Fatalf("filters: %+v", found)
			}
		})
	}
	testkit.Want(t, e.Call("GET", "/api/v1/users?status=sleeping", admin, nil), 422)
	testkit.Want(t, e.Call("GET", "/api/v1/users?role=resident", admin, nil), 422)

	// The audit names the import.
	var log struct{ Items []struct{ Action string } }
	e.Call("GET", "/api/v1/audit?limit=100", admin, nil).JSON(t, &log)
	imports := 0
	for _, it := range log.Items {
		if it.Action == "user.import" {
			imports++
		}
	}
	if imports != 2 {
		t.Fatalf("%d user.import audit entries, want 2", imports)
	}
}

func TestStaffImportIsAllOrNothing(t *testing.T) {
	e := testkit.NewEnv(t)
	e.Staff("root", auth.Admin, "330800")
	admin := e.Staff("kc_admin", auth.Admin, "330802")
	before := len(listStaff(t, e, admin, ""))
	refused := func(t *testing.T, rows [][]string, want map[int]string) problem {
		t.Helper()
		r := importStaff(t, e, admin, "staff.csv", rows)
		testkit.Want(t, r, 422, "import_invalid")
		var p problem
		r.JSON(t, &p)
		got := map[int]string{}
		for _, f := range p.Errors {
			got[f.Row] += f.Field + ":" + f.Message + ";"
		}
		for row, field := range want {
			if !strings.Contains(got[row], field+":") {
				t.Fatalf("row %d field %s not named: %+v", row, field, p.Errors)
			}
		}
		if len(got) != len(want) {
			t.Fatalf("rows named %v, want %v", got, want)
		}
		if n := len(listStaff(t, e, admin, "")); n != before {
			t.Fatalf("%d users after a refused import, want %d", n, before)
		}
		return p
	}
	t.Run("one row outside the admin's scope", func(t *testing.T) {
		p := refused(t, [][]string{chineseHeader,
			{"gw_a", "甲", "13800000001", "网格员", "330802001001001"},
			{"gw_b", "乙", "13800000002", "网格员", "330881001001001"}, // 江山市
			{"gw_c", "丙", "13800000003", "网格员", "330802001001003"},
		}, map[int]string{3: "area_code"})
		if !strings.Contains(p.Errors[0].Message, "不在您的管辖范围内") || !strings.Contains(p.Detail, "第 3 行") {
			t.Fatalf("problem %+v", p)
		}
	})
	t.Run("duplicate usernames in the file and in the database", func(t *testing.T) {
		refused(t, [][]string{{"username", "name", "phone", "role", "area_code"},
			{"gw_d", "丁", "13800000004", "grid_worker", "330802001001001"},
			{"GW_D", "戊", "13800000005", "grid_worker", "330802001001001"},
			{"kc_admin", "己", "13800000006", "editor", "330802"},
		}, map[int]string{3: "username", 4: "username"})
	})
	t.Run("every bad cell is named", func(t *testing.T) {
		p := refused(t, [][]string{chineseHeader,
			{"gw_e", "", "12345", "村长", "330802"},
			{"gw_f", "庚", "13800000007", "网格员", "330802001"}, // a town, not a grid
			{"gw_g", "辛", "13800000008", "网格员", "999999999"},
			{"x", "壬", "13800000009", "网格员", "330802001001001"},
		}, map[int]string{2: "name", 3: "area_code", 4: "area_code", 5: "username"})
		fields := ""
		for _, f := range p.Errors {
			if f.Row == 2 {
				fields += f.Field + ","
			}
		}
		if fields != "name,phone,role," {
			t.Fatalf("row 2 fields %q", fields)
		}
	})
	t.Run("unreadable and empty sheets", func(t *testing.T) {
		testkit.Want(t, importStaff(t, e, admin, "staff.csv", [][]string{{"用户名", "姓名"}, {"a", "b"}}), 422, "import_unreadable")
		testkit.Want(t, importStaff(t, e, admin, "staff.csv", [][]string{chineseHeader}), 422, "import_empty")
		testkit.Want(t, uploadTo(t, e, "/api/v1/users/import", admin, "staff.xlsx", []byte("not a zip")), 422, "import_unreadable")
	})
	editor := e.Staff("kc_editor", auth.Editor, "330802")
	testkit.Want(t, importStaff(t, e, editor, "staff.csv", [][]string{chineseHeader, {"gw_h", "癸", "13800000010", "网格员", "330802001001001"}}), 403)
}

func TestPasswordRulesAndHistory(t *testing.T) {
	e := testkit.NewEnv(t)
	admin := e.Staff("kc_admin", auth.Admin, "330802")
	testkit.Want(t, e.Call("POST", "/api/v1/users", admin, map[string]any{"username": "zhangsan", "password": "Initial-pw-1", "role": "editor", "area_code": "330802", "name": "张三", "phone": "13800138000"}), 201)
	pair := e.Login("zhangsan", "Initial-pw-1")
	tok := pair.AccessToken
	change := func(old, nw string) testkit.Resp {
		return e.Call("POST", "/api/v1/me/password", tok, map[string]string{"old_password": old, "new_password": nw})
	}
	for _, tc := range []struct{ pw, msg string }{
		{"Ab1!", "密码至少 8 位"},
		{"alllowercase1", "至少 3 类"},
		{"Zhangsan-2026", "不能包含用户名"},
		{"Initial-pw-1", "不能与原密码相同"},
		{"Has space 1A", "空格"},
	} {
		r := change("Initial-pw-1", tc.pw)
		testkit.Want(t, r, 422, "validation_failed")
		if !strings.Contains(string(r.Body), tc.msg) {
			t.Fatalf("%q: %s", tc.pw, r.Body)
		}
	}
	// Each change keeps the one before; the last five cannot come back.
	pws := []string{"Initial-pw-1", "Second-pw-2", "Third-pw-3", "Fourth-pw-4", "Fifth-pw-5"}
	for i := 1; i < len(pws); i++ {
		testkit.Want(t, change(pws[i-1], pws[i]), 204)
	}
	for _, old := range pws[:4] {
		r := change("Fifth-pw-5", old)
		testkit.Want(t, r, 422, "validation_failed")
		if !strings.Contains(string(r.Body), "最近 5 次") {
			t.Fatalf("reuse of %s: %s", old, r.Body)
		}
	}
	testkit.Want(t, change("Fifth-pw-5", "Sixth-pw-6"), 204)
	testkit.Want(t, change("Sixth-pw-6", "Initial-pw-1"), 204) // six changes ago: allowed again

	// An admin's reset must be changed again; its rules are the same.
	var id int64
	for _, u := range listStaff(t, e, admin, "&q=zhangsan") {
		id = u.ID
	}
	path := "/api/v1/users/" + strconv.FormatInt(id, 10)
	testkit.Want(t, e.Call("PATCH", path, admin, map[string]any{"password": "weakweak", "actor_password": "password-kc_admin"}), 422)
	testkit.Want(t, e.Call("PATCH", path, admin, map[string]any{"password": "Reset-pw-2026", "actor_password": "password-kc_admin"}), 200)
	if p := e.Login("zhangsan", "Reset-pw-2026"); !p.MustChangePassword {
		t.Fatal("a reset password is not to be changed")
	}
	// Residents have no password to change.
	res := e.Resident("13900139000")
	testkit.Want(t, e.Call("POST", "/api/v1/me/password", res.AccessToken, map[string]string{"old_password": "x", "new_password": "Whatever-2026"}), 403)
}

func TestPasswordMaxAge(t *testing.T) {
	e := testkit.NewEnv(t)
	e.Staff("editor1", auth.Editor, "330802")
	old := time.Now().UTC().Add(-auth.MaxPasswordAge - time.Hour)
	if err := e.DB.Exec("UPDATE users SET password_changed_at = ? WHERE username = ?", old, "editor1").Error; err != nil {
		t.Fatal(err)
	}
	p := e.Login("editor1", "password-editor1")
	if !p.MustChangePassword || !p.PasswordExpired {
		t.Fatalf("an expired password: must_change %v expired %v", p.MustChangePassword, p.PasswordExpired)
	}
	testkit.Want(t, e.Call("GET", "/api/v1/warnings", p.AccessToken, nil), 403, "password_change_required")
	testkit.Want(t, e.Call("POST", "/api/v1/me/password", p.AccessToken, map[string]string{"old_password": "password-editor1", "new_password": "Fresh-pass-2026"}), 204)
	testkit.Want(t, e.Call("GET", "/api/v1/warnings", p.AccessToken, nil), 200)
}

func TestDisableAndEnableStaff(t *testing.T) {
	e := testkit.NewEnv(t)
	admin := e.Staff("kc_admin", auth.Admin, "330802")
	other := e.Staff("js_admin", auth.Admin, "330881")
	e.Staff("editor1", auth.Editor, "330802")
	pair := e.Login("editor1", "password-editor1")
	u := listStaff(t, e, admin, "&q=editor1")[0]
	path := fmt.Sprintf("/api/v1/users/%d", u.ID)
	testkit.Want(t, e.Call("PATCH", path, other, map[string]any{"disabled": true}), 404) // outside 江山's scope
	testkit.Want(t, e.Call("PATCH", path, admin, map[string]any{"disabled": true}), 200)
	testkit.Want(t, e.Call("GET", "/api/v1/me", pair.AccessToken, nil), 401)
	testkit.Want(t, e.Call("POST", "/api/v1/auth/login", "", map[string]string{"username": "editor1", "password": "password-editor1"}), 401, "account_disabled")
	if l := listStaff(t, e, admin, "&status=disabled"); len(l) != 1 || l[0].ID != u.ID {
		t.Fatalf("disabled filter %+v", l)
	}
	testkit.Want(t, e.Call("PATCH", path, admin, map[string]any{"disabled": false}), 200)
	again := e.Login("editor1", "password-editor1")
	testkit.Want(t, e.Call("GET", "/api/v1/warnings", again.AccessToken, nil), 200)
	testkit.Want(t, e.Call("GET", "/api/v1/me", pair.AccessToken, nil), 401) // ended sign-ins stay ended
	if l := listStaff(t, e, admin, "&status=disabled"); len(l) != 0 {
		t.Fatalf("disabled filter after enabling %+v", l)
	}
}

func TestStaffSessionIdleTimeout(t *testing.T) {
	e := testkit.NewEnv(t)
	e.Staff("editor1", auth.Editor, "330802")
	active, idle := e.Login("editor1", "password-editor1"), e.Login("editor1", "password-editor1")
	setSeen := func(p auth.TokenPair, ago time.Duration) {
		t.Helper()
		if err := e.DB.Exec("UPDATE sign_ins SET last_seen_at = ? WHERE id = (SELECT sign_in_id FROM refresh_tokens WHERE token_hash = ?)",
			time.Now().UTC().Add(-ago), sha256Hex(p.RefreshToken)).Error; err != nil {
			t.Fatal(err)
		}
	}
	setSeen(active, auth.DefaultIdleTimeout-2*time.Minute)
	setSeen(idle, auth.DefaultIdleTimeout+time.Minute)
	// A request within the timeout goes on, and moves the clock on.
	testkit.Want(t, e.Call("GET", "/api/v1/warnings", active.AccessToken, nil), 200)
	setSeen(active, auth.DefaultIdleTimeout-time.Minute)
	testkit.Want(t, e.Call("GET", "/api/v1/warnings", active.AccessToken, nil), 200)
	// An idle one is ended: the access token and the refresh token.
	testkit.Want(t, e.Call("GET", "/api/v1/warnings", idle.AccessToken, nil), 401, "session_idle")
	testkit.Want(t, e.Call("GET", "/api/v1/me", idle.AccessToken, nil), 401)
	testkit.Want(t, e.Call("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": idle.RefreshToken}), 401)
	// Refreshing an idle sign-in fails too, without a request in between.
	late := e.Login("editor1", "password-editor1")
	setSeen(late, auth.DefaultIdleTimeout+time.Minute)
	testkit.Want(t, e.Call("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": late.RefreshToken}), 401, "session_idle")
	testkit.Want(t, e.Call("GET", "/api/v1/warnings", late.AccessToken, nil), 401)
	// Residents are not timed out.
	res := e.Resident("13900139000")
	if err := e.DB.Exec("UPDATE sign_ins SET last_seen_at = ? WHERE id = (SELECT sign_in_id FROM refresh_tokens WHERE token_hash = ?)",
		time.Now().UTC().Add(-24*time.Hour), sha256Hex(res.RefreshToken)).Error; err != nil {
		t.Fatal(err)
	}
	testkit.Want(t, e.Call("GET", "/api/v1/me", res.AccessToken, nil), 200)
}

// A staff phone is not a resident's sign-in: an SMS sign-in with it makes
// a resident, never signs in as the staff user.
func TestStaffPhoneIsNotAnSMSSignIn(t *testing.T) {
	e := testkit.NewEnv(t)
	admin := e.Staff("kc_admin", auth.Admin, "330802")
	testkit.Want(t, e.Call("POST", "/api/v1/users", admin, map[string]any{"username": "gw9", "password": "Initial-pw-1", "role": "editor", "area_code": "330802", "name": "网格九", "phone": "13800138009"}), 201)
	p := e.Resident("13800138009")
	if p.User.Role != auth.Resident {
		t.Fatalf("an SMS sign-in with a staff phone is a %s", p.User.Role)
	}
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// BenchmarkStaffImport200 measures POST /users/import of 200 grid workers
// (one XLSX, one transaction) with passwords at the production bcrypt cost,
// on SQLite or (with WUZHA_TEST_MYSQL_DSN) MariaDB:
//
//	go test -run '^$' -bench StaffImport200 -benchtime 5x ./api/
func BenchmarkStaffImport200(b *testing.B) {
	e := testkit.NewEnv(b, testkit.Options{BcryptCost: bcrypt.DefaultCost})
	admin := e.Staff("kc_admin", auth.Admin, "330802")
	grids := []string{"330802001001001", "330802001001002", "330802001001003", "330802001002001"}
	files := make([][]byte, b.N)
	for n := range files {
		rows := [][]string{chineseHeader}
		for i := 0; i < 200; i++ {
			rows = append(rows, []string{fmt.Sprintf("b%d_gw%03d", n, i), "网格员" + strconv.Itoa(i), fmt.Sprintf("139%08d", n*1000+i), "网格员", grids[i%len(grids)]})
		}
		data, err := xsheet.XLSX(xsheet.Page{Name: "Sheet1", Rows: xsheet.Text(rows)})
		if err != nil {
			b.Fatal(err)
		}
		files[n] = data
	}
	b.ResetTimer()
	start := time.Now()
	for n := 0; n < b.N; n++ {
		testkit.Want(b, uploadTo(b, e, "/api/v1/users/import", admin, "staff.xlsx", files[n]), 201)
	}
	b.ReportMetric(float64(time.Since(start).Milliseconds())/float64(b.N), "ms/import")
}
