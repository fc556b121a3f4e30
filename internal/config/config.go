// Package config reads wuzha's configuration from the environment once, with
// defaults that run with zero setup: SQLite and generated secrets in ./data/.
package config

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Config is everything wuzha reads from its environment.
type Config struct {
	Addr           string         // WUZHA_ADDR
	DataDir        string         // WUZHA_DATA_DIR: SQLite file, generated secrets, SMS outbox
	DBDSN          string         // WUZHA_DB_DSN: empty = SQLite in DataDir; "mysql://user:pass@tcp(host:3306)/db?…"
	Env            string         // WUZHA_ENV: development | production
	SMSOutbox      string         // WUZHA_SMS_OUTBOX
	SMSSender      string         // WUZHA_SMS_SENDER: outbox | http (production must choose)
	SMSHTTPURL     string         // WUZHA_SMS_HTTP_URL: the gateway the http sender posts to
	SMSHTTPToken   string         // WUZHA_SMS_HTTP_TOKEN: bearer token for that gateway (optional)
	PublicURL      string         // WUZHA_PUBLIC_URL: the address every link and QR code points at
	RedisURL       string         // WUZHA_REDIS_URL
	TrustedProxies []netip.Prefix // WUZHA_TRUSTED_PROXIES
	MetricsAllow   []netip.Prefix // WUZHA_METRICS_ALLOW: addresses or CIDRs that may scrape /metrics (loopback always may)
	MetricsToken   string         // WUZHA_METRICS_TOKEN: a bearer token that may scrape /metrics from anywhere
	JWTSecret      []byte         // WUZHA_JWT_SECRET (base64, ≥32 bytes), else generated into DataDir
	PhoneKey       []byte         // WUZHA_PHONE_KEY (base64, 32 bytes), else generated into DataDir
	AccessTTL      time.Duration  // WUZHA_ACCESS_TTL
	RefreshTTL     time.Duration  // WUZHA_REFRESH_TTL
	IdleTimeout    time.Duration  // WUZHA_STAFF_IDLE_TIMEOUT: a staff sign-in ends after this long without a request
	BodyLimit      int            // WUZHA_BODY_LIMIT bytes
	DBWait         time.Duration  // WUZHA_DB_WAIT: how long serve retries an unreachable database at start
	LogLevel       slog.Level     // WUZHA_LOG_LEVEL
	// The assessment rule: WUZHA_TARGET_RATE, WUZHA_TARGET_COVERAGE, WUZHA_MIN_RESPONDENTS.
	TargetRate     float64
	TargetCoverage float64
	MinRespondents int
}

// Production reports whether the installation runs in production mode, where
// missing secrets refuse to start instead of being generated.
func (c Config) Production() bool { return c.Env == "production" }

// SQLitePath is the database file used when no DSN is configured.
func (c Config) SQLitePath() string { return filepath.Join(c.DataDir, "wuzha.db") }

// Load reads the environment. It does not touch the disk; see EnsureSecrets.
func Load() (Config, error) {
	c := Config{
		Addr:      env("WUZHA_ADDR", ":8080"),
		DataDir:   env("WUZHA_DATA_DIR", "./data"),
		DBDSN:     os.Getenv("WUZHA_DB_DSN"),
		Env:       env("WUZHA_ENV", "development"),
		RedisURL:  os.Getenv("WUZHA_REDIS_URL"),
		BodyLimit: 8 << 20,
	}
	c.SMSOutbox = env("WUZHA_SMS_OUTBOX", filepath.Join(c.DataDir, "sms-outbox.jsonl"))
	if c.Env != "development" && c.Env != "production" {
		return c, fmt.Errorf("config: WUZHA_ENV must be development or production, not %q", c.Env)
	}
	var err error
	if c.TargetRate, err = fraction("WUZHA_TARGET_RATE", 0.90); err != nil {
		return c, err
	}
	if c.TargetCoverage, err = fraction("WUZHA_TARGET_COVERAGE", 0.05); err != nil {
		return c, err
	}
	c.MinRespondents = 30
	if v := os.Getenv("WUZHA_MIN_RESPONDENTS"); v != "" {
		if c.MinRespondents, err = strconv.Atoi(v); err != nil || c.MinRespondents < 1 {
			return c, fmt.Errorf("config: WUZHA_MIN_RESPONDENTS must be a whole number ≥ 1, not %q", v)
		}
	}
	if c.AccessTTL, err = duration("WUZHA_ACCESS_TTL", 15*time.Minute); err != nil {
		return c, err
	}
	if c.RefreshTTL, err = duration("WUZHA_REFRESH_TTL", 30*24*time.Hour); err != nil {
		return c, err
	}
	if c.IdleTimeout, err = duration("WUZHA_STAFF_IDLE_TIMEOUT", 30*time.Minute); err != nil {
		return c, err
	}
	if c.DBWait, err = duration("WUZHA_DB_WAIT", 60*time.Second); err != nil {
		return c, err
	}
	if v := os.Getenv("WUZHA_BODY_LIMIT"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1024 {
			return c, fmt.Errorf("config: WUZHA_BODY_LIMIT must be a number of bytes ≥ 1024, not %q", v)
		}
		c.BodyLimit = n
	}
	if v := os.Getenv("WUZHA_LOG_LEVEL"); v != "" {
		if err := c.LogLevel.UnmarshalText([]byte(v)); err != nil {
			return c, fmt.Errorf("config: WUZHA_LOG_LEVEL: %w", err)
		}
	}
	for _, p := range strings.Split(os.Getenv("WUZHA_TRUSTED_PROXIES"), ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		prefix, err := parsePrefix(p)
		if err != nil {
			return c, fmt.Errorf("config: WUZHA_TRUSTED_PROXIES: %q is not an address or CIDR", p)
		}
		c.TrustedProxies = append(c.TrustedProxies, prefix)
	}
	for _, p := range strings.Split(os.Getenv("WUZHA_METRICS_ALLOW"), ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		prefix, err := parsePrefix(p)
		if err != nil {
			return c, fmt.Errorf("config: WUZHA_METRICS_ALLOW: %q is not an address or CIDR", p)
		}
		c.MetricsAllow = append(c.MetricsAllow, prefix)
	}
	if c.MetricsToken = os.Getenv("WUZHA_METRICS_TOKEN"); c.MetricsToken != "" && len(c.MetricsToken) < 16 {
		return c, errors.New("config: WUZHA_METRICS_TOKEN must be at least 16 characters")
	}
	if c.JWTSecret, err = secretFromEnv("WUZHA_JWT_SECRET", 32); err != nil {
		return c, err
	}
	if c.PhoneKey, err = secretFromEnv("WUZHA_PHONE_KEY", 32); err != nil {
		return c, err
	}
	if c.Production() {
		if c.JWTSecret == nil {
			return c, errors.New("config: production mode needs WUZHA_JWT_SECRET (base64 of at least 32 random bytes)")
		}
		if c.PhoneKey == nil {
			return c, errors.New("config: production mode needs WUZHA_PHONE_KEY (base64 of 32 random bytes)")
		}
	}
	if c.PublicURL, err = publicURL(os.Getenv("WUZHA_PUBLIC_URL"), c.Production()); err != nil {
		return c, err
	}
	if c.SMSSender, c.SMSHTTPURL, err = smsSender(c.Production()); err != nil {
		return c, err
	}
	c.SMSHTTPToken = os.Getenv("WUZHA_SMS_HTTP_TOKEN")
	return c, nil
}

// DefaultPublicURL is where links point in development when WUZHA_PUBLIC_URL
// is not set.
const DefaultPublicURL = "http://localhost:8080"

// publicURL validates WUZHA_PUBLIC_URL: an absolute http(s) URL with a host
// and nothing after the path, returned without a trailing slash. Links and
// QR codes are built from it alone, never from request headers, so that a
// forged Host cannot put another site into a printed code. Production must
// set it.
func publicURL(v string, production bool) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		if production {
			return "", errors.New("config: production mode needs WUZHA_PUBLIC_URL, the address residents open (for example https://wuzha.example.gov.cn); join links and QR codes point there")
		}
		return DefaultPublicURL, nil
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" || u.User != nil ||
		u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(v, "#") || u.Opaque != "" {
		return "", fmt.Errorf("config: WUZHA_PUBLIC_URL must be an absolute http:// or https:// address without user, query or fragment, like https://wuzha.example.gov.cn, not %q", v)
	}
	return strings.TrimRight(u.Scheme+"://"+u.Host+u.EscapedPath(), "/"), nil
}

// smsSender reads WUZHA_SMS_SENDER. Development defaults to the outbox file;
// production refuses to guess, because the outbox writes every code and
// phone number in clear to a local file.
func smsSender(production bool) (sender, httpURL string, err error) {
	sender = strings.TrimSpace(os.Getenv("WUZHA_SMS_SENDER"))
	switch sender {
	case "":
		if production {
			return "", "", errors.New("config: production mode needs WUZHA_SMS_SENDER: \"http\" (with WUZHA_SMS_HTTP_URL, a gateway that delivers real messages) or, for a trial only, \"outbox\" (writes every code and phone number in clear to WUZHA_SMS_OUTBOX)")
		}
		return "outbox", "", nil
	case "outbox":
		return sender, "", nil
	case "http":
		raw := strings.TrimSpace(os.Getenv("WUZHA_SMS_HTTP_URL"))
		u, err := url.Parse(raw)
		if raw == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return "", "", fmt.Errorf("config: WUZHA_SMS_SENDER=http needs WUZHA_SMS_HTTP_URL, an absolute http(s) address of the SMS gateway, not %q", raw)
		}
		if production && u.Scheme != "https" && !loopback(u.Hostname()) {
			return "", "", fmt.Errorf("config: WUZHA_SMS_HTTP_URL must use https in production (codes and phone numbers travel in it), not %q", raw)
		}
		return sender, raw, nil
	default:
		return "", "", fmt.Errorf("config: WUZHA_SMS_SENDER must be outbox or http, not %q", sender)
	}
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.IsLoopback()
}

// secretsFile is what EnsureSecrets keeps in the data directory.
type secretsFile struct {
	JWTSecret string `json:"jwt_secret"`
	PhoneKey  string `json:"phone_key"`
}

// EnsureSecrets fills secrets that the environment did not give from
// DataDir/secrets.json, generating that file on first run. Losing the file
// loses the ability to read stored phone numbers, so it is created 0600 and
// the log line says where it is.
func (c *Config) EnsureSecrets(log *slog.Logger) error {
	if c.JWTSecret != nil && c.PhoneKey != nil {
		return nil
	}
	if err := os.MkdirAll(c.DataDir, 0o750); err != nil {
		return fmt.Errorf("config: create data dir: %w", err)
	}
	path := filepath.Join(c.DataDir, "secrets.json")
	var sf secretsFile
	raw, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := json.Unmarshal(raw, &sf); err != nil {
			return fmt.Errorf("config: %s is not valid JSON: %w", path, err)
		}
	case errors.Is(err, os.ErrNotExist):
		sf.JWTSecret = randomB64(48)
		sf.PhoneKey = randomB64(32)
		out, _ := json.MarshalIndent(sf, "", "  ")
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, os.ErrExist) { // another instance won the race: read its file
			return c.EnsureSecrets(log)
		}
		if err != nil {
			return fmt.Errorf("config: create %s: %w", path, err)
		}
		if _, err := f.Write(out); err != nil {
			f.Close()
			return fmt.Errorf("config: write %s: %w", path, err)
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("config: write %s: %w", path, err)
		}
		log.Warn("generated secrets for this installation; keep this file, it is needed to read stored phone numbers", "path", path)
	default:
		return fmt.Errorf("config: read %s: %w", path, err)
	}
	if c.JWTSecret == nil {
		if c.JWTSecret, err = decodeSecret(sf.JWTSecret, 32); err != nil {
			return fmt.Errorf("config: %s jwt_secret: %w", path, err)
		}
	}
	if c.PhoneKey == nil {
		if c.PhoneKey, err = decodeSecret(sf.PhoneKey, 32); err != nil {
			return fmt.Errorf("config: %s phone_key: %w", path, err)
		}
		c.PhoneKey = c.PhoneKey[:32]
	}
	return nil
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func duration(name string, def time.Duration) (time.Duration, error) {
	v := os.Getenv(name)
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("config: %s must be a positive duration like 15m, not %q", name, v)
	}
	return d, nil
}

func fraction(name string, def float64) (float64, error) {
	v := os.Getenv(name)
	if v == "" {
		return def, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f <= 0 || f > 1 {
		return 0, fmt.Errorf("config: %s must be a number in (0, 1], not %q", name, v)
	}
	return f, nil
}

func secretFromEnv(name string, min int) ([]byte, error) {
	v := os.Getenv(name)
	if v == "" {
		return nil, nil
	}
	b, err := decodeSecret(v, min)
	if err != nil {
		return nil, fmt.Errorf("config: %s: %w", name, err)
	}
	if name == "WUZHA_PHONE_KEY" {
		b = b[:32]
	}
	return b, nil
}

func decodeSecret(v string, min int) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(v))
	if err != nil {
		return nil, errors.New("must be base64")
	}
	if len(b) < min {
		return nil, fmt.Errorf("too short: %d bytes, need at least %d", len(b), min)
	}
	return b, nil
}

func randomB64(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return base64.StdEncoding.EncodeToString(b)
}

func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		return netip.ParsePrefix(s)
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()), nil
}
