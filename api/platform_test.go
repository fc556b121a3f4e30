package api_test

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"wuzha/internal/auth"
	"wuzha/internal/testkit"
)

func TestHealthAndReadiness(t *testing.T) {
	e := testkit.NewEnv(t, testkit.Options{NotReady: true})
	testkit.Want(t, e.Call("GET", "/healthz", "", nil), 200)
	if r := e.Call("GET", "/readyz", "", nil); r.Status != 503 {
		t.Fatalf("readyz before ready: %d", r.Status)
	}
	r := e.Call("GET", "/api/v1/taxonomy", "", nil)
	testkit.Want(t, r, 503, "not_ready")
	e.Server.SetReady(true)
	testkit.Want(t, e.Call("GET", "/readyz", "", nil), 200)
	testkit.Want(t, e.Call("GET", "/api/v1/taxonomy", "", nil), 200)
}

func TestPlatformAnswers(t *testing.T) {
	e := testkit.NewEnv(t)

	t.Run("unknown API path is a JSON 404", func(t *testing.T) {
		testkit.Want(t, e.Call("GET", "/api/v1/no-such-thing", "", nil), 404, "not_found")
		testkit.Want(t, e.Call("POST", "/api/v2/x", "", nil), 404, "not_found")
	})
	t.Run("other paths fall back to the app page", func(t *testing.T) {
		r := e.Call("GET", "/staff/users", "", nil)
		if r.Status != 200 || !strings.Contains(r.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("status %d type %s", r.Status, r.Header.Get("Content-Type"))
		}
	})
	t.Run("security headers and request id", func(t *testing.T) {
		r := e.Call("GET", "/api/v1/taxonomy", "", nil)
		csp := r.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-eval") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Fatalf("CSP %q", csp)
		}
		if r.Header.Get("X-Content-Type-Options") != "nosniff" || r.Header.Get("X-Request-Id") == "" {
			t.Fatalf("headers %v", r.Header)
		}
	})
	t.Run("malformed JSON", func(t *testing.T) {
		testkit.Want(t, e.Call("POST", "/api/v1/auth/login", "", "{not json"), 400, "malformed_json")
		testkit.Want(t, e.Call("POST", "/api/v1/auth/login", "", ""), 400, "malformed_json")
		testkit.Want(t, e.Call("POST", "/api/v1/auth/login", "", `{"username":"a","password":"b"} {"x":1}`), 400, "malformed_json")
	})
	t.Run("oversized body", func(t *testing.T) {
		big := `{"username":"` + strings.Repeat("a", 100<<10) + `","password":"x"}`
		testkit.Want(t, e.Call("POST", "/api/v1/auth/login", "", big), 413, "body_too_large")
		// Past the server's limit the body is refused while it is read;
		// app.Test cannot show that, so this one goes over a real socket.
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go e.Server.App().Listener(ln)
		t.Cleanup(func() { e.Server.App().Shutdown() })
		// Announce a 9 MiB body; the server answers from the headers alone.
		conn, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprintf(conn, "POST /api/v1/auth/sms-code HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", 9<<20)
		res, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 413 || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") {
			t.Fatalf("huge body: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
		}
	})
	t.Run("metrics count requests by route", func(t *testing.T) {
		e.Call("GET", "/api/v1/areas/330802", "", nil)
		e.Server.MetricsAllow = []netip.Prefix{netip.MustParsePrefix("192.0.2.1/32")} // testkit's client address
		defer func() { e.Server.MetricsAllow = nil }()
		r := e.Call("GET", "/metrics", "", nil)
		if r.Status != 200 || !strings.Contains(string(r.Body), `wuzha_http_requests_total{method="GET",route="/api/v1/areas/:code",status="200"}`) {
			t.Fatalf("metrics: %d %.2000s", r.Status, r.Body)
		}
		if !strings.Contains(string(r.Body), "wuzha_http_request_duration_seconds_bucket") {
			t.Fatal("no latency histogram")
		}
	})
}

// A forged X-Forwarded-For must not let a client dodge per-address limits.
func TestForwardedForOnlyFromTrustedProxies(t *testing.T) {
	send := func(e *testkit.Env, phone, xff string) int {
		return e.Do(testkit.Request{Method: "POST", Path: "/api/v1/auth/sms-code", Body: map[string]string{"phone": phone}, Header: map[string]string{"X-Forwarded-For": xff}}).Status
	}
	t.Run("no trusted proxy: the header is ignored", func(t *testing.T) {
		e := testkit.NewEnv(t, testkit.Options{NoProxy: true})
		for i := 0; i < 20; i++ {
			if s := send(e, fmt.Sprintf("1380000%04d", i), fmt.Sprintf("10.0.0.%d", i+1)); s != 204 {
				t.Fatalf("send %d: %d", i, s)
			}
		}
		if s := send(e, "13811110000", "10.9.9.9"); s != 429 {
			t.Fatalf("a new forged address escaped the limit: %d", s)
		}
	})
	t.Run("trusted proxy: the right-most untrusted hop is the client", func(t *testing.T) {
		e := testkit.NewEnv(t) // trusts 0.0.0.0, where app.Test connects from
		for i := 0; i < 20; i++ {
			if s := send(e, fmt.Sprintf("1390000%04d", i), fmt.Sprintf("6.6.6.%d, 203.0.113.7", i+1)); s != 204 {
				t.Fatalf("send %d: %d", i, s)
			}
		}
		if s := send(e, "13911110000", "7.7.7.7, 203.0.113.7"); s != 429 {
			t.Fatalf("forged left-most entry escaped the limit: %d", s)
		}
		if s := send(e, "13911110001", "203.0.113.8"); s != 204 {
			t.Fatalf("another real client was limited: %d", s)
		}
	})
}

// Mass assignment: fields a client must not set are refused, nothing changes.
func TestUnknownFieldsAreRefused(t *testing.T) {
	e := testkit.NewEnv(t)
	admin := e.Staff("root", auth.Admin, "330800")
	res := e.Resident("13612345678")
	cases := []struct {
		name, method, path, token string
		body                      map[string]any
	}{
		{"profile with role", "PUT", "/api/v1/me/profile", res.AccessToken, map[string]any{"age_band": "60p", "occupation": "retiree", "grid_code": "330802001001001", "consent": true, "role": "admin"}},
		{"profile with id", "PUT", "/api/v1/me/profile", res.AccessToken, map[string]any{"age_band": "60p", "occupation": "retiree", "grid_code": "330802001001001", "consent": true, "user_id": 1}},
		{"user with id", "POST", "/api/v1/users", admin, map[string]any{"username": "mallory", "password": "long-enough", "role": "editor", "area_code": "330802", "id": 1}},
		{"user with disabled and scope path", "POST", "/api/v1/users", admin, map[string]any{"username": "mallory", "password": "long-enough", "role": "editor", "area_code": "330802", "area_path": "/"}},
		{"login with role", "POST", "/api/v1/auth/login", "", map[string]any{"username": "root", "password": "password-root", "role": "admin"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			testkit.Want(t, e.Call(tc.method, tc.path, tc.token, tc.body), 400, "unknown_field")
		})
	}
	me := e.Call("GET", "/api/v1/me", res.AccessToken, nil).Map(t)
	if me["profile"] != nil || me["role"] != "resident" {
		t.Fatalf("something changed: %v", me)
	}
	list := e.Call("GET", "/api/v1/users", admin, nil).Map(t)
	if items := list["items"].([]any); len(items) != 1 {
		t.Fatalf("a user was created: %v", items)
	}
}
