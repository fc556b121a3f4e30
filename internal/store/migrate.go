package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// migration is one versioned, append-only schema step. Statements are written
// once in the SQL both databases share; the few words that differ are
// placeholders filled per dialect (see placeholders).
type migration struct {
	version int
	name    string
	sql     string
}

// placeholders maps the dialect-specific words used in migrations.
var placeholders = map[Dialect]*strings.Replacer{
	SQLite: strings.NewReplacer(
		"{{id}}", "INTEGER PRIMARY KEY AUTOINCREMENT",
		"{{ts}}", "DATETIME",
		"{{longtext}}", "TEXT",
		"{{table}}", "",
	),
	MySQL: strings.NewReplacer(
		"{{id}}", "BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY",
		"{{ts}}", "DATETIME(6)",
		"{{longtext}}", "MEDIUMTEXT",
		"{{table}}", " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
	),
}

// Migrate applies every migration not yet recorded in schema_migrations, each
// in its own step, and records it. Concurrent starters are serialized by a
// named lock on MySQL; SQLite's single writer serializes them there.
func (db *DB) Migrate(ctx context.Context) error {
	return db.WithContext(ctx).Connection(func(conn *gorm.DB) error {
		if db.Dialect == MySQL {
			var got sql.NullInt64
			if err := conn.Raw("SELECT GET_LOCK('wuzha_migrate', 60)").Scan(&got).Error; err != nil {
				return fmt.Errorf("store: migration lock: %w", err)
			}
			if !got.Valid || got.Int64 != 1 {
				return errors.New("store: another instance holds the migration lock for over 60s")
			}
			defer conn.Exec("SELECT RELEASE_LOCK('wuzha_migrate')")
		}
		r := placeholders[db.Dialect]
		if err := conn.Exec(r.Replace("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER NOT NULL PRIMARY KEY, name VARCHAR(200) NOT NULL, applied_at {{ts}} NOT NULL){{table}}")).Error; err != nil {
			return fmt.Errorf("store: create schema_migrations: %w", err)
		}
		var applied []int
		if err := conn.Raw("SELECT version FROM schema_migrations").Scan(&applied).Error; err != nil {
			return fmt.Errorf("store: read schema_migrations: %w", err)
		}
		done := map[int]bool{}
		for _, v := range applied {
			done[v] = true
		}
		for _, m := range migrations {
			if done[m.version] {
				continue
			}
			// MySQL commits DDL implicitly, so a transaction would not make a
			// step atomic there; statements are written to be re-runnable
			// instead (IF NOT EXISTS) where it matters.
			for _, stmt := range splitStatements(r.Replace(m.sql)) {
				if err := conn.Exec(stmt).Error; err != nil {
					return fmt.Errorf("store: migration %d %s: %w\n%s", m.version, m.name, err, stmt)
				}
			}
			if err := conn.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", m.version, m.name, time.Now().UTC()).Error; err != nil {
				return fmt.Errorf("store: record migration %d: %w", m.version, err)
			}
		}
		return nil
	})
}

// SchemaVersion is the newest migration this binary knows.
func SchemaVersion() int { return migrations[len(migrations)-1].version }

func splitStatements(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ";\n") {
		if p := strings.TrimSpace(part); p != "" {
			out = append(out, strings.TrimSuffix(p, ";"))
		}
	}
	return out
}
