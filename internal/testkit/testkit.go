// Package testkit is what wuzha's tests share: a real database per test
// (SQLite in a temp dir, or a fresh MySQL/MariaDB database when
// WUZHA_TEST_MYSQL_DSN is set), a wired server, and helpers to sign people in.
package testkit

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/crypto/bcrypt"

	"wuzha/api"
	"wuzha/internal/app"
	"wuzha/internal/area"
	"wuzha/internal/auth"
	"wuzha/internal/awareness"
	"wuzha/internal/config"
	"wuzha/internal/phone"
	"wuzha/internal/ratelimit"
	"wuzha/internal/rule"
	"wuzha/internal/store"
	"wuzha/internal/supervision"
	"wuzha/seed"
)

// MySQLDSN is the server-level DSN of the test MySQL, e.g.
// "mysql://root@tcp(127.0.0.1:3306)/", or "" when not configured.
func MySQLDSN() string { return os.Getenv("WUZHA_TEST_MYSQL_DSN") }

// OpenSQLite opens a migrated, empty SQLite database in a temp dir.
func OpenSQLite(t testing.TB) *store.DB {
	t.Helper()
	db, err := store.Open("", filepath.Join(t.TempDir(), "wuzha.db"), store.Options{})
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// OpenMySQL creates a fresh database on the test MySQL server, drops it when
// the test ends, and opens it. It skips the test when none is configured.
func OpenMySQL(t testing.TB) *store.DB {
	t.Helper()
	dsn := MySQLDSN()
	if dsn == "" {
		t.Skip("WUZHA_TEST_MYSQL_DSN is not set; MySQL/MariaDB part skipped (CI sets it)")
	}
	base := strings.SplitN(dsn, "?", 2)[0]
	i := strings.LastIndex(base, ")/")
	if i < 0 {
		t.Fatalf("WUZHA_TEST_MYSQL_DSN must look like mysql://USER:PASS@tcp(HOST:PORT)/")
	}
	server := base[:i+2]
	admin, err := store.Open(server, "", store.Options{MaxOpen: 2})
	if err != nil {
		t.Fatalf("open mysql server: %v", err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "wuzha_t_" + hex.EncodeToString(b)
	if err := admin.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin").Error; err != nil {
		admin.Close()
		t.Fatalf("create database: %v", err)
	}
	db, err := store.Open(server+name, "", store.Options{MaxOpen: 32})
	if err != nil {
		t.Fatalf("open %s: %v", name, err)
	}
	t.Cleanup(func() {
		db.Close()
		admin.Exec("DROP DATABASE " + name)
		admin.Close()
	})
	return db
}

// OpenDB opens the database this run tests against: MySQL when configured,
// else SQLite. It is migrated; seed with Seed.
func OpenDB(t testing.TB) *store.DB {
	t.Helper()
	var db *store.DB
	if MySQLDSN() != "" {
		db = OpenMySQL(t)
	} else {
		db = OpenSQLite(t)
	}
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return db
}

// Env is a wired server on a real database.
type Env struct {
	T      testing.TB
	DB     *store.DB
	Server *api.Server
	Auth   *auth.Service
	Areas  *area.Store
	Aware  *awareness.Service
	Vault  *phone.Vault
	Outbox string
	Logs   *SyncBuffer
	// Supervision is the 督办 service (tests move its clock and run its
	// reminders); DataDir holds its attachments.
	Supervision *supervision.Service
	DataDir     string
}

// Options vary an Env.
type Options struct {
	DB       *store.DB // share a database between Envs (two instances)
	NotReady bool
	// TrustedProxies defaults to the address app.Test connects from
	// (0.0.0.0), so Request.Remote reaches the server as X-Forwarded-For;
	// NoProxy trusts none.
	TrustedProxies []string
	NoProxy        bool
	// PublicURL is WUZHA_PUBLIC_URL; default PublicURL below.
	PublicURL string
	// Limiter replaces the database limiter (e.g. a Redis one).
	Limiter ratelimit.Limiter
	// Frontend is the built web app the server embeds; none by default.
	Frontend fs.FS
	// BcryptCost of stored passwords; 0 is bcrypt.MinCost (fast tests).
	// Benchmarks of what hashing costs set bcrypt.DefaultCost.
	BcryptCost int
}

// PublicURL is the public address of every test Env unless Options says
// otherwise: join links and QR codes must carry it, whatever the request's Host.
const PublicURL = "https://wuzha.example.gov.cn"

// NewEnv builds the application as main does (internal/app), on a fresh seeded database, with
// logs captured in Env.Logs.
func NewEnv(t testing.TB, opt ...Options) *Env {
	t.Helper()
	var o Options
	if len(opt) > 0 {
		o = opt[0]
	}
	ctx := context.Background()
	db, fresh := o.DB, o.DB == nil
	if fresh {
		db = OpenDB(t)
	}
	logs := &SyncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if o.PublicURL == "" {
		o.PublicURL = PublicURL
	}
	var proxies []netip.Prefix
	if o.TrustedProxies == nil && !o.NoProxy {
		o.TrustedProxies = []string{"0.0.0.0/32"}
	}
	for _, p := range o.TrustedProxies {
		pr, err := netip.ParsePrefix(p)
		if err != nil {
			t.Fatalf("trusted proxy %q: %v", p, err)
		}
		proxies = append(proxies, pr)
	}
	cfg := config.Config{
		SMSOutbox: filepath.Join(t.TempDir(), "sms-outbox.jsonl"), DataDir: t.TempDir(),
		PublicURL: o.PublicURL, TrustedProxies: proxies,
		JWTSecret: JWTSecret,
		PhoneKey:  bytes.Repeat([]byte{7}, 32), // the same key for every Env, so instances share data
		AccessTTL: 15 * time.Minute, RefreshTTL: 24 * time.Hour,
		TargetRate: 0.9, TargetCoverage: 0.05, MinRespondents: 30,
	}
	if o.BcryptCost == 0 {
		o.BcryptCost = bcrypt.MinCost
	}
	a, err := app.New(ctx, cfg, app.Options{Log: log, DB: db, Limiter: o.Limiter, BcryptCost: o.BcryptCost, Frontend: o.Frontend})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	if fresh {
		if err := seed.Load(ctx, a.SeedTargets()); err != nil {
			t.Fatalf("seed: %v", err)
		}
	}
	srv := a.Server()
	srv.SetReady(!o.NotReady)
	return &Env{T: t, DB: db, Server: srv, Auth: a.Auth, Areas: a.Areas, Aware: a.Awareness, Vault: a.Vault, Outbox: cfg.SMSOutbox, Logs: logs,
		Supervision: a.Supervision, DataDir: cfg.DataDir}
}

// SetRule stores the city's assessment rule straight in the database, as
// if a root admin had set it (fixtures with three-question quizzes answered
// at once relax it; the rule's own tests go through the API).
func (e *Env) SetRule(r rule.Rule) {
	e.T.Helper()
	row := rule.Stored{ID: 1, TargetRate: r.TargetRate, TargetCoverage: r.TargetCoverage, MinRespondents: r.MinRespondents,
		PassScore: r.PassScore, MinQuestions: r.MinQuestions, MinSecondsPerQuestion: r.MinSecondsPerQuestion}
	if err := e.DB.Save(&row).Error; err != nil {
		e.T.Fatalf("set rule: %v", err)
	}
}

// Resp is an answered request.
type Resp struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v, failing the test if it is not JSON.
func (r Resp) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("body is not JSON (%v): %s", err, r.Body)
	}
}

// Map decodes the body as a JSON object.
func (r Resp) Map(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	r.JSON(t, &m)
	return m
}

// Code is the problem code of an error answer ("" if none).
func (r Resp) Code() string {
	var p struct {
		Code string `json:"code"`
	}
	_ = json.Unmarshal(r.Body, &p)
	return p.Code
}

// Request describes one call for Do.
type Request struct {
	Method  string
	Path    string
	Token   string
	Body    any // marshalled to JSON unless []byte or string
	Header  map[string]string
	Remote  string // client address (sent as X-Forwarded-For), default 192.0.2.1
	Content string // content type for raw bodies
}

// Do sends a request through the app (no network) and returns the answer.
func (e *Env) Do(r Request) Resp {
	e.T.Helper()
	var body io.Reader
	switch b := r.Body.(type) {
	case nil:
	case []byte:
		body = bytes.NewReader(b)
	case string:
		body = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.T.Fatal(err)
		}
		body = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(r.Method, r.Path, body)
	if r.Body != nil {
		ct := r.Content
		if ct == "" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	if r.Token != "" {
		req.Header.Set("Authorization", "Bearer "+r.Token)
	}
	for k, v := range r.Header {
		if strings.EqualFold(k, "Host") {
			req.Host = v // what a client puts in the Host header
			continue
		}
		req.Header.Set(k, v)
	}
	// app.Test always connects from 0.0.0.0, which NewEnv trusts as a proxy.
	remote := "192.0.2.1"
	if ap, err := netip.ParseAddrPort(r.Remote); err == nil {
		remote = ap.Addr().String()
	} else if a, err := netip.ParseAddr(r.Remote); err == nil {
		remote = a.String()
	} else if r.Remote != "" {
		remote = strings.Split(r.Remote, ":")[0]
	}
	if req.Header.Get("X-Forwarded-For") == "" {
		req.Header.Set("X-Forwarded-For", remote)
	}
	res, err := e.Server.App().Test(req, 30_000)
	if err != nil {
		e.T.Fatalf("%s %s: %v", r.Method, r.Path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return Resp{Status: res.StatusCode, Header: res.Header, Body: b}
}

// Call is Do with the common fields.
func (e *Env) Call(method, path, token string, body any) Resp {
	e.T.Helper()
	return e.Do(Request{Method: method, Path: path, Token: token, Body: body})
}

// Want fails the test unless the answer has status (and, if given, code).
func Want(t testing.TB, r Resp, status int, code ...string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	if len(code) > 0 && r.Code() != code[0] {
		t.Fatalf("code %q, want %q: %s", r.Code(), code[0], r.Body)
	}
	if status >= 400 && !strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json") {
		t.Fatalf("error answer has content type %q, want application/problem+json", r.Header.Get("Content-Type"))
	}
}

// Staff creates a staff user and signs them in, returning the access token.
func (e *Env) Staff(username string, role auth.Role, areaCode string) string {
	e.T.Helper()
	if _, err := e.Auth.CreateUser(context.Background(), nil, auth.NewUser{Username: username, Password: "password-" + username, Role: role, AreaCode: areaCode}); err != nil {
		e.T.Fatalf("create %s: %v", username, err)
	}
	return e.Login(username, "password-"+username).AccessToken
}

// ChangedPassword is the password FirstSignIn chooses: it follows the
// password rules for any test username.
const ChangedPassword = "Changed#Pass-2026"

// FirstSignIn signs in a staff user whose password an admin set (so they
// must change it), changes it to ChangedPassword and returns the access
// token, which then works everywhere.
func (e *Env) FirstSignIn(username, initial string) string {
	e.T.Helper()
	p := e.Login(username, initial)
	if !p.MustChangePassword {
		e.T.Fatalf("%s: must_change_password is false after an admin set the password", username)
	}
	Want(e.T, e.Call("POST", "/api/v1/me/password", p.AccessToken, map[string]string{"old_password": initial, "new_password": ChangedPassword}), 204)
	return p.AccessToken
}

// Login signs staff in and returns the pair.
func (e *Env) Login(username, password string) auth.TokenPair {
	e.T.Helper()
	r := e.Call("POST", "/api/v1/auth/login", "", map[string]string{"username": username, "password": password})
	Want(e.T, r, 200)
	var p auth.TokenPair
	r.JSON(e.T, &p)
	return p
}

// Resident signs a resident in by SMS code (read from the outbox) and
// returns the pair. Each call uses a distinct client address so per-address
// limits do not interfere across residents.
func (e *Env) Resident(phoneNumber string) auth.TokenPair {
	e.T.Helper()
	remote := "198.51.100." + phoneNumber[len(phoneNumber)-2:] + ":1234"
	r := e.Do(Request{Method: "POST", Path: "/api/v1/auth/sms-code", Body: map[string]string{"phone": phoneNumber}, Remote: remote})
	Want(e.T, r, 204)
	code := e.LastCode(phoneNumber)
	r = e.Do(Request{Method: "POST", Path: "/api/v1/auth/sms-login", Body: map[string]string{"phone": phoneNumber, "code": code}, Remote: remote})
	Want(e.T, r, 200)
	var p auth.TokenPair
	r.JSON(e.T, &p)
	return p
}

// ResidentWithProfile signs a resident in and sets their profile.
func (e *Env) ResidentWithProfile(phoneNumber, ageBand, occupation, grid string) auth.TokenPair {
	e.T.Helper()
	p := e.Resident(phoneNumber)
	r := e.Call("PUT", "/api/v1/me/profile", p.AccessToken, map[string]any{"age_band": ageBand, "occupation": occupation, "grid_code": grid, "consent": true})
	Want(e.T, r, 200)
	return p
}

var codePattern = regexp.MustCompile(`\b(\d{6})\b`)

// LastCode reads the newest sign-in code sent to phoneNumber from the outbox.
func (e *Env) LastCode(phoneNumber string) string {
	e.T.Helper()
	f, err := os.Open(e.Outbox)
	if err != nil {
		e.T.Fatalf("outbox: %v", err)
	}
	defer f.Close()
	code := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var l struct{ Phone, Text string }
		if json.Unmarshal(sc.Bytes(), &l) == nil && l.Phone == phoneNumber {
			if m := codePattern.FindStringSubmatch(l.Text); m != nil {
				code = m[1]
			}
		}
	}
	if code == "" {
		e.T.Fatalf("no code for %s in the outbox", phoneNumber)
	}
	return code
}

// SyncBuffer is a goroutine-safe log sink.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String is everything logged so far.
func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// JWTSecret is the signing key of every test Env (so tests can forge tokens).
var JWTSecret = bytes.Repeat([]byte("s"), 48)

// BulkResidents creates n residents with profiles in grid directly in the
// database and signs each in, returning access tokens: for load tests that
// need thousands of residents without sending thousands of SMS codes.
func (e *Env) BulkResidents(n int, ageBand, occupation, grid string) []string {
	e.T.Helper()
	now := time.Now().UTC()
	users := make([]auth.User, n)
	for i := range users {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		h := hex.EncodeToString(b)
		users[i] = auth.User{Role: auth.Resident, PhoneHash: &h, CreatedAt: now, UpdatedAt: now}
	}
	if err := e.DB.CreateInBatches(&users, 500).Error; err != nil {
		e.T.Fatal(err)
	}
	profiles := make([]auth.Profile, n)
	signIns := make([]auth.SignIn, n)
	tokens := make([]string, n)
	for i, u := range users {
		profiles[i] = auth.Profile{UserID: u.ID, AgeBand: ageBand, Occupation: occupation, GridCode: grid, ConsentVersion: auth.ConsentVersion, ConsentAt: now, UpdatedAt: now}
		b := make([]byte, 12)
		_, _ = rand.Read(b)
		signIns[i] = auth.SignIn{ID: hex.EncodeToString(b), UserID: u.ID, CreatedAt: now}
		tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
			"iss": "wuzha", "aud": []string{"wuzha-api"}, "sub": fmt.Sprint(u.ID), "sid": signIns[i].ID, "typ": "access",
			"iat": now.Unix(), "nbf": now.Add(-time.Minute).Unix(), "exp": now.Add(time.Hour).Unix(),
		}).SignedString(JWTSecret)
		if err != nil {
			e.T.Fatal(err)
		}
		tokens[i] = tok
	}
	if err := e.DB.CreateInBatches(&profiles, 500).Error; err != nil {
		e.T.Fatal(err)
	}
	if err := e.DB.CreateInBatches(&signIns, 500).Error; err != nil {
		e.T.Fatal(err)
	}
	return tokens
}
