package config

import (
	"encoding/base64"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func clearEnv(t *testing.T) {
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "WUZHA_") {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
}

func TestDefaults(t *testing.T) {
	clearEnv(t)
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" || c.DBDSN != "" || c.Env != "development" || c.SQLitePath() != filepath.Join("data", "wuzha.db") || c.SMSOutbox != filepath.Join("data", "sms-outbox.jsonl") {
		t.Fatalf("defaults: %+v", c)
	}
	if c.DBWait != 60*time.Second || c.MetricsAllow != nil || c.MetricsToken != "" {
		t.Fatalf("defaults: wait %v, metrics %v %q", c.DBWait, c.MetricsAllow, c.MetricsToken)
	}
}

func TestSecretsGeneratedOnceAndKept(t *testing.T) {
	clearEnv(t)
	dir := t.TempDir()
	t.Setenv("WUZHA_DATA_DIR", dir)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	c1, _ := Load()
	if err := c1.EnsureSecrets(log); err != nil {
		t.Fatal(err)
	}
	c2, _ := Load()
	if err := c2.EnsureSecrets(log); err != nil {
		t.Fatal(err)
	}
	if len(c1.JWTSecret) < 32 || len(c1.PhoneKey) != 32 || string(c1.JWTSecret) != string(c2.JWTSecret) || string(c1.PhoneKey) != string(c2.PhoneKey) {
		t.Fatal("secrets not generated once and reused")
	}
	st, err := os.Stat(filepath.Join(dir, "secrets.json"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("secrets file: %v %v", st, err)
	}
}

func TestProductionRefusesMissingOrShortSecrets(t *testing.T) {
	good := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("k", 32)))
	short := base64.StdEncoding.EncodeToString([]byte("short"))
	cases := []struct {
		name, jwt, phone, wantErr string
	}{
		{"both missing", "", "", "WUZHA_JWT_SECRET"},
		{"phone key missing", good, "", "WUZHA_PHONE_KEY"},
		{"short jwt secret", short, good, "too short"},
		{"not base64", "%%%", good, "base64"},
		{"both given", good, good, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clearEnv(t)
			t.Setenv("WUZHA_ENV", "production")
			t.Setenv("WUZHA_JWT_SECRET", tc.jwt)
			t.Setenv("WUZHA_PHONE_KEY", tc.phone)
			t.Setenv("WUZHA_PUBLIC_URL", "https://wuzha.example.gov.cn")
			t.Setenv("WUZHA_SMS_SENDER", "http")
			t.Setenv("WUZHA_SMS_HTTP_URL", "https://sms-relay.internal/send")
			_, err := Load()
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("refused good secrets: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err %v, want one mentioning %q", err, tc.wantErr)
			}
		})
	}
}

func TestBadValues(t *testing.T) {
	for _, kv := range [][2]string{{"WUZHA_ENV", "staging"}, {"WUZHA_ACCESS_TTL", "soon"}, {"WUZHA_TRUSTED_PROXIES", "10.0.0.1,not-an-ip"}, {"WUZHA_BODY_LIMIT", "12"},
		{"WUZHA_METRICS_ALLOW", "10.0.0.0/8,nope"}, {"WUZHA_METRICS_TOKEN", "short"}, {"WUZHA_DB_WAIT", "-1s"}, {"WUZHA_DB_POOL", "1"}, {"WUZHA_DB_POOL", "many"}} {
		t.Run(kv[0], func(t *testing.T) {
			clearEnv(t)
			t.Setenv(kv[0], kv[1])
			if _, err := Load(); err == nil {
				t.Fatalf("%s=%s accepted", kv[0], kv[1])
			}
		})
	}
}

// Links and QR codes are built from WUZHA_PUBLIC_URL alone; production must
// say what it is, and it must be a plain absolute http(s) address.
func TestPublicURL(t *testing.T) {
	good := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("k", 32)))
	cases := []struct {
		name, env, value, want, wantErr string
	}{
		{"development default", "development", "", "http://localhost:8080", ""},
		{"production requires it", "production", "", "", "WUZHA_PUBLIC_URL"},
		{"https with trailing slash", "production", "https://wuzha.example.gov.cn/", "https://wuzha.example.gov.cn", ""},
		{"with a port and a path", "production", "http://10.1.2.3:8080/wuzha/", "http://10.1.2.3:8080/wuzha", ""},
		{"relative", "production", "wuzha.example.gov.cn", "", "absolute"},
		{"another scheme", "production", "ftp://wuzha.example.gov.cn", "", "absolute"},
		{"javascript", "development", "javascript:alert(1)", "", "absolute"},
		{"a query", "production", "https://wuzha.example.gov.cn/?from=qr", "", "query"},
		{"a fragment", "production", "https://wuzha.example.gov.cn/#x", "", "fragment"},
		{"user info", "production", "https://evil@wuzha.example.gov.cn", "", "user"},
		{"no host", "production", "https:///join", "", "absolute"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clearEnv(t)
			t.Setenv("WUZHA_ENV", tc.env)
			t.Setenv("WUZHA_JWT_SECRET", good)
			t.Setenv("WUZHA_PHONE_KEY", good)
			t.Setenv("WUZHA_SMS_SENDER", "outbox")
			t.Setenv("WUZHA_PUBLIC_URL", tc.value)
			c, err := Load()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want one mentioning %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.PublicURL != tc.want {
				t.Fatalf("public URL %q, want %q", c.PublicURL, tc.want)
			}
		})
	}
}

// Production never falls back to the outbox file, which holds every code and
// phone number in clear: it must be chosen, or a gateway configured.
func TestSMSSender(t *testing.T) {
	good := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("k", 32)))
	cases := []struct {
		name, env, sender, url, want, wantErr string
	}{
		{"development defaults to the outbox", "development", "", "", "outbox", ""},
		{"production refuses to guess", "production", "", "", "", "WUZHA_SMS_SENDER"},
		{"production outbox when told", "production", "outbox", "", "outbox", ""},
		{"production gateway", "production", "http", "https://sms-relay.internal/send", "http", ""},
		{"gateway without address", "production", "http", "", "", "WUZHA_SMS_HTTP_URL"},
		{"plain http gateway in production", "production", "http", "http://sms.example.com/send", "", "https"},
		{"plain http gateway on loopback", "production", "http", "http://127.0.0.1:9000/send", "http", ""},
		{"unknown sender", "development", "carrier-pigeon", "", "", "outbox or http"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clearEnv(t)
			t.Setenv("WUZHA_ENV", tc.env)
			t.Setenv("WUZHA_JWT_SECRET", good)
			t.Setenv("WUZHA_PHONE_KEY", good)
			t.Setenv("WUZHA_PUBLIC_URL", "https://wuzha.example.gov.cn")
			t.Setenv("WUZHA_SMS_SENDER", tc.sender)
			t.Setenv("WUZHA_SMS_HTTP_URL", tc.url)
			c, err := Load()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want one mentioning %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.SMSSender != tc.want || (tc.want == "http" && c.SMSHTTPURL != tc.url) {
				t.Fatalf("sender %q %q, want %q", c.SMSSender, c.SMSHTTPURL, tc.want)
			}
		})
	}
}
