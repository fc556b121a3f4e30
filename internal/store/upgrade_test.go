package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
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

	migrations = all
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
