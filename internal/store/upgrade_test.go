package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"
)

// openForUpgrade opens an empty database of the run's kind without the
// test kit (which imports this package).
func openForUpgrade(t *testing.T) *DB {
	t.Helper()
	if dsn := os.Getenv("WUZHA_TEST_MYSQL_DSN"); dsn != "" {
		base := strings.SplitN(dsn, "?", 2)[0]
		server := base[:strings.LastIndex(base, ")/")+2]
		admin, err := Open(server, "", Options{MaxOpen: 2})
		if err != nil {
			t.Fatal(err)
		}
		b := make([]byte, 6)
		_, _ = rand.Read(b)
		name := "wuzha_u_" + hex.EncodeToString(b)
		if err := admin.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin").Error; err != nil {
			t.Fatal(err)
		}
		db, err := Open(server+name, "", Options{MaxOpen: 4})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			db.Close()
			admin.Exec("DROP DATABASE " + name)
			admin.Close()
		})
		return db
	}
	db, err := Open("", filepath.Join(t.TempDir(), "wuzha.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// migrateUpTo applies the migrations up to version to db and returns them
// all, to be put back for the upgrade; the test's end puts them back too.
func migrateUpTo(t *testing.T, db *DB, version int) []migration {
	t.Helper()
	all := migrations
	t.Cleanup(func() { migrations = all })
	var upTo []migration
	for _, m := range all {
		if m.version <= version {
			upTo = append(upTo, m)
		}
	}
	migrations = upTo
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return all
}

// An installation at migration 8 with a locked period and submitted
// attempts upgrades to 9: the snapshot becomes version 1, still in force,
// its rows and checksum untouched; attempts of counting residents' quizzes
// keep counting, others do not.
func TestUpgradeToLockVersionsKeepsSnapshotsAndCounting(t *testing.T) {
	db := openForUpgrade(t)
	ctx := context.Background()
	all := migrateUpTo(t, db, 8)
	now := time.Now().UTC()
	exec := func(q string, args ...any) {
		t.Helper()
		if err := db.Exec(q, args...).Error; err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`INSERT INTO assessment_snapshots (period, area_code, area_path, rows_json, rule_json, checksum, locked_at, locked_by) VALUES ('2026Q2', '330802', '/330800/330802/', '[{"area_code":"1"}]', '{}', 'abc', ?, 7)`, now)
	for i, q := range []struct {
		audience string
		counts   bool
	}{{"residents", true}, {"residents", false}, {"staff", false}} {
		exec(`INSERT INTO quizzes (id, title, area_code, area_path, audience, status, starts_at, ends_at, question_count, pass_score, time_limit_s, max_attempts, counts_for_awareness, created_at, updated_at)
VALUES (?, 'q', '330800', '/330800/', ?, 'published', ?, ?, 3, 0, 600, 3, ?, ?, ?)`, i+1, q.audience, now, now, q.counts, now, now)
		exec(`INSERT INTO attempts (quiz_id, user_id, attempt_no, status, served, started_at, deadline, submitted_at) VALUES (?, 1, 1, 'submitted', '[]', ?, ?, ?)`, i+1, now, now, now)
	}
	exec(`INSERT INTO attempts (quiz_id, user_id, attempt_no, status, served, started_at, deadline) VALUES (1, 2, 1, 'open', '[]', ?, ?)`, now, now)

	migrations = all
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var snap struct {
		Version     int
		CurrentLock bool
		RowsJSON    string
		Checksum    string
		LockedBy    int64
	}
	if err := db.Raw("SELECT version, current_lock, rows_json, checksum, locked_by FROM assessment_snapshots").Scan(&snap).Error; err != nil {
		t.Fatal(err)
	}
	if snap.Version != 1 || !snap.CurrentLock || snap.RowsJSON != `[{"area_code":"1"}]` || snap.Checksum != "abc" || snap.LockedBy != 7 {
		t.Fatalf("snapshot after the upgrade %+v", snap)
	}
	var counting []int64
	db.Raw("SELECT quiz_id FROM attempts WHERE counting ORDER BY quiz_id").Scan(&counting)
	if len(counting) != 1 || counting[0] != 1 {
		t.Fatalf("counting attempts after the upgrade are of quizzes %v, want [1]", counting)
	}
	// A second version of the same period can now be written, a second current one cannot.
	exec(`UPDATE assessment_snapshots SET current_lock = NULL`)
	exec(`INSERT INTO assessment_snapshots (period, area_code, area_path, version, current_lock, rows_json, rule_json, checksum, locked_at, locked_by) VALUES ('2026Q2', '330802', '/330800/330802/', 2, TRUE, '[]', '{}', 'def', ?, 8)`, now)
	err := db.Exec(`INSERT INTO assessment_snapshots (period, area_code, area_path, version, current_lock, rows_json, rule_json, checksum, locked_at, locked_by) VALUES ('2026Q2', '330802', '/330800/330802/', 3, TRUE, '[]', '{}', 'ghi', ?, 9)`, now).Error
	if !errors.Is(err, gorm.ErrDuplicatedKey) {
		t.Fatalf("a second current version was accepted: %v", err)
	}
}

// An installation at migration 12 with counters spread over shards upgrades
// to 13: each key's shards become one row holding their sums, so every
// figure read (the readers summed the shards) stays the same.
func TestUpgradeDropsCounterShardsKeepingSums(t *testing.T) {
	db := openForUpgrade(t)
	ctx := context.Background()
	all := migrateUpTo(t, db, 12)
	exec := func(q string, args ...any) {
		t.Helper()
		if err := db.Exec(q, args...).Error; err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`INSERT INTO awareness_cells (period, grid_path, age_band, occupation, shard, respondents, passed, score_tenths) VALUES
  ('2026Q2', '/1/2/', '18-29', 'student', 0, 3, 2, 250), ('2026Q2', '/1/2/', '18-29', 'student', 5, 4, 1, 310),
  ('2026Q2', '/1/2/', '30-39', 'student', 2, 1, 1, 90)`)
	exec(`INSERT INTO awareness_answers (period, grid_path, fraud_type, age_band, shard, answered, correct) VALUES
  ('2026-05', '/1/2/', 'impersonation', '18-29', 0, 10, 7), ('2026-05', '/1/2/', 'impersonation', '18-29', 7, 5, 1)`)
	exec(`INSERT INTO awareness_invalid (period, grid_path, shard, n) VALUES ('2026-05', '/1/2/', 0, 2), ('2026-05', '/1/2/', 3, 1), ('2026-05', '/1/3/', 3, 4)`)

	// Up to 13 only: step 18 replaces these tables (its own test follows).
	migrations = nil
	for _, m := range all {
		if m.version <= 13 {
			migrations = append(migrations, m)
		}
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var cells []struct {
		AgeBand                          string
		Respondents, Passed, ScoreTenths int64
	}
	if err := db.Raw("SELECT age_band, respondents, passed, score_tenths FROM awareness_cells ORDER BY age_band").Scan(&cells).Error; err != nil {
		t.Fatal(err)
	}
	if len(cells) != 2 || cells[0].Respondents != 7 || cells[0].Passed != 3 || cells[0].ScoreTenths != 560 || cells[1].Respondents != 1 || cells[1].ScoreTenths != 90 {
		t.Fatalf("cells after the upgrade %+v, want 18-29 7/3/560 and 30-39 1/1/90", cells)
	}
	var answered, correct, rows int64
	db.Raw("SELECT COUNT(*) FROM awareness_answers").Scan(&rows)
	db.Raw("SELECT answered FROM awareness_answers").Scan(&answered)
	db.Raw("SELECT correct FROM awareness_answers").Scan(&correct)
	if rows != 1 || answered != 15 || correct != 8 {
		t.Fatalf("answers after the upgrade: %d rows, %d answered, %d correct; want 1, 15, 8", rows, answered, correct)
	}
	var invalid []int64
	db.Raw("SELECT n FROM awareness_invalid ORDER BY grid_path").Scan(&invalid)
	if len(invalid) != 2 || invalid[0] != 3 || invalid[1] != 4 {
		t.Fatalf("invalid counters after the upgrade %v, want [3 4]", invalid)
	}
	// One row per key now: a second row for a key is refused.
	err := db.Exec(`INSERT INTO awareness_invalid (period, grid_path, n) VALUES ('2026-05', '/1/3/', 1)`).Error
	if !errors.Is(err, gorm.ErrDuplicatedKey) {
		t.Fatalf("a second row for one key was accepted: %v", err)
	}
}

// An installation at migration 17 with grid counters upgrades to 18: they
// become generation 0 and are summed up the area tree, so every area's
// figures read from its own rows equal what its subtree's grid cells summed
// to before; the state row names generation 0; the old tables are gone.
func TestUpgradeRollsUpCountersByLevel(t *testing.T) {
	db := openForUpgrade(t)
	ctx := context.Background()
	all := migrateUpTo(t, db, 17)
	exec := func(q string, args ...any) {
		t.Helper()
		if err := db.Exec(q, args...).Error; err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	now := time.Now().UTC()
	// city 1 > county 12 > town 123 > community 1234 > grids 12345, 12346;
	// a second community 1235 > grid 12351.
	for _, a := range []struct {
		code, parent, level, path string
		depth                     int
	}{
		{"1", "", "city", "/1/", 0}, {"12", "1", "county", "/1/12/", 1}, {"123", "12", "town", "/1/12/123/", 2},
		{"1234", "123", "community", "/1/12/123/1234/", 3}, {"1235", "123", "community", "/1/12/123/1235/", 3},
		{"12345", "1234", "grid", "/1/12/123/1234/12345/", 4}, {"12346", "1234", "grid", "/1/12/123/1234/12346/", 4},
		{"12351", "1235", "grid", "/1/12/123/1235/12351/", 4},
	} {
		var parent any
		if a.parent != "" {
			parent = a.parent
		}
		exec(`INSERT INTO areas (code, parent_code, name, level, path, depth, population, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 100, ?, ?)`, a.code, parent, a.code, a.level, a.path, a.depth, now, now)
	}
	g1, g2, g3 := "/1/12/123/1234/12345/", "/1/12/123/1234/12346/", "/1/12/123/1235/12351/"
	exec(`INSERT INTO awareness_cells (period, grid_path, age_band, occupation, respondents, passed, score_tenths) VALUES
  ('2026Q2', ?, '18_29', 'student', 3, 2, 250), ('2026Q2', ?, '18_29', 'student', 4, 1, 310),
  ('2026Q2', ?, '60p', 'retiree', 1, 1, 90), ('2026-05', ?, '60p', 'retiree', 1, 1, 90)`, g1, g2, g3, g3)
	exec(`INSERT INTO awareness_answers (period, grid_path, fraud_type, age_band, answered, correct) VALUES
  ('2026Q2', ?, 'impersonation', '18_29', 10, 7), ('2026Q2', ?, 'impersonation', '18_29', 5, 1), ('2026Q2', ?, 'investment', '60p', 2, 2)`, g1, g2, g3)
	exec(`INSERT INTO awareness_invalid (period, grid_path, n) VALUES ('2026Q2', ?, 2), ('2026Q2', ?, 4)`, g2, g3)
	exec(`INSERT INTO awareness_first (period, user_id, attempt_id) VALUES ('2026Q2', 7, 70), ('2026-05', 7, 70)`)

	// Up to 21 only: step 22 replaces these tables (its own test follows).
	migrations = nil
	for _, m := range all {
		if m.version <= 21 {
			migrations = append(migrations, m)
		}
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	type total struct {
		Respondents, Passed, ScoreTenths, Invalid int64
	}
	want := map[string]total{
		"/1/": {8, 4, 650, 6}, "/1/12/": {8, 4, 650, 6}, "/1/12/123/": {8, 4, 650, 6},
		"/1/12/123/1234/": {7, 3, 560, 2}, "/1/12/123/1235/": {1, 1, 90, 4},
		g1: {3, 2, 250, 0}, g2: {4, 1, 310, 2}, g3: {1, 1, 90, 4},
	}
	for path, w := range want {
		var got total
		if err := db.Raw("SELECT respondents, passed, score_tenths, invalid FROM awareness_totals WHERE gen = 0 AND period = '2026Q2' AND area_path = ?", path).Scan(&got).Error; err != nil {
			t.Fatal(err)
		}
		if got != w {
			t.Errorf("totals of %s after the upgrade %+v, want %+v", path, got, w)
		}
		var cells total
		db.Raw("SELECT COALESCE(SUM(respondents), 0) AS respondents, COALESCE(SUM(passed), 0) AS passed, COALESCE(SUM(score_tenths), 0) AS score_tenths FROM awareness_cells WHERE gen = 0 AND period = '2026Q2' AND area_path = ?", path).Scan(&cells)
		if cells.Respondents != w.Respondents || cells.Passed != w.Passed || cells.ScoreTenths != w.ScoreTenths {
			t.Errorf("cells of %s after the upgrade sum to %+v, want %+v", path, cells, w)
		}
	}
	var groups, answered, correct, month, firsts, gen int64
	db.Raw("SELECT COUNT(*) FROM awareness_cells WHERE period = '2026Q2' AND area_path = '/1/'").Scan(&groups)
	db.Raw("SELECT answered FROM awareness_answers WHERE period = '2026Q2' AND area_path = '/1/12/' AND fraud_type = 'impersonation'").Scan(&answered)
	db.Raw("SELECT correct FROM awareness_answers WHERE period = '2026Q2' AND area_path = '/1/12/123/1234/' AND fraud_type = 'impersonation'").Scan(&correct)
	db.Raw("SELECT respondents FROM awareness_totals WHERE period = '2026-05' AND area_path = '/1/12/'").Scan(&month)
	db.Raw("SELECT COUNT(*) FROM awareness_first WHERE gen = 0 AND user_id = 7").Scan(&firsts)
	db.Raw("SELECT gen FROM awareness_state WHERE id = 1").Scan(&gen)
	if groups != 2 || answered != 15 || correct != 8 || month != 1 || firsts != 2 || gen != 0 {
		t.Fatalf("after the upgrade: %d city groups, %d county answers, %d community correct, %d county May respondents, %d markers, generation %d; want 2, 15, 8, 1, 2, 0",
			groups, answered, correct, month, firsts, gen)
	}
	if db.Migrator().HasTable("awareness_invalid") {
		t.Fatal("awareness_invalid is still there")
	}
}

// An installation at migration 21 upgrades to 22: the cell, answer and
// total rows give way to the packed rollups, which start empty; every
// counting submitted attempt is pending again and the markers are gone, so
// the folder counts them all afresh (the awareness tests prove a fold and
// a rebuild agree); attempts that do not count stay as they were. The
// markers start afresh in the two tables that take turns by generation.
func TestUpgradeRecountsIntoPackedRollups(t *testing.T) {
	db := openForUpgrade(t)
	ctx := context.Background()
	all := migrateUpTo(t, db, 21)
	exec := func(q string, args ...any) {
		t.Helper()
		if err := db.Exec(q, args...).Error; err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	now := time.Now().UTC()
	exec(`INSERT INTO quizzes (id, title, area_code, area_path, audience, status, starts_at, ends_at, question_count, pass_score, time_limit_s, max_attempts, counts_for_awareness, created_at, updated_at)
  VALUES (1, 'q', '1', '/1/', '{}', 'published', ?, ?, 3, 60, 0, 3, TRUE, ?, ?)`, now, now, now, now)
	for _, a := range []struct {
		id               int64
		status           string
		counting, folded bool
	}{{1, "submitted", true, true}, {2, "submitted", true, false}, {3, "submitted", false, false}, {4, "started", true, false}} {
		exec(`INSERT INTO attempts (id, quiz_id, user_id, attempt_no, status, served, started_at, deadline, submitted_at, counting, tally_pending) VALUES (?, 1, ?, 1, ?, '[]', ?, ?, ?, ?, ?)`,
			a.id, a.id, a.status, now, now, now, a.counting, a.counting && !a.folded && a.status == "submitted")
	}
	exec(`INSERT INTO awareness_totals (gen, period, area_path, respondents, passed, score_tenths, invalid) VALUES (0, '2026Q2', '/1/', 1, 1, 90, 0)`)
	exec(`INSERT INTO awareness_first (gen, period, user_id, attempt_id) VALUES (0, '2026Q2', 1, 1)`)

	migrations = all
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var pending []int64
	db.Raw("SELECT id FROM attempts WHERE tally_pending = TRUE ORDER BY id").Scan(&pending)
	if fmt.Sprint(pending) != "[1 2]" {
		t.Fatalf("pending after the upgrade %v, want [1 2] (the counting submitted attempts)", pending)
	}
	var markers, rollups int64
	db.Raw("SELECT (SELECT COUNT(*) FROM awareness_first_0) + (SELECT COUNT(*) FROM awareness_first_1)").Scan(&markers)
	db.Raw("SELECT COUNT(*) FROM awareness_rollups").Scan(&rollups)
	if markers != 0 || rollups != 0 {
		t.Fatalf("after the upgrade: %d markers, %d rollups; want none (the fold counts afresh)", markers, rollups)
	}
	for _, old := range []string{"awareness_first", "awareness_cells", "awareness_answers", "awareness_totals"} {
		if db.Migrator().HasTable(old) {
			t.Fatalf("%s is still there", old)
		}
	}
}
