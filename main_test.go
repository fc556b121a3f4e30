package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

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
