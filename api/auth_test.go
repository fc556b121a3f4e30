package api_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"wuzha/internal/auth"
	"wuzha/internal/testkit"
)

func TestStaffLoginLockout(t *testing.T) {
	e := testkit.NewEnv(t)
	e.Staff("kc_admin", auth.Admin, "330802")

	// Wrong password and unknown user answer the same.
	wrong := e.Call("POST", "/api/v1/auth/login", "", map[string]string{"username": "kc_admin", "password": "nope-nope"})
	unknown := e.Call("POST", "/api/v1/auth/login", "", map[string]string{"username": "ghost", "password": "nope-nope"})
	testkit.Want(t, wrong, 401, "invalid_credentials")
	testkit.Want(t, unknown, 401, "invalid_credentials")
	var a, b map[string]any
	wrong.JSON(t, &a)
	unknown.JSON(t, &b)
	if a["detail"] != b["detail"] {
		t.Fatalf("unknown user and wrong password differ: %v vs %v", a["detail"], b["detail"])
	}

	// Four more failures (five in all) throttle the name: the next guess,
	// even the right password, is refused unchecked until the delay passes.
	for i := 0; i < 4; i++ {
		e.Call("POST", "/api/v1/auth/login", "", map[string]string{"username": "kc_admin", "password": "wrong-" + strconv.Itoa(i)})
	}
	r := e.Call("POST", "/api/v1/auth/login", "", map[string]string{"username": "kc_admin", "password": "password-kc_admin"})
	testkit.Want(t, r, 429, "login_throttled")
	if ra, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || ra <= 0 {
		t.Fatalf("throttled answer has Retry-After %q", r.Header.Get("Retry-After"))
	}
	// Unknown names are throttled the same way (no way to tell which names exist).
	for i := 0; i < 5; i++ {
		e.Call("POST", "/api/v1/auth/login", "", map[string]string{"username": "ghost2", "password": "x-" + strconv.Itoa(i)})
	}
	testkit.Want(t, e.Call("POST", "/api/v1/auth/login", "", map[string]string{"username": "ghost2", "password": "x"}), 429, "login_throttled")

	// Another user is not affected, and a staff sign-in is audited.
	e.Staff("kc_editor", auth.Editor, "330802")
	admin2 := e.Staff("root_admin", auth.Admin, "330800")
	audit := e.Call("GET", "/api/v1/audit?action=auth.login", admin2, nil)
	testkit.Want(t, audit, 200)
	if !strings.Contains(string(audit.Body), `"actor_name":"kc_editor"`) {
		t.Fatalf("sign-in of kc_editor not audited: %s", audit.Body)
	}
}

func TestDisabledUserCannotSignIn(t *testing.T) {
	e := testkit.NewEnv(t)
	admin := e.Staff("root", auth.Admin, "330800")
	ed := e.Login
	e.Staff("editor1", auth.Editor, "330802")
	pair := ed("editor1", "password-editor1")
	var list struct{ Items []auth.StaffUser }
	e.Call("GET", "/api/v1/users?role=editor", admin, nil).JSON(t, &list)
	if len(list.Items) != 1 {
		t.Fatalf("want 1 editor, got %+v", list.Items)
	}
	testkit.Want(t, e.Call("PATCH", "/api/v1/users/"+strconv.FormatInt(list.Items[0].ID, 10), admin, map[string]any{"disabled": true}), 200)
	// The live access token and the refresh token stop working at once.
	testkit.Want(t, e.Call("GET", "/api/v1/me", pair.AccessToken, nil), 401)
	testkit.Want(t, e.Call("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": pair.RefreshToken}), 401)
	// The right password is told the account is disabled; a wrong one learns nothing.
	testkit.Want(t, e.Call("POST", "/api/v1/auth/login", "", map[string]string{"username": "editor1", "password": "password-editor1"}), 401, "account_disabled")
	testkit.Want(t, e.Call("POST", "/api/v1/auth/login", "", map[string]string{"username": "editor1", "password": "wrong-password"}), 401, "invalid_credentials")
}

func TestTokenForgery(t *testing.T) {
	e := testkit.NewEnv(t)
	e.Staff("editor1", auth.Editor, "330802")
	pair := e.Login("editor1", "password-editor1")
	// Read the genuine token's subject and sign-in id to forge look-alikes.
	var real jwt.MapClaims
	if _, _, err := jwt.NewParser().ParseUnverified(pair.AccessToken, &real); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	claims := func(change func(jwt.MapClaims)) jwt.MapClaims {
		c := jwt.MapClaims{"iss": "wuzha", "aud": []string{"wuzha-api"}, "sub": real["sub"], "sid": real["sid"], "typ": "access",
			"iat": now.Unix(), "nbf": now.Add(-time.Minute).Unix(), "exp": now.Add(10 * time.Minute).Unix()}
		if change != nil {
			change(c)
		}
		return c
	}
	sign := func(m jwt.SigningMethod, key any, c jwt.MapClaims) string {
		s, err := jwt.NewWithClaims(m, c).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	cases := []struct {
		name  string
		token string
		want  int
	}{
		{"genuine token", pair.AccessToken, 200},
		{"forged with the right key and claims (control)", sign(jwt.SigningMethodHS256, testkit.JWTSecret, claims(nil)), 200},
		{"alg none", sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claims(nil)), 401},
		{"wrong key", sign(jwt.SigningMethodHS256, []byte("not-the-key-not-the-key-not-the-key!"), claims(nil)), 401},
		{"HS512 with the right key", sign(jwt.SigningMethodHS512, testkit.JWTSecret, claims(nil)), 401},
		{"expired", sign(jwt.SigningMethodHS256, testkit.JWTSecret, claims(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Hour).Unix() })), 401},
		{"no expiry", sign(jwt.SigningMethodHS256, testkit.JWTSecret, claims(func(c jwt.MapClaims) { delete(c, "exp") })), 401},
		{"other issuer", sign(jwt.SigningMethodHS256, testkit.JWTSecret, claims(func(c jwt.MapClaims) { c["iss"] = "evil" })), 401},
		{"other audience", sign(jwt.SigningMethodHS256, testkit.JWTSecret, claims(func(c jwt.MapClaims) { c["aud"] = []string{"other"} })), 401},
		{"refresh type", sign(jwt.SigningMethodHS256, testkit.JWTSecret, claims(func(c jwt.MapClaims) { c["typ"] = "refresh" })), 401},
		{"no type", sign(jwt.SigningMethodHS256, testkit.JWTSecret, claims(func(c jwt.MapClaims) { delete(c, "typ") })), 401},
		{"unknown sign-in", sign(jwt.SigningMethodHS256, testkit.JWTSecret, claims(func(c jwt.MapClaims) { c["sid"] = "made-up" })), 401},
		{"someone else's subject", sign(jwt.SigningMethodHS256, testkit.JWTSecret, claims(func(c jwt.MapClaims) { c["sub"] = "999999" })), 401},
		{"refresh token as access token", pair.RefreshToken, 401},
		{"garbage", "abc.def.ghi", 401},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.Call("GET", "/api/v1/me", tc.token, nil)
			testkit.Want(t, r, tc.want)
		})
	}
	// A bad token is refused even on a public route rather than ignored.
	testkit.Want(t, e.Call("GET", "/api/v1/taxonomy", "garbage", nil), 401, "invalid_token")
}

func TestRefreshRotationAndFamilyRevocation(t *testing.T) {
	e := testkit.NewEnv(t)
	e.Staff("editor1", auth.Editor, "330802")
	first := e.Login("editor1", "password-editor1")
	other := e.Login("editor1", "password-editor1") // a second, independent sign-in

	r := e.Call("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": first.RefreshToken})
	testkit.Want(t, r, 200)
	var second auth.TokenPair
	r.JSON(t, &second)
	if second.RefreshToken == first.RefreshToken || second.AccessToken == "" {
		t.Fatal("refresh did not rotate the token")
	}
	testkit.Want(t, e.Call("GET", "/api/v1/me", second.AccessToken, nil), 200)

	// Replaying the spent token revokes the whole sign-in: the new pair dies too.
	testkit.Want(t, e.Call("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": first.RefreshToken}), 401, "token_reused")
	testkit.Want(t, e.Call("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": second.RefreshToken}), 401)
	testkit.Want(t, e.Call("GET", "/api/v1/me", second.AccessToken, nil), 401)
	testkit.Want(t, e.Call("GET", "/api/v1/me", first.AccessToken, nil), 401)
	// The other sign-in is untouched.
	testkit.Want(t, e.Call("GET", "/api/v1/me", other.AccessToken, nil), 200)

	// Logout ends that sign-in.
	testkit.Want(t, e.Call("POST", "/api/v1/auth/logout", other.AccessToken, map[string]string{"refresh_token": other.RefreshToken}), 204)
	testkit.Want(t, e.Call("GET", "/api/v1/me", other.AccessToken, nil), 401)
	testkit.Want(t, e.Call("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": other.RefreshToken}), 401)
	testkit.Want(t, e.Call("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": "rt_unknown"}), 401, "invalid_token")
}

func TestSMSSignInAndLimits(t *testing.T) {
	e := testkit.NewEnv(t)
	const phone = "13812345678"
	ip := "203.0.113.9:5000"
	send := func(p, remote string) testkit.Resp {
		return e.Do(testkit.Request{Method: "POST", Path: "/api/v1/auth/sms-code", Body: map[string]string{"phone": p}, Remote: remote})
	}
	login := func(p, code string) testkit.Resp {
		return e.Do(testkit.Request{Method: "POST", Path: "/api/v1/auth/sms-login", Body: map[string]string{"phone": p, "code": code}, Remote: ip})
	}
	testkit.Want(t, send("12345", ip), 422, "invalid_phone")
	testkit.Want(t, send(phone, ip), 204)
	// A second code within the minute is refused, with Retry-After.
	r := send(phone, ip)
	testkit.Want(t, r, 429, "rate_limited")
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
	code := e.LastCode(phone)

	// Guessing: five wrong codes void the code, then even the right one fails.
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	for i := 0; i < 5; i++ {
		testkit.Want(t, login(phone, wrong), 401, "invalid_code")
	}
	testkit.Want(t, login(phone, code), 401, "code_expired")

	// Per-address limit: 20 requests an hour from one address, whatever the
	// phones (the two above count, the refused one too).
	for i := 0; i < 18; i++ {
		testkit.Want(t, send("1390000"+strconv.Itoa(1000+i), ip), 204)
	}
	testkit.Want(t, send("13911112222", ip), 429, "rate_limited")

	// A fresh code from another address signs in once, creating the resident.
	other := "203.0.113.10:5000"
	testkit.Want(t, send("13700001111", other), 204)
	good := e.LastCode("13700001111")
	r = e.Do(testkit.Request{Method: "POST", Path: "/api/v1/auth/sms-login", Body: map[string]string{"phone": "137 0000 1111", "code": good}, Remote: other})
	testkit.Want(t, r, 200)
	var pair auth.TokenPair
	r.JSON(t, &pair)
	if pair.User.Role != auth.Resident {
		t.Fatalf("role %s", pair.User.Role)
	}
	// The code is single-use.
	r = e.Do(testkit.Request{Method: "POST", Path: "/api/v1/auth/sms-login", Body: map[string]string{"phone": "13700001111", "code": good}, Remote: other})
	testkit.Want(t, r, 401)
	me := e.Call("GET", "/api/v1/me", pair.AccessToken, nil).Map(t)
	if me["phone_masked"] != "137****1111" || me["profile"] != nil {
		t.Fatalf("me = %v", me)
	}
}

func TestPhoneNumbersNeverInPlainText(t *testing.T) {
	e := testkit.NewEnv(t)
	phones := []string{"13812345678", "15900001234", "18655556666"}
	for _, p := range phones {
		e.ResidentWithProfile(p, "60p", "retiree", "330802001001001")
	}
	// Every text column of every table, read back as text.
	var tables []string
	if e.DB.Dialect == "sqlite" {
		e.DB.Raw("SELECT name FROM sqlite_master WHERE type = 'table'").Scan(&tables)
	} else {
		e.DB.Raw("SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()").Scan(&tables)
	}
	if len(tables) < 8 {
		t.Fatalf("found only tables %v", tables)
	}
	scanned := 0
	for _, tb := range tables {
		rows, err := e.DB.Raw("SELECT * FROM " + tb).Rows()
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				var s string
				switch x := v.(type) {
				case []byte:
					s = string(x)
				case string:
					s = x
				default:
					b, _ := json.Marshal(x)
					s = string(b)
				}
				scanned++
				for _, p := range phones {
					if strings.Contains(s, p) || strings.Contains(s, p[3:]) {
						t.Errorf("table %s column %s holds phone %s: %q", tb, cols[i], p, s)
					}
				}
			}
		}
		rows.Close()
	}
	if scanned < 50 {
		t.Fatalf("scanned only %d values", scanned)
	}
	logs := e.Logs.String()
	if !strings.Contains(logs, `"route":"/api/v1/auth/sms-login"`) {
		t.Fatal("the request log is empty; the check below would prove nothing")
	}
	for _, p := range phones {
		if strings.Contains(logs, p) || strings.Contains(logs, p[3:]) {
			t.Errorf("a log line contains phone %s", p)
		}
	}
}

// Logout ends only the caller's own sign-in: someone else's refresh token is
// refused and keeps working for its owner.
func TestLogoutOnlyEndsTheCallersOwnSignIn(t *testing.T) {
	e := testkit.NewEnv(t)
	e.Staff("alice", auth.Editor, "330802")
	e.Staff("bob", auth.Editor, "330802")
	alice := e.Login("alice", "password-alice")
	bob := e.Login("bob", "password-bob")

	r := e.Call("POST", "/api/v1/auth/logout", bob.AccessToken, map[string]string{"refresh_token": alice.RefreshToken})
	testkit.Want(t, r, 403, "not_own_sign_in")
	testkit.Want(t, e.Call("GET", "/api/v1/me", alice.AccessToken, nil), 200)
	testkit.Want(t, e.Call("GET", "/api/v1/me", bob.AccessToken, nil), 200) // nothing of bob's ended either
	r = e.Call("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": alice.RefreshToken})
	testkit.Want(t, r, 200)

	// An unknown token ends the caller's current sign-in (and only that).
	bob2 := e.Login("bob", "password-bob")
	testkit.Want(t, e.Call("POST", "/api/v1/auth/logout", bob.AccessToken, map[string]string{"refresh_token": "rt_unknown"}), 204)
	testkit.Want(t, e.Call("GET", "/api/v1/me", bob.AccessToken, nil), 401)
	testkit.Want(t, e.Call("GET", "/api/v1/me", bob2.AccessToken, nil), 200)
	// The caller's own token: 204, and again 204 (idempotent).
	testkit.Want(t, e.Call("POST", "/api/v1/auth/logout", bob2.AccessToken, map[string]string{"refresh_token": bob2.RefreshToken}), 204)
	testkit.Want(t, e.Call("GET", "/api/v1/me", bob2.AccessToken, nil), 401)
}
