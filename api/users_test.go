package api_test

import (
	"strconv"
	"testing"

	"wuzha/internal/auth"
	"wuzha/internal/testkit"
)

func TestUsersWithinScope(t *testing.T) {
	e := testkit.NewEnv(t)
	root := e.Staff("root", auth.Admin, "330800")
	kecheng := e.Staff("kc_admin", auth.Admin, "330802")   // 柯城区
	jiangshan := e.Staff("js_admin", auth.Admin, "330881") // 江山市

	create := func(token string, body map[string]any) testkit.Resp {
		return e.Call("POST", "/api/v1/users", token, body)
	}
	// Inside scope.
	r := create(kecheng, map[string]any{"username": "kc_editor", "password": "long-enough-1", "role": "editor", "area_code": "330802001"})
	testkit.Want(t, r, 201)
	var kcEditor auth.StaffUser
	r.JSON(t, &kcEditor)
	// Outside scope: another county, or the city above.
	testkit.Want(t, create(kecheng, map[string]any{"username": "x1", "password": "long-enough-1", "role": "editor", "area_code": "330881"}), 403, "out_of_scope")
	testkit.Want(t, create(kecheng, map[string]any{"username": "x2", "password": "long-enough-1", "role": "admin", "area_code": "330800"}), 403, "out_of_scope")
	// Validation.
	testkit.Want(t, create(kecheng, map[string]any{"username": "x3", "password": "short", "role": "editor", "area_code": "330802"}), 422, "validation_failed")
	testkit.Want(t, create(kecheng, map[string]any{"username": "x4", "password": "long-enough-1", "role": "resident", "area_code": "330802"}), 422, "validation_failed")
	testkit.Want(t, create(kecheng, map[string]any{"username": "x5", "password": "long-enough-1", "role": "grid_worker", "area_code": "330802001"}), 422, "validation_failed")
	testkit.Want(t, create(kecheng, map[string]any{"username": "x6", "password": "long-enough-1", "role": "editor", "area_code": "999999"}), 422, "validation_failed")
	testkit.Want(t, create(kecheng, map[string]any{"username": "kc_editor", "password": "long-enough-1", "role": "editor", "area_code": "330802"}), 409, "username_taken")
	testkit.Want(t, create(kecheng, map[string]any{"username": "gw1", "password": "long-enough-1", "role": "grid_worker", "area_code": "330802001001001"}), 201)
	// Not an admin.
	editor := e.FirstSignIn("kc_editor", "long-enough-1")
	testkit.Want(t, create(editor, map[string]any{"username": "x7", "password": "long-enough-1", "role": "editor", "area_code": "330802"}), 403, "forbidden")
	testkit.Want(t, e.Call("GET", "/api/v1/users", editor, nil), 403)

	// Lists are filtered to the subtree.
	var kcList, jsList, rootList struct{ Items []auth.StaffUser }
	e.Call("GET", "/api/v1/users", kecheng, nil).JSON(t, &kcList)
	e.Call("GET", "/api/v1/users", jiangshan, nil).JSON(t, &jsList)
	e.Call("GET", "/api/v1/users?limit=100", root, nil).JSON(t, &rootList)
	if len(kcList.Items) != 3 || len(jsList.Items) != 1 || len(rootList.Items) != 5 {
		t.Fatalf("users seen: 柯城 %d, 江山 %d, city %d", len(kcList.Items), len(jsList.Items), len(rootList.Items))
	}
	for _, u := range jsList.Items {
		if u.Username != "js_admin" {
			t.Fatalf("江山 admin sees %s", u.Username)
		}
	}
	testkit.Want(t, e.Call("GET", "/api/v1/users?area_code=330802", jiangshan, nil), 403)

	// Another county's admin cannot see or change the user: 404.
	path := "/api/v1/users/" + strconv.FormatInt(kcEditor.ID, 10)
	testkit.Want(t, e.Call("PATCH", path, jiangshan, map[string]any{"disabled": true}), 404)
	testkit.Want(t, e.Call("PATCH", path, kecheng, map[string]any{"area_code": "330881"}), 403, "out_of_scope")
	r = e.Call("PATCH", path, kecheng, map[string]any{"role": "reviewer"})
	testkit.Want(t, r, 200)
	var changed auth.StaffUser
	r.JSON(t, &changed)
	if changed.Role != auth.Reviewer {
		t.Fatalf("role %s", changed.Role)
	}
	// An admin cannot lock themselves out.
	var self auth.StaffUser
	for _, u := range kcList.Items {
		if u.Username == "kc_admin" {
			self = u
		}
	}
	testkit.Want(t, e.Call("PATCH", "/api/v1/users/"+strconv.FormatInt(self.ID, 10), kecheng, map[string]any{"disabled": true}), 409, "self_lockout")
	testkit.Want(t, e.Call("PATCH", "/api/v1/users/abc", kecheng, map[string]any{"disabled": true}), 404)

	// Audit: user changes are recorded and each admin sees only their subtree.
	var kcAudit, jsAudit struct {
		Items []struct {
			Action   string `json:"action"`
			AreaCode string `json:"area_code"`
		}
	}
	e.Call("GET", "/api/v1/audit?action=user.update", kecheng, nil).JSON(t, &kcAudit)
	e.Call("GET", "/api/v1/audit", jiangshan, nil).JSON(t, &jsAudit)
	if len(kcAudit.Items) != 1 {
		t.Fatalf("柯城 audit: %+v", kcAudit.Items)
	}
	for _, it := range jsAudit.Items {
		if it.AreaCode != "330881" {
			t.Fatalf("江山 admin sees audit entry of %s", it.AreaCode)
		}
	}
	testkit.Want(t, e.Call("GET", "/api/v1/audit?since=yesterday", kecheng, nil), 400)
}

func TestProfileValidation(t *testing.T) {
	e := testkit.NewEnv(t)
	res := e.Resident("13512345678").AccessToken
	put := func(body map[string]any) testkit.Resp { return e.Call("PUT", "/api/v1/me/profile", res, body) }
	good := map[string]any{"age_band": "60p", "occupation": "retiree", "grid_code": "330802001001001", "consent": true}
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for kk, vv := range good {
			m[kk] = vv
		}
		m[k] = v
		return m
	}
	cases := []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"unknown age band", with("age_band", "99"), "age_band"},
		{"unknown occupation", with("occupation", "pirate"), "occupation"},
		{"unknown grid", with("grid_code", "330802999999999"), "grid_code"},
		{"a town, not a grid", with("grid_code", "330802001"), "grid_code"},
		{"no consent", with("consent", false), "consent"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := put(tc.body)
			testkit.Want(t, r, 422, "validation_failed")
			var p struct {
				Errors []struct{ Field string } `json:"errors"`
			}
			r.JSON(t, &p)
			if len(p.Errors) != 1 || p.Errors[0].Field != tc.field {
				t.Fatalf("errors %+v, want field %s", p.Errors, tc.field)
			}
		})
	}
	me := e.Call("GET", "/api/v1/me", res, nil).Map(t)
	if me["profile"] != nil {
		t.Fatal("a bad profile was stored")
	}
	testkit.Want(t, put(good), 200)
	testkit.Want(t, put(with("occupation", "farmer")), 200)
	me = e.Call("GET", "/api/v1/me", res, nil).Map(t)
	p := me["profile"].(map[string]any)
	if p["occupation"] != "farmer" || p["grid_code"] != "330802001001001" || p["grid_name"] == "" {
		t.Fatalf("profile %v", p)
	}
	// Staff have no profile to set.
	ed := e.Staff("editor1", auth.Editor, "330802")
	testkit.Want(t, e.Call("PUT", "/api/v1/me/profile", ed, good), 403)
}

// Setting someone's password needs the acting admin's own password, ends the
// target's sign-ins, and is never done by a same-area admin.
func TestPasswordResetNeedsReauthentication(t *testing.T) {
	e := testkit.NewEnv(t)
	root := e.Staff("root", auth.Admin, "330800")
	kc := e.Staff("kc_admin", auth.Admin, "330802")
	e.Staff("kc_admin2", auth.Admin, "330802")
	e.Staff("kc_editor", auth.Editor, "330802")
	editorPair := e.Login("kc_editor", "password-kc_editor")
	ids := map[string]int64{}
	var list struct{ Items []auth.StaffUser }
	e.Call("GET", "/api/v1/users?limit=100", root, nil).JSON(t, &list)
	for _, u := range list.Items {
		ids[u.Username] = u.ID
	}
	patch := func(token, who string, body map[string]any) testkit.Resp {
		return e.Call("PATCH", "/api/v1/users/"+strconv.FormatInt(ids[who], 10), token, body)
	}
	pw := func(actor *string) map[string]any {
		b := map[string]any{"password": "brand-new-pass-1"}
		if actor != nil {
			b["actor_password"] = *actor
		}
		return b
	}
	str := func(s string) *string { return &s }

	cases := []struct {
		name   string
		token  string
		target string
		body   map[string]any
		status int
		code   string
	}{
		{"no own password", kc, "kc_editor", pw(nil), 403, "reauth_required"},
		{"empty own password", kc, "kc_editor", pw(str("")), 403, "reauth_required"},
		{"wrong own password", kc, "kc_editor", pw(str("not-my-password")), 403, "reauth_failed"},
		{"the target's password is no proof", kc, "kc_editor", pw(str("password-kc_editor")), 403, "reauth_failed"},
		{"a same-area admin, even with the own password", kc, "kc_admin2", pw(str("password-kc_admin")), 403, "peer_admin"},
		{"a short new password, checked before re-authentication", kc, "kc_editor", map[string]any{"password": "short", "actor_password": "password-kc_admin"}, 422, "validation_failed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			testkit.Want(t, patch(tc.token, tc.target, tc.body), tc.status, tc.code)
		})
	}
	// Nothing changed: the editor still signs in with the old password.
	testkit.Want(t, e.Call("GET", "/api/v1/me", editorPair.AccessToken, nil), 200)
	e.Login("kc_editor", "password-kc_editor")

	// With the own password: the reset applies and ends the target's sign-ins.
	testkit.Want(t, patch(kc, "kc_editor", pw(str("password-kc_admin"))), 200)
	testkit.Want(t, e.Call("GET", "/api/v1/me", editorPair.AccessToken, nil), 401)
	testkit.Want(t, e.Call("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": editorPair.RefreshToken}), 401)
	testkit.Want(t, e.Call("POST", "/api/v1/auth/login", "", map[string]string{"username": "kc_editor", "password": "password-kc_editor"}), 401)
	e.Login("kc_editor", "brand-new-pass-1")

	// The admin above resets the same-area admin's password.
	testkit.Want(t, patch(root, "kc_admin2", pw(str("password-root"))), 200)
	e.Login("kc_admin2", "brand-new-pass-1")
	// Changes that set no password need no re-authentication.
	testkit.Want(t, patch(kc, "kc_editor", map[string]any{"role": "reviewer"}), 200)

	// Wrong own passwords count against the admin's own sign-in throttle, so a
	// stolen access token cannot be used to guess its owner's password fast.
	for i := 0; i < 5; i++ {
		testkit.Want(t, patch(kc, "kc_editor", pw(str("guess-"+strconv.Itoa(i)))), 403, "reauth_failed")
	}
	testkit.Want(t, patch(kc, "kc_editor", pw(str("guess-x"))), 429, "login_throttled")
	testkit.Want(t, e.Call("POST", "/api/v1/auth/login", "", map[string]string{"username": "kc_admin", "password": "password-kc_admin"}), 429, "login_throttled")
}
