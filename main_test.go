package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"gorm.io/gorm"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"wuzha/internal/store"
	"wuzha/internal/testkit"
)

// TestMain lets the test binary stand in for the wuzha binary: with
// WUZHA_RUN_AS_MAIN=1 it runs the command line instead of the tests, so the
// process tests below start real `wuzha serve` processes without a build step.
func TestMain(m *testing.M) {
	if os.Getenv("WUZHA_RUN_AS_MAIN") == "1" {
		if err := run(os.Args[1:], os.Stdin, os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, "wuzha:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

type proc struct {
	cmd  *exec.Cmd
	base string
	logs *testkit.SyncBuffer
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func wuzha(t *testing.T, env []string, stdin string, args ...string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(append(os.Environ(), "WUZHA_RUN_AS_MAIN=1"), env...)
	cmd.Stdin = strings.NewReader(stdin)
	return cmd
}

func startServe(t *testing.T, env []string) *proc {
	t.Helper()
	addr := freePort(t)
	cmd := wuzha(t, append(env, "WUZHA_ADDR="+addr), "", "serve")
	logs := &testkit.SyncBuffer{}
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, base: "http://" + addr, logs: logs}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get(p.base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return p
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("server at %s not ready in 30s; logs:\n%s", addr, logs)
	return nil
}

func (p *proc) call(t *testing.T, method, path, token string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, p.base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var m map[string]any
	raw, _ := io.ReadAll(res.Body)
	_ = json.Unmarshal(raw, &m)
	return res.StatusCode, m
}

// TestTwoServeProcessesShareState runs two `wuzha serve` processes on one
// database (MariaDB when WUZHA_TEST_MYSQL_DSN is set, else one SQLite file)
// and shows that sign-ins, refresh-token revocation and rate limits hold
// across them, and that both stop gracefully on SIGTERM.
func TestTwoServeProcessesShareState(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	dataDir := t.TempDir()
	env := []string{"WUZHA_DATA_DIR=" + dataDir, "WUZHA_DB_DSN=", "WUZHA_REDIS_URL=", "WUZHA_ENV=development"}
	if testkit.MySQLDSN() != "" {
		db := testkit.OpenMySQL(t) // a fresh database, dropped afterwards
		var name string
		db.Raw("SELECT DATABASE()").Scan(&name)
		base := strings.SplitN(testkit.MySQLDSN(), "?", 2)[0]
		env[1] = "WUZHA_DB_DSN=" + base[:strings.LastIndex(base, ")/")+2] + name
		t.Logf("two processes on MariaDB database %s", name)
	}
	// Migrate and create the first admin from the command line, as the README says.
	if out, err := wuzha(t, env, "", "migrate").CombinedOutput(); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	if out, err := wuzha(t, env, "first-admin-password\n", "user", "add", "--username", "admin", "--role", "admin", "--area", "330800").CombinedOutput(); err != nil {
		t.Fatalf("user add: %v\n%s", err, out)
	}
	a := startServe(t, env)
	b := startServe(t, env)

	st, pair := a.call(t, "POST", "/api/v1/auth/login", "", map[string]string{"username": "admin", "password": "first-admin-password"})
	if st != 200 {
		t.Fatalf("login on A: %d %v", st, pair)
	}
	access, refresh := pair["access_token"].(string), pair["refresh_token"].(string)
	if st, _ := b.call(t, "GET", "/api/v1/me", access, nil); st != 200 {
		t.Fatalf("A's token on B: %d", st)
	}
	st, next := b.call(t, "POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": refresh})
	if st != 200 {
		t.Fatalf("refresh on B: %d", st)
	}
	if st, p := a.call(t, "POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": refresh}); st != 401 || p["code"] != "token_reused" {
		t.Fatalf("replay on A: %d %v", st, p)
	}
	if st, _ := a.call(t, "GET", "/api/v1/me", next["access_token"].(string), nil); st != 401 {
		t.Fatalf("revoked sign-in still works on A: %d", st)
	}
	if st, _ := a.call(t, "POST", "/api/v1/auth/sms-code", "", map[string]string{"phone": "13800002222"}); st != 204 {
		t.Fatalf("sms on A: %d", st)
	}
	if st, _ := b.call(t, "POST", "/api/v1/auth/sms-code", "", map[string]string{"phone": "13800002222"}); st != 429 {
		t.Fatalf("second sms on B: %d, want 429", st)
	}
	if raw, err := os.ReadFile(filepath.Join(dataDir, "sms-outbox.jsonl")); err != nil || !strings.Contains(string(raw), "13800002222") {
		t.Fatalf("outbox: %v %s", err, raw)
	}

	for _, p := range []*proc{a, b} {
		p.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- p.cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("exit after SIGTERM: %v\n%s", err, p.logs)
			}
		case <-time.After(25 * time.Second):
			t.Errorf("no graceful exit after SIGTERM")
		}
		if !strings.Contains(p.logs.String(), `"msg":"shutting down"`) {
			t.Errorf("no shutdown log line")
		}
	}
}

// TestZeroSetupServe starts `wuzha serve` with nothing configured but the
// address and the data folder, as `make run` does on a fresh machine.
func TestZeroSetupServe(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process")
	}
	dir := t.TempDir()
	p := startServe(t, []string{"WUZHA_DATA_DIR=" + dir, "WUZHA_DB_DSN=", "WUZHA_REDIS_URL="})
	st, areas := p.call(t, "GET", "/api/v1/areas/330800", "", nil)
	if st != 200 || areas["name"] != "衢州市" {
		t.Fatalf("areas: %d %v", st, areas)
	}
	for _, f := range []string{"wuzha.db", "secrets.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s not created: %v", f, err)
		}
	}
	if !strings.Contains(p.logs.String(), "generated secrets") {
		t.Error("no log line about generated secrets")
	}
}

// TestPrizeRaceAcrossProcesses: 200 residents submit qualifying answers at
// once, half through each of two `wuzha serve` processes on one database,
// against a pool of 10: exactly 10 awards, stock 0, nobody with two.
func TestPrizeRaceAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	dataDir := t.TempDir()
	env := []string{"WUZHA_DATA_DIR=" + dataDir, "WUZHA_DB_DSN=", "WUZHA_REDIS_URL=", "WUZHA_TRUSTED_PROXIES=127.0.0.1"}
	var dsn string
	if testkit.MySQLDSN() != "" {
		db := testkit.OpenMySQL(t)
		var name string
		db.Raw("SELECT DATABASE()").Scan(&name)
		base := strings.SplitN(testkit.MySQLDSN(), "?", 2)[0]
		dsn = base[:strings.LastIndex(base, ")/")+2] + name
		env[1] = "WUZHA_DB_DSN=" + dsn
	}
	if out, err := wuzha(t, env, "race-admin-password\n", "user", "add", "--username", "admin", "--role", "admin", "--area", "330800").CombinedOutput(); err != nil {
		t.Fatalf("user add: %v\n%s", err, out)
	}
	a, b := startServe(t, env), startServe(t, env)
	procs := []*proc{a, b}
	_, adm := a.call(t, "POST", "/api/v1/auth/login", "", map[string]string{"username": "admin", "password": "race-admin-password"})
	admin := adm["access_token"].(string)
	if st, body := a.call(t, "POST", "/api/v1/users", admin, map[string]string{"username": "editor", "password": "Race-writer-2026", "role": "editor", "area_code": "330800"}); st != 201 {
		t.Fatalf("create editor: %d %v", st, body)
	}
	_, ed := b.call(t, "POST", "/api/v1/auth/login", "", map[string]string{"username": "editor", "password": "Race-writer-2026"})
	editor := ed["access_token"].(string)
	// A password an admin set is changed at first sign-in.
	if st, body := b.call(t, "POST", "/api/v1/me/password", editor, map[string]string{"old_password": "Race-writer-2026", "new_password": "Race-own-pass-2026"}); st != 204 {
		t.Fatalf("change password: %d %v", st, body)
	}
	st, qz := a.call(t, "POST", "/api/v1/quizzes", editor, map[string]any{"title": "跨实例抢奖", "area_code": "330800", "audience": "residents",
		"starts_at": time.Now().Add(-time.Hour).Format(time.RFC3339), "ends_at": time.Now().Add(time.Hour).Format(time.RFC3339),
		"question_count": 3, "pass_score": 0, "time_limit_s": 600, "max_attempts": 1, "min_seconds_per_question": 0, "counts_for_awareness": false})
	if st != 201 {
		t.Fatalf("quiz: %d %v", st, qz)
	}
	quizID := int64(qz["id"].(float64))
	if st, p := a.call(t, "POST", fmt.Sprintf("/api/v1/quizzes/%d/prizes", quizID), editor, map[string]any{"name": "限量奖品", "stock": 10, "min_score": 0, "probability": 1}); st != 201 {
		t.Fatalf("pool: %d %v", st, p)
	}
	if st, p := a.call(t, "POST", fmt.Sprintf("/api/v1/quizzes/%d/publish", quizID), editor, nil); st != 200 {
		t.Fatalf("publish: %d %v", st, p)
	}

	const n = 200
	type taker struct {
		p       *proc
		token   string
		attempt int64
		answers []map[string]any
	}
	takers := make([]taker, n)
	for i := range takers {
		p := procs[i%2]
		phone := fmt.Sprintf("1380%07d", i)
		ip := fmt.Sprintf("10.%d.%d.%d", i/65536%256, i/256%256, i%256+1)
		if st, _ := p.callFrom(t, ip, "POST", "/api/v1/auth/sms-code", "", map[string]string{"phone": phone}); st != 204 {
			t.Fatalf("sms code %d: %d", i, st)
		}
		code := lastCode(t, filepath.Join(dataDir, "sms-outbox.jsonl"), phone)
		st, pair := p.callFrom(t, ip, "POST", "/api/v1/auth/sms-login", "", map[string]string{"phone": phone, "code": code})
		if st != 200 {
			t.Fatalf("sms login %d: %d %v", i, st, pair)
		}
		tok := pair["access_token"].(string)
		if st, _ := p.call(t, "PUT", "/api/v1/me/profile", tok, map[string]any{"age_band": "30_44", "occupation": "other", "grid_code": "330802001001001", "consent": true}); st != 200 {
			t.Fatalf("profile %d: %d", i, st)
		}
		st, s := p.call(t, "POST", fmt.Sprintf("/api/v1/quizzes/%d/attempts", quizID), tok, map[string]any{})
		if st != 201 {
			t.Fatalf("start %d: %d %v", i, st, s)
		}
		var answers []map[string]any
		for _, q := range s["questions"].([]any) {
			answers = append(answers, map[string]any{"question_id": q.(map[string]any)["id"], "keys": []string{"A"}})
		}
		takers[i] = taker{p: p, token: tok, attempt: int64(s["attempt_id"].(float64)), answers: answers}
	}
	var wg sync.WaitGroup
	statuses := make([]int, n)
	gate := make(chan struct{})
	for i := range takers {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-gate
			tk := takers[i]
			statuses[i] = tk.p.submit(t, tk.attempt, tk.token, tk.answers)
		}(i)
	}
	close(gate)
	wg.Wait()
	for i, s := range statuses {
		if s != 200 {
			t.Fatalf("submit %d: %d", i, s)
		}
	}
	db, err := store.Open(dsn, filepath.Join(dataDir, "wuzha.db"), store.Options{MaxOpen: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var awards, winners, spentSlots, slots int64
	db.Table("awards").Where("quiz_id = ?", quizID).Count(&awards)
	db.Table("awards").Where("quiz_id = ?", quizID).Distinct("user_id").Count(&winners)
	// Stock 10 is ten slots of one unit: every one spent, none below zero.
	stock := db.Table("prize_stock").Joins("JOIN prize_pools ON prize_pools.id = prize_stock.pool_id").Where("prize_pools.quiz_id = ?", quizID)
	stock.Session(&gorm.Session{}).Count(&slots)
	stock.Session(&gorm.Session{}).Where("prize_stock.remaining = 0").Count(&spentSlots)
	if awards != 10 || winners != 10 || slots != 10 || spentSlots != 10 {
		t.Fatalf("awards %d, winners %d, slots spent %d of %d; want 10, 10, 10 of 10", awards, winners, spentSlots, slots)
	}
	t.Logf("200 submissions over two processes on %s: 10 awards, stock 0", db.Dialect)
}

func (p *proc) callFrom(t *testing.T, ip, method, path, token string, body any) (int, map[string]any) {
	t.Helper()
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, p.base+path, bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", ip)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var m map[string]any
	b, _ := io.ReadAll(res.Body)
	_ = json.Unmarshal(b, &m)
	return res.StatusCode, m
}

func (p *proc) submit(t *testing.T, attempt int64, token string, answers any) int {
	raw, _ := json.Marshal(map[string]any{"answers": answers})
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/attempts/%d/submit", p.base, attempt), bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Idempotency-Key", "race")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

func lastCode(t *testing.T, outbox, phone string) string {
	t.Helper()
	raw, err := os.ReadFile(outbox)
	if err != nil {
		t.Fatal(err)
	}
	code := ""
	for _, line := range strings.Split(string(raw), "\n") {
		var l struct{ Phone, Text string }
		if json.Unmarshal([]byte(line), &l) == nil && l.Phone == phone {
			for _, f := range strings.FieldsFunc(l.Text, func(r rune) bool { return r < '0' || r > '9' }) {
				if len(f) == 6 {
					code = f
				}
			}
		}
	}
	if code == "" {
		t.Fatalf("no code for %s", phone)
	}
	return code
}

// TestProductionStart: production refuses to start without a public address
// or an explicit SMS sender, saying which; with a gateway configured, codes
// go to the gateway and nothing is written to an outbox file.
func TestProductionStart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	secret := "WUZHA_JWT_SECRET=" + strings.Repeat("QUJDRA", 8)
	key := "WUZHA_PHONE_KEY=" + strings.Repeat("QUJDRA", 8)
	for _, tc := range []struct {
		name string
		env  []string
		want string
	}{
		{"no public address", []string{"WUZHA_SMS_SENDER=outbox", "WUZHA_PUBLIC_URL="}, "WUZHA_PUBLIC_URL"},
		{"no SMS sender", []string{"WUZHA_PUBLIC_URL=https://wuzha.example.gov.cn", "WUZHA_SMS_SENDER="}, "WUZHA_SMS_SENDER"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			cmd := wuzha(t, append([]string{"WUZHA_ENV=production", secret, key, "WUZHA_DATA_DIR=" + dir, "WUZHA_DB_DSN=", "WUZHA_ADDR=" + freePort(t)}, tc.env...), "", "serve")
			// Today's code would serve instead of refusing: stop it then.
			kill := time.AfterFunc(20*time.Second, func() { _ = cmd.Process.Kill() })
			defer kill.Stop()
			out, err := cmd.CombinedOutput()
			if err == nil || !strings.Contains(string(out), tc.want) {
				t.Fatalf("serve: %v, output %q; want a refusal naming %s", err, out, tc.want)
			}
			if _, err := os.Stat(filepath.Join(dir, "sms-outbox.jsonl")); err == nil {
				t.Fatal("an outbox file was written")
			}
		})
	}

	t.Run("gateway", func(t *testing.T) {
		var mu sync.Mutex
		var got []map[string]string
		gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var m map[string]string
			_ = json.NewDecoder(r.Body).Decode(&m)
			if r.Header.Get("Authorization") != "Bearer gw-token" {
				w.WriteHeader(401)
				return
			}
			mu.Lock()
			got = append(got, m)
			mu.Unlock()
		}))
		defer gw.Close()
		dir := t.TempDir()
		p := startServe(t, []string{"WUZHA_ENV=production", secret, key, "WUZHA_DATA_DIR=" + dir, "WUZHA_DB_DSN=", "WUZHA_REDIS_URL=",
			"WUZHA_PUBLIC_URL=https://wuzha.example.gov.cn", "WUZHA_SMS_SENDER=http", "WUZHA_SMS_HTTP_URL=" + gw.URL, "WUZHA_SMS_HTTP_TOKEN=gw-token"})
		if st, body := p.call(t, "POST", "/api/v1/auth/sms-code", "", map[string]any{"phone": "13800138000"}); st != 204 {
			t.Fatalf("sms-code: %d %v", st, body)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(got) != 1 || got[0]["phone"] != "13800138000" || !strings.Contains(got[0]["text"], "验证码") {
			t.Fatalf("the gateway received %v", got)
		}
		if _, err := os.Stat(filepath.Join(dir, "sms-outbox.jsonl")); err == nil {
			t.Fatal("an outbox file was written")
		}
	})
}
