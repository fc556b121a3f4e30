package main

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"database/sql"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"

	"wuzha/internal/testkit"
)

// vmHWM is the peak resident memory of process pid, in bytes.
func vmHWM(t *testing.T, pid int) int64 {
	t.Helper()
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc/PID/status")
	return 0
}

// bomb compresses n zero bytes with w (about 1000:1 for gzip and zlib).
func bomb(t *testing.T, n int, mk func(io.Writer) io.WriteCloser) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := mk(&buf)
	zeros := make([]byte, 1<<20)
	for i := 0; i < n>>20; i++ {
		if _, err := w.Write(zeros); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestCompressedBodiesAreRefused sends a compressed body of zeros that
// inflates to 512 MiB to the sign-in route, which anyone may call, and checks
// that the server refuses it with a 415 at once, its peak memory barely moving.
// Fiber inflates Content-Encoding bodies without a bound, so before the
// refusal this took the server to gigabytes.
func TestCompressedBodiesAreRefused(t *testing.T) {
	dir := t.TempDir()
	p := startServe(t, []string{"WUZHA_DATA_DIR=" + dir, "WUZHA_DB_DSN=", "WUZHA_REDIS_URL="})
	gz := bomb(t, 512<<20, func(w io.Writer) io.WriteCloser { g, _ := gzip.NewWriterLevel(w, gzip.BestCompression); return g })
	zl := bomb(t, 512<<20, func(w io.Writer) io.WriteCloser { z, _ := zlib.NewWriterLevel(w, zlib.BestCompression); return z })
	cases := []struct {
		name, encoding, path, contentType string
		body                              []byte
	}{
		{"gzip login", "gzip", "/api/v1/auth/login", "application/json", gz},
		{"deflate login", "deflate", "/api/v1/auth/login", "application/json", zl},
		{"gzip sms code", "gzip", "/api/v1/auth/sms-code", "application/json", gz},
		{"gzip, identity list", "identity, gzip", "/api/v1/auth/login", "application/json", gz},
		{"brotli", "br", "/api/v1/auth/login", "application/json", []byte{0x1b, 0xff, 0xff}},
		{"gzip multipart upload", "gzip", "/api/v1/areas/import", "multipart/form-data; boundary=x", gz},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := vmHWM(t, p.cmd.Process.Pid)
			req, _ := http.NewRequest("POST", p.base+tc.path, bytes.NewReader(tc.body))
			req.Header.Set("Content-Type", tc.contentType)
			req.Header.Set("Content-Encoding", tc.encoding)
			start := time.Now()
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(res.Body)
			res.Body.Close()
			took := time.Since(start)
			after := vmHWM(t, p.cmd.Process.Pid)
			if res.StatusCode != 415 || !strings.Contains(string(raw), `"unsupported_content_encoding"`) ||
				!strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") {
				t.Errorf("status %d %s, body %s; want a 415 problem unsupported_content_encoding", res.StatusCode, res.Header.Get("Content-Type"), raw)
			}
			if took > time.Second {
				t.Errorf("answered in %v, want under a second", took)
			}
			if grew := after - before; grew > 100<<20 {
				t.Errorf("peak memory grew by %d MB (from %d MB), want under 100 MB", grew>>20, before>>20)
			}
		})
	}
	// An uncompressed body still works.
	if code, _ := p.call(t, "POST", "/api/v1/auth/login", "", map[string]string{"username": "nobody", "password": "wrong-password"}); code != 401 {
		t.Errorf("plain login answered %d, want 401", code)
	}
}

// TestServeWaitsForTheDatabase: a database that cannot be opened at start is
// tried again (each try logged) for WUZHA_DB_WAIT; the server becomes ready
// once it can be opened, and gives up with an error when it never can. It
// used to exit at the first failure.
func TestServeWaitsForTheDatabase(t *testing.T) {
	t.Run("comes up when the database appears", func(t *testing.T) {
		dir := t.TempDir()
		blocker := filepath.Join(dir, "db")
		if err := os.WriteFile(blocker, []byte("not a directory"), 0o600); err != nil {
			t.Fatal(err)
		}
		env := []string{"WUZHA_DATA_DIR=" + dir, "WUZHA_REDIS_URL=", "WUZHA_DB_WAIT=30s", "WUZHA_DB_DSN=sqlite://" + filepath.Join(blocker, "wuzha.db")}
		if testkit.MySQLDSN() != "" {
			// MariaDB behind a forwarder that starts accepting later.
			env[3] = "WUZHA_DB_DSN=" + lateMySQL(t, 2*time.Second)
		} else {
			time.AfterFunc(2*time.Second, func() { os.Remove(blocker) })
		}
		p := startServe(t, env) // waits up to 30 s for /readyz
		if !strings.Contains(p.logs.String(), "open database failed; retrying") {
			t.Fatalf("no retry logged:\n%s", p.logs)
		}
	})
	t.Run("gives up after the wait", func(t *testing.T) {
		dir := t.TempDir()
		blocker := filepath.Join(dir, "db")
		os.WriteFile(blocker, []byte("x"), 0o600)
		cmd := wuzha(t, []string{"WUZHA_DATA_DIR=" + dir, "WUZHA_REDIS_URL=", "WUZHA_DB_WAIT=3s", "WUZHA_ADDR=" + freePort(t),
			"WUZHA_DB_DSN=sqlite://" + filepath.Join(blocker, "wuzha.db")}, "", "serve")
		logs := &testkit.SyncBuffer{}
		cmd.Stderr = logs
		start := time.Now()
		err := cmd.Run()
		took := time.Since(start)
		if err == nil || took < 2*time.Second || took > 20*time.Second {
			t.Fatalf("exit %v after %v; want a failure after about 3 s; logs:\n%s", err, took, logs)
		}
		if n := strings.Count(logs.String(), "open database failed; retrying"); n < 2 || !strings.Contains(logs.String(), "gave up") {
			t.Fatalf("%d retries logged:\n%s", n, logs)
		}
	})
}

// lateMySQL creates a fresh database on the test MariaDB and returns a DSN
// for it through a local forwarder that only starts listening after delay.
func lateMySQL(t *testing.T, delay time.Duration) string {
	t.Helper()
	name := fmt.Sprintf("wuzha_t_wait_%d", time.Now().UnixNano())
	base := strings.TrimPrefix(testkit.MySQLDSN(), "mysql://")
	server := base[strings.Index(base, "tcp(")+4 : strings.Index(base, ")/")]
	admin, err := sql.Open("mysql", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if a, err := sql.Open("mysql", base); err == nil {
			a.Exec("DROP DATABASE " + name)
			a.Close()
		}
	})
	addr := freePort(t)
	time.AfterFunc(delay, func() {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return
		}
		t.Cleanup(func() { ln.Close() })
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				go func() {
					defer c.Close()
					up, err := net.Dial("tcp", server)
					if err != nil {
						return
					}
					defer up.Close()
					go io.Copy(up, c)
					io.Copy(c, up)
				}()
			}
		}()
	})
	return "mysql://" + base[:strings.Index(base, "tcp(")] + "tcp(" + addr + ")/" + name
}
