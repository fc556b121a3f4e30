package store_test

import (
	"context"
	"sort"
	"strings"
	"sync"
	"testing"

	"gorm.io/gorm/schema"

	"wuzha/internal/area"
	"wuzha/internal/assessment"
	"wuzha/internal/audit"
	"wuzha/internal/auth"
	"wuzha/internal/awareness"
	"wuzha/internal/content"
	"wuzha/internal/quiz"
	"wuzha/internal/ratelimit"
	"wuzha/internal/rule"
	"wuzha/internal/session"
	"wuzha/internal/store"
	"wuzha/internal/supervision"
	"wuzha/internal/taxonomy"
	"wuzha/internal/testkit"
	"wuzha/internal/workbench"
)

// models are every stored type; each must match its migrated table exactly.
var models = []any{
	&area.Area{}, &area.Change{}, &taxonomy.Code{},
	&auth.User{}, &auth.Profile{}, &auth.SignIn{}, &auth.RefreshToken{}, &auth.SMSCode{}, &auth.LoginThrottle{}, &auth.PasswordEntry{},
	&audit.Entry{}, &ratelimit.Counter{},
	&content.Warning{}, &content.Version{}, &content.View{}, &content.Ack{},
	&quiz.Question{}, &quiz.QuestionVersion{}, &quiz.Quiz{}, &quiz.Attempt{}, &quiz.AttemptAnswer{},
	&quiz.PrizePool{}, &quiz.Award{}, &session.Session{},
	&awareness.State{}, &awareness.First{}, &awareness.Rollup{},
	&rule.Stored{}, &assessment.Snapshot{}, &assessment.APIKey{},
	&supervision.Item{}, &supervision.Event{}, &supervision.Attachment{}, &supervision.Notice{}, &supervision.Unit{},
	&workbench.Seen{},
}

// modelless are the tables written only by SQL, with the columns they must
// have; every other table must have a model above.
var modelless = map[string][]string{
	"prize_stock":       {"pool_id", "remaining", "slot"},
	"awareness_first_1": {"attempt_id", "gen", "period", "user_id"}, // the odd generations' markers, model awareness.First
	"schema_migrations": nil,                                        // the migrator's own bookkeeping
}

func columnsOf(t *testing.T, db *store.DB, table string) []string {
	t.Helper()
	types, err := db.Migrator().ColumnTypes(table)
	if err != nil {
		t.Fatalf("columns of %s: %v", table, err)
	}
	var out []string
	for _, c := range types {
		out = append(out, c.Name())
	}
	sort.Strings(out)
	return out
}

func checkSchema(t *testing.T, db *store.DB) map[string][]string {
	t.Helper()
	ctx := context.Background()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil { // idempotent
		t.Fatalf("second migrate: %v", err)
	}
	got := map[string][]string{}
	for _, m := range models {
		s, err := schema.Parse(m, &sync.Map{}, db.NamingStrategy)
		if err != nil {
			t.Fatal(err)
		}
		var fields []string
		for _, f := range s.Fields {
			if f.DBName != "" {
				fields = append(fields, f.DBName)
			}
		}
		sort.Strings(fields)
		cols := columnsOf(t, db, s.Table)
		if strings.Join(cols, ",") != strings.Join(fields, ",") {
			t.Errorf("%s (%s): table has %v, model has %v", s.Table, db.Dialect, cols, fields)
		}
		got[s.Table] = cols
	}
	tables, err := db.Migrator().GetTables()
	if err != nil {
		t.Fatal(err)
	}
	for _, table := range tables {
		if strings.HasPrefix(table, "sqlite_") {
			continue
		}
		want, ok := modelless[table]
		if _, modelled := got[table]; modelled {
			continue
		}
		switch {
		case !ok:
			t.Errorf("table %s (%s) has no model in schema_test.go", table, db.Dialect)
		case want != nil:
			cols := columnsOf(t, db, table)
			if strings.Join(cols, ",") != strings.Join(want, ",") {
				t.Errorf("%s (%s): table has %v, want %v", table, db.Dialect, cols, want)
			}
			got[table] = cols
		}
	}
	var versions []int
	db.Raw("SELECT version FROM schema_migrations ORDER BY version").Scan(&versions)
	// Versions may have gaps (parallel branches take numbers ahead).
	if len(versions) == 0 || versions[len(versions)-1] != store.SchemaVersion() {
		t.Errorf("recorded migrations %v, want up to %d", versions, store.SchemaVersion())
	}
	return got
}

// TestMigrationsMatchModels applies the migrations to an empty SQLite and an
// empty MySQL/MariaDB and compares each with the models and with each other.
func TestMigrationsMatchModels(t *testing.T) {
	lite := checkSchema(t, testkit.OpenSQLite(t))
	if testkit.MySQLDSN() == "" {
		t.Log("WUZHA_TEST_MYSQL_DSN not set: compared SQLite only")
		return
	}
	my := checkSchema(t, testkit.OpenMySQL(t))
	for table, cols := range lite {
		if strings.Join(cols, ",") != strings.Join(my[table], ",") {
			t.Errorf("%s differs: sqlite %v, mysql %v", table, cols, my[table])
		}
	}
}

// SQLite with one connection must not fail concurrent writers with "database is locked".
func TestConcurrentWritersOnSQLite(t *testing.T) {
	db := testkit.OpenSQLite(t)
	ctx := context.Background()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 400)
	for g := 0; g < 40; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				errs <- db.Exec("INSERT INTO rate_counters (bucket, hits, expires_at) VALUES (?, 1, CURRENT_TIMESTAMP)", strings.Repeat("x", g+1)+"-"+string(rune('a'+i))).Error
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent insert: %v", err)
		}
	}
	var n int64
	db.Table("rate_counters").Count(&n)
	if n != 400 {
		t.Fatalf("%d rows, want 400", n)
	}
}
