package api_test

import (
	"testing"

	"wuzha/internal/auth"
	"wuzha/internal/testkit"
)

// Two server instances on one database share rate limits and sign-ins: wuzha
// keeps no state that matters in one process. (scripts/two-instances.sh does
// the same with two real `wuzha serve` processes on MariaDB in CI.)
func TestTwoInstancesShareState(t *testing.T) {
	a := testkit.NewEnv(t)
	b := testkit.NewEnv(t, testkit.Options{DB: a.DB})
	// b needs the outbox of a to read codes a sent; sign-ins go through a.
	a.Staff("editor1", auth.Editor, "330802")

	// A sign-in made on A works on B; refreshing on B and replaying on A
	// revokes the sign-in on both.
	pair := a.Login("editor1", "password-editor1")
	testkit.Want(t, b.Call("GET", "/api/v1/me", pair.AccessToken, nil), 200)
	r := b.Call("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": pair.RefreshToken})
	testkit.Want(t, r, 200)
	var next auth.TokenPair
	r.JSON(t, &next)
	testkit.Want(t, a.Call("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": pair.RefreshToken}), 401, "token_reused")
	testkit.Want(t, b.Call("GET", "/api/v1/me", next.AccessToken, nil), 401)

	// The SMS per-phone limit holds across instances.
	send := func(e *testkit.Env) int {
		return e.Do(testkit.Request{Method: "POST", Path: "/api/v1/auth/sms-code", Body: map[string]string{"phone": "13800001111"}}).Status
	}
	if s := send(a); s != 204 {
		t.Fatalf("first code: %d", s)
	}
	if s := send(b); s != 429 {
		t.Fatalf("second code on the other instance: %d, want 429", s)
	}

	// The sign-in throttle counts failures on both.
	for i := 0; i < 3; i++ {
		a.Call("POST", "/api/v1/auth/login", "", map[string]string{"username": "editor1", "password": "bad"})
	}
	for i := 0; i < 2; i++ {
		b.Call("POST", "/api/v1/auth/login", "", map[string]string{"username": "editor1", "password": "bad"})
	}
	testkit.Want(t, a.Call("POST", "/api/v1/auth/login", "", map[string]string{"username": "editor1", "password": "password-editor1"}), 429, "login_throttled")
}
