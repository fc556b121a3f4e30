package demo_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"wuzha/internal/app"
	"wuzha/internal/auth"
	"wuzha/internal/awareness"
	"wuzha/internal/config"
	"wuzha/internal/demo"
	"wuzha/internal/store"
	"wuzha/internal/testkit"
	"wuzha/seed"
)

// newApp builds the application as `wuzha seed --demo` does, on a fresh
// seeded database (SQLite, or MariaDB when WUZHA_TEST_MYSQL_DSN is set).
func newApp(t *testing.T) *app.App {
	t.Helper()
	ctx := context.Background()
	db := testkit.OpenDB(t)
	cfg := config.Config{DataDir: t.TempDir(), SMSOutbox: t.TempDir() + "/outbox.jsonl", PublicURL: testkit.PublicURL,
		JWTSecret: testkit.JWTSecret, PhoneKey: bytes.Repeat([]byte{7}, 32), AccessTTL: 15 * time.Minute, RefreshTTL: time.Hour,
		TargetRate: 0.9, TargetCoverage: 0.05, MinRespondents: 30}
	a, err := app.New(ctx, cfg, app.Options{Log: slog.New(slog.DiscardHandler), DB: db, BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	if err := a.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	if err := a.SeedRule(ctx); err != nil {
		t.Fatal(err)
	}
	return a
}

// tables are what a demo run writes; a second run must change none of them.
var tables = []string{"users", "resident_profiles", "quizzes", "prize_pools", "prize_stock", "attempts", "attempt_answers", "awards",
	"quiz_sessions", "warning_views", "warning_acks", "rectifications", "rectification_events", "audit_log",
	"awareness_first_0", "awareness_rollups"}

func counts(t *testing.T, db *store.DB) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, tb := range tables {
		var n int64
		if err := db.Table(tb).Count(&n).Error; err != nil {
			t.Fatalf("count %s: %v", tb, err)
		}
		out[tb] = n
	}
	var redeemed int64
	if err := db.Table("awards").Where("redeemed_at IS NOT NULL").Count(&redeemed).Error; err != nil {
		t.Fatal(err)
	}
	out["awards redeemed"] = redeemed
	return out
}

// count runs a COUNT(*) query and answers its number.
func count(t *testing.T, db *store.DB, query string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := db.Raw(query, args...).Row().Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func TestSeedDemoIsIdempotentAndStaysInDemoAreas(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	db := a.DB
	before := counts(t, db)

	rep, err := a.SeedDemo(ctx, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	period := awareness.CurrentQuarter(time.Now())
	if rep.Already || rep.Period != period {
		t.Fatalf("first run: %+v", rep)
	}
	first := counts(t, db)
	for _, tb := range []string{"users", "resident_profiles", "attempts", "attempt_answers", "quiz_sessions", "warning_views", "warning_acks", "awards", "rectifications", "awareness_first_0"} {
		if first[tb] <= before[tb] {
			t.Errorf("the demo wrote nothing into %s (%d rows before, %d after)", tb, before[tb], first[tb])
		}
	}
	if first["awards redeemed"] == 0 || first["awards redeemed"] >= first["awards"] {
		t.Errorf("%d of %d prizes redeemed; want some but not all", first["awards redeemed"], first["awards"])
	}
	if int64(rep.Attempts) != first["attempts"]-before["attempts"] || int64(rep.Sessions) != first["quiz_sessions"] || int64(rep.Items) != first["rectifications"] {
		t.Errorf("the report %+v does not say what was written %v", rep, first)
	}

	// A second run adds nothing.
	again, err := a.SeedDemo(ctx, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Already {
		t.Errorf("second run did not see the quarter seeded: %+v", again)
	}
	if second := counts(t, db); !equal(first, second) {
		t.Errorf("second run changed the data:\nfirst  %v\nsecond %v", first, second)
	}

	// Demo data stays in demo areas.
	demoGrid := "SELECT code FROM areas WHERE demo = TRUE AND level = 'grid'"
	checks := []struct {
		what, query string
	}{
		{"attempts outside demo grids", "SELECT COUNT(*) FROM attempts WHERE grid_code IS NULL OR grid_code NOT IN (" + demoGrid + ")"},
		{"demo residents' profiles outside demo grids", "SELECT COUNT(*) FROM resident_profiles p JOIN users u ON u.id = p.user_id WHERE u.demo = ? AND p.grid_code NOT IN (" + demoGrid + ")"},
		{"sessions outside demo grids", "SELECT COUNT(*) FROM quiz_sessions WHERE grid_code NOT IN (" + demoGrid + ")"},
		{"prizes outside demo grids", "SELECT COUNT(*) FROM awards WHERE grid_path IS NULL OR grid_path NOT IN (SELECT path FROM areas WHERE demo = TRUE AND level = 'grid')"},
		{"warning views outside demo grids", "SELECT COUNT(*) FROM warning_views WHERE grid_path IS NULL OR grid_path NOT IN (SELECT path FROM areas WHERE demo = TRUE AND level = 'grid')"},
		{"acknowledgements outside demo grids", "SELECT COUNT(*) FROM warning_acks WHERE grid_path IS NULL OR grid_path NOT IN (SELECT path FROM areas WHERE demo = TRUE AND level = 'grid')"},
		{"rectification items outside demo areas", "SELECT COUNT(*) FROM rectifications WHERE area_code NOT IN (SELECT code FROM areas WHERE demo = TRUE)"},
		{"grid workers outside demo grids", "SELECT COUNT(*) FROM users WHERE demo = ? AND role = 'grid_worker' AND area_code NOT IN (SELECT code FROM areas WHERE demo = TRUE AND level = 'grid')"},
	}
	for _, c := range checks {
		var args []any
		if strings.Contains(c.query, "?") {
			args = append(args, true)
		}
		if n := count(t, db, c.query, args...); n != 0 {
			t.Errorf("%d %s", n, c.what)
		}
	}
	// Everyone who answered is a demo resident with a demo phone number.
	if n := count(t, db, "SELECT COUNT(*) FROM attempts a JOIN users u ON u.id = a.user_id WHERE u.demo = ? OR u.role <> 'resident'", false); n != 0 {
		t.Errorf("%d attempts by people who are not demo residents", n)
	}
	if n := count(t, db, "SELECT COUNT(*) FROM users WHERE demo = ? AND role NOT IN ('resident', 'grid_worker') AND NOT (role = 'admin' AND username = ?)", true, demo.AdminUsername); n != 0 {
		t.Errorf("%d unexpected demo staff accounts", n)
	}
	// The demo staff sign in with the published password, and are not
	// admin-made accounts.
	var worker string
	if err := db.Table("users").Where("demo = ? AND role = ?", true, auth.GridWorker).Order("id").Limit(1).Pluck("username", &worker).Error; err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{demo.AdminUsername, worker} {
		if _, err := a.Auth.Login(ctx, name, demo.Password, auth.Origin{}); err != nil {
			t.Errorf("sign in as %s: %v", name, err)
		}
	}
	var residents []auth.User
	if err := db.Where("demo = ? AND role = ?", true, auth.Resident).Limit(50).Find(&residents).Error; err != nil {
		t.Fatal(err)
	}
	for _, u := range residents {
		n, err := a.Vault.Open(*u.PhoneEnc)
		if err != nil || !strings.HasPrefix(n, demo.PhonePrefix) || a.Vault.Hash(n) != *u.PhoneHash {
			t.Fatalf("resident %d: phone %q (%v) is not a sealed, hashed demo number", u.ID, n, err)
		}
	}

	// The attempts are what the product writes: a counting quiz that meets
	// the rule, ten graded answers each, folded into the counters.
	var q struct {
		QuestionCount, PassScore, MinSecondsPerQuestion int
		CountsForAwareness                              bool
	}
	if err := db.Table("quizzes").Where("title = ?", demo.QuizTitle(period)).Take(&q).Error; err != nil {
		t.Fatal(err)
	}
	if !q.CountsForAwareness || q.QuestionCount < 5 || q.PassScore < 60 || q.MinSecondsPerQuestion < 2 {
		t.Fatalf("the demo quiz does not meet the rule: %+v", q)
	}
	if n := count(t, db, "SELECT COUNT(*) FROM attempts WHERE status <> 'submitted' OR counting <> ? OR tally_pending <> ? OR submit_hash IS NULL OR idempotency_key IS NULL", true, false); n != 0 {
		t.Errorf("%d attempts not submitted, not counting or still pending", n)
	}
	if n := count(t, db, "SELECT COUNT(*) FROM attempts a WHERE (SELECT COUNT(*) FROM attempt_answers x WHERE x.attempt_id = a.id) <> ?", q.QuestionCount); n != 0 {
		t.Errorf("%d attempts without exactly %d graded answers", n, q.QuestionCount)
	}
	var served []struct {
		Served      string
		ScoreTenths int
	}
	if err := db.Table("attempts").Select("served, score_tenths").Limit(20).Scan(&served).Error; err != nil {
		t.Fatal(err)
	}
	for _, s := range served {
		var items []map[string]any
		if err := json.Unmarshal([]byte(s.Served), &items); err != nil || len(items) != q.QuestionCount {
			t.Fatalf("served %q: %v", s.Served, err)
		}
	}
	if n := count(t, db, "SELECT COUNT(*) FROM attempts WHERE invalid = ? AND invalid_reason = ''", true); n != 0 {
		t.Errorf("%d invalid attempts without a reason", n)
	}
	if n := count(t, db, "SELECT COUNT(*) FROM attempts WHERE submitted_at > ? OR submitted_at < ?", time.Now().UTC(), mustPeriod(t, period).Start); n != 0 {
		t.Errorf("%d attempts submitted outside the quarter so far", n)
	}

	// The figures, as the product computes them: every county has a
	// sufficient sample, and the rates differ by county and by fraud type.
	var root auth.Caller
	root.Role, root.AreaCode, root.AreaPath = auth.Admin, seed.RootArea, "/"+seed.RootArea+"/"
	f, err := a.Awareness.Compute(ctx, root, seed.RootArea, mustPeriod(t, period))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Children) != 6 {
		t.Fatalf("%d counties", len(f.Children))
	}
	rates := map[float64]bool{}
	for _, c := range f.Children {
		if c.Respondents < 30 || c.Coverage == nil {
			t.Errorf("%s: %d respondents, coverage %v: not a sufficient sample", c.Name, c.Respondents, c.Coverage)
		}
		if c.Rate.Rate != nil {
			rates[*c.Rate.Rate] = true
		}
	}
	if len(rates) < 4 {
		t.Errorf("county rates hardly differ: %v", rates)
	}
	lo, hi := 1.0, 0.0
	for _, ft := range f.ByFraudType {
		if ft.Rate != nil {
			lo, hi = min(lo, *ft.Rate), max(hi, *ft.Rate)
		}
	}
	if hi-lo < 0.05 {
		t.Errorf("fraud types' rates lie within %.3f–%.3f: no knowledge gaps to show", lo, hi)
	}
	var distinct int64
	if err := db.Table("attempts").Where("invalid = ?", false).Distinct("user_id").Count(&distinct).Error; err != nil {
		t.Fatal(err)
	}
	if f.Respondents != distinct {
		t.Errorf("the city has %d respondents; the raw attempts have %d residents with a valid attempt", f.Respondents, distinct)
	}
}

func mustPeriod(t *testing.T, name string) awareness.Period {
	t.Helper()
	p, err := awareness.ParsePeriod(name, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func equal(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestSeedDemoRefusedInProduction(t *testing.T) {
	a := newApp(t)
	a.Config.Env = "production"
	if _, err := a.SeedDemo(context.Background(), 0.1); err == nil || !strings.Contains(err.Error(), "production") {
		t.Fatalf("seed --demo in production: %v", err)
	}
	var n int64
	if err := a.DB.Table("users").Where("demo = ?", true).Count(&n).Error; err != nil || n != 0 {
		t.Fatalf("%d demo users after a refused run (%v)", n, err)
	}
}
