package api_test

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"wuzha/internal/auth"
	"wuzha/internal/testkit"
)

type auditRow struct {
	Action    string  `json:"action"`
	ActorName string  `json:"actor_name"`
	Target    string  `json:"target"`
	IP        string  `json:"ip"`
	Detail    *string `json:"detail"`
}

// auditOf lists the audit entries with action, newest first, as seen by admin.
func auditOf(t *testing.T, e *testkit.Env, admin, action string) []auditRow {
	t.Helper()
	var page struct{ Items []auditRow }
	r := e.Call("GET", "/api/v1/audit?limit=100&action="+action, admin, nil)
	testkit.Want(t, r, 200)
	r.JSON(t, &page)
	return page.Items
}

// refusedFor counts the auth.login_refused entries of username with reason.
func refusedFor(rows []auditRow, username, reason string) int {
	n := 0
	for _, r := range rows {
		if r.ActorName == username && r.Detail != nil && strings.Contains(*r.Detail, `"reason":"`+reason+`"`) {
			n++
		}
	}
	return n
}

func login(e *testkit.Env, username, password, remote string) testkit.Resp {
	return e.Do(testkit.Request{Method: "POST", Path: "/api/v1/auth/login", Body: map[string]string{"username": username, "password": password}, Remote: remote})
}

func metricValue(t *testing.T, e *testkit.Env, series string) int {
	t.Helper()
	e.Server.MetricsToken = "login-throttle-test-token"
	defer func() { e.Server.MetricsToken = "" }()
	r := e.Do(testkit.Request{Method: "GET", Path: "/metrics", Header: map[string]string{"Authorization": "Bearer login-throttle-test-token"}})
	testkit.Want(t, r, 200)
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\d+)$`).FindStringSubmatch(string(r.Body))
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// throttle makes seven checked wrong guesses against username, waiting out
// the 1 s and 2 s delays, which leaves a 4 s delay: long enough for the
// requests that follow to fall inside it even on a slow, busy machine.
func throttle(t *testing.T, e *testkit.Env, username, remote string) {
	t.Helper()
	for checked := 0; checked < 7; {
		r := login(e, username, "wrong-"+strconv.Itoa(checked), remote)
		if r.Status == 429 {
			wait, _ := strconv.Atoi(r.Header.Get("Retry-After"))
			time.Sleep(time.Duration(wait)*time.Second + 50*time.Millisecond)
			continue
		}
		testkit.Want(t, r, 401, "invalid_credentials")
		checked++
	}
}

// Fifty wrong passwords at once, each from its own address, get no more
// checks than the throttle allows: every guess is counted before its
// password is checked, so racing requests cannot all read "no failures yet".
func TestLoginGuessesAreCountedBeforeTheyAreChecked(t *testing.T) {
	e := testkit.NewEnv(t)
	root := e.Staff("root", auth.Admin, "330800")
	e.Staff("city_admin", auth.Admin, "330800")

	const guesses = 50
	statuses := make([]testkit.Resp, guesses)
	var wg sync.WaitGroup
	for i := 0; i < guesses; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			statuses[i] = login(e, "city_admin", fmt.Sprintf("wrong-%02d", i), fmt.Sprintf("198.18.%d.%d:4000", i/200, i%200+1))
		}(i)
	}
	wg.Wait()
	checked, throttled := 0, 0
	for _, r := range statuses {
		switch {
		case r.Status == 401 && r.Code() == "invalid_credentials":
			checked++
		case r.Status == 429 && r.Code() == "login_throttled" && r.Header.Get("Retry-After") != "":
			throttled++
		default:
			t.Fatalf("unexpected answer %d: %s", r.Status, r.Body)
		}
	}
	t.Logf("%d parallel wrong passwords: %d checked, %d refused unchecked", guesses, checked, throttled)
	// Five are free; a sixth only if the burst outlasted the first 1 s delay.
	if checked < 5 || checked > 6 {
		t.Fatalf("%d guesses were checked, want 5 (at most 6)", checked)
	}
	rows := auditOf(t, e, root, "auth.login_refused")
	if n := refusedFor(rows, "city_admin", "invalid_credentials"); n != checked {
		t.Fatalf("audit has %d checked failures, answers say %d", n, checked)
	}
	if n := refusedFor(rows, "city_admin", "throttled"); n != throttled {
		t.Fatalf("audit has %d throttled guesses, answers say %d", n, throttled)
	}
	// Every refused entry names the address it came from.
	for _, r := range rows {
		if !strings.HasPrefix(r.IP, "198.18.") || r.Target == "" {
			t.Fatalf("refused sign-in audited without its address or target: %+v", r)
		}
	}
	if got := metricValue(t, e, `wuzha_login_refused_total{reason="login_throttled"}`); got != throttled {
		t.Fatalf("metric says %d throttled, want %d", got, throttled)
	}
	if got := metricValue(t, e, `wuzha_login_refused_total{reason="invalid_credentials"}`); got != checked {
		t.Fatalf("metric says %d wrong passwords, want %d", got, checked)
	}
}

// Past the threshold the right password inside a burst of wrong ones is
// refused unchecked; its owner signs in once the delay has passed, and that
// sign-in sets the count back to zero.
func TestLoginThrottleSlowsButDoesNotLockTheOwner(t *testing.T) {
	e := testkit.NewEnv(t)
	e.Staff("kc_admin", auth.Admin, "330802")
	throttle(t, e, "kc_admin", "203.0.113.50")
	const burst = 21
	answers := make([]testkit.Resp, burst)
	var wg sync.WaitGroup
	for i := 0; i < burst; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			pw := "burst-wrong-" + strconv.Itoa(i)
			if i == burst/2 {
				pw = "password-kc_admin"
			}
			answers[i] = login(e, "kc_admin", pw, fmt.Sprintf("203.0.113.%d", 100+i))
		}(i)
	}
	wg.Wait()
	right := answers[burst/2]
	testkit.Want(t, right, 429, "login_throttled")
	wait, err := strconv.Atoi(right.Header.Get("Retry-After"))
	if err != nil || wait < 1 {
		t.Fatalf("Retry-After %q", right.Header.Get("Retry-After"))
	}
	if p := right.Map(t); !strings.Contains(p["detail"].(string), "秒后再试") {
		t.Fatalf("detail does not say how long to wait: %v", p["detail"])
	}
	// Guessing goes on, and the owner is only slowed: after the wait its
	// right password is checked and accepted.
	time.Sleep(time.Duration(wait)*time.Second + 100*time.Millisecond)
	testkit.Want(t, login(e, "kc_admin", "password-kc_admin", "203.0.113.50"), 200)
	// The count is back to zero: five wrong guesses are checked again.
	for i := 0; i < 5; i++ {
		testkit.Want(t, login(e, "kc_admin", "again-"+strconv.Itoa(i), "203.0.113.51"), 401, "invalid_credentials")
	}
	testkit.Want(t, login(e, "kc_admin", "again-x", "203.0.113.51"), 429, "login_throttled")
}

// An admin above lifts the throttle; it is audited; nobody else may.
func TestAdminUnlocksLogin(t *testing.T) {
	e := testkit.NewEnv(t)
	root := e.Staff("root", auth.Admin, "330800")
	js := e.Staff("js_admin", auth.Admin, "330881")
	ed := e.Staff("kc_editor", auth.Editor, "330802")
	e.Staff("kc_admin", auth.Admin, "330802")
	var list struct{ Items []auth.StaffUser }
	e.Call("GET", "/api/v1/users?area_code=330802&role=admin", root, nil).JSON(t, &list)
	if len(list.Items) != 1 {
		t.Fatalf("users %+v", list.Items)
	}
	unlock := "/api/v1/users/" + strconv.FormatInt(list.Items[0].ID, 10) + "/unlock-login"

	throttle(t, e, "kc_admin", "203.0.113.60")
	testkit.Want(t, login(e, "kc_admin", "password-kc_admin", "203.0.113.61"), 429, "login_throttled")

	testkit.Want(t, e.Call("POST", unlock, js, nil), 404, "not_found") // another county
	testkit.Want(t, e.Call("POST", unlock, ed, nil), 403, "forbidden")
	testkit.Want(t, e.Call("POST", "/api/v1/users/99999/unlock-login", root, nil), 404)
	testkit.Want(t, login(e, "kc_admin", "password-kc_admin", "203.0.113.61"), 429, "login_throttled")

	testkit.Want(t, e.Call("POST", unlock, root, nil), 204)
	testkit.Want(t, login(e, "kc_admin", "password-kc_admin", "203.0.113.61"), 200)
	rows := auditOf(t, e, root, "user.unlock_login")
	if len(rows) != 1 || rows[0].ActorName != "root" || rows[0].Detail == nil || !strings.Contains(*rows[0].Detail, `"failures":7`) {
		t.Fatalf("unlock audit %+v", rows)
	}
}
