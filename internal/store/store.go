// Package store opens wuzha's database (pure-Go SQLite by default, MySQL or
// MariaDB by DSN), applies the versioned migrations and runs transactions.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/glebarez/sqlite"
	mysqldrv "github.com/go-sql-driver/mysql"
	"gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Dialect names the database family behind a DB.
type Dialect string

const (
	SQLite Dialect = "sqlite"
	MySQL  Dialect = "mysql"
)

// DB is the opened database.
type DB struct {
	*gorm.DB
	Dialect Dialect
	// retries counts transactions Tx ran again (pointer: a DB is copied
	// by value in places, the count stays one).
	retries *atomic.Int64
	// stmts holds the prepared statements of ScanOne, by query (pointer,
	// as retries).
	stmts *sync.Map
}

// Options tune Open; the zero value is the production default.
type Options struct {
	MaxOpen int // MySQL pool size (default 64); SQLite always uses one connection
}

// Open opens dsn: "" or "sqlite://PATH" is SQLite at sqlitePath / PATH;
// "mysql://USER:PASS@tcp(HOST:PORT)/DB?params" is MySQL or MariaDB (the
// go-sql-driver DSN behind the scheme).
//
// SQLite writes are bound by its single writer, so one connection with WAL and
// synchronous=NORMAL beats a pool that fights over the lock (BUSY errors and
// multi-second tails); busy_timeout must come before journal_mode in the DSN.
func Open(dsn, sqlitePath string, opt Options) (*DB, error) {
	cfg := &gorm.Config{
		Logger:                                   logger.Discard,
		NowFunc:                                  func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
		DisableForeignKeyConstraintWhenMigrating: true,
		TranslateError:                           true,
		// Writes that need a transaction say so (DB.Tx); a lone INSERT does
		// not need GORM's implicit BEGIN/COMMIT round trips.
		SkipDefaultTransaction: true,
	}
	switch {
	case dsn == "" || strings.HasPrefix(dsn, "sqlite://"):
		path := sqlitePath
		if dsn != "" {
			path = strings.TrimPrefix(dsn, "sqlite://")
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			return nil, fmt.Errorf("store: create dir for %s: %w", path, err)
		}
		full := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)&_txlock=immediate"
		g, err := gorm.Open(sqlite.Open(full), cfg)
		if err != nil {
			return nil, fmt.Errorf("store: open sqlite %s: %w", path, err)
		}
		sqlDB, err := g.DB()
		if err != nil {
			return nil, err
		}
		sqlDB.SetMaxOpenConns(1)
		sqlDB.SetMaxIdleConns(1)
		sqlDB.SetConnMaxLifetime(0)
		return &DB{DB: g, Dialect: SQLite, retries: new(atomic.Int64), stmts: new(sync.Map)}, nil
	case strings.HasPrefix(dsn, "mysql://"):
		mc, err := mysqldrv.ParseDSN(strings.TrimPrefix(dsn, "mysql://"))
		if err != nil {
			return nil, fmt.Errorf("store: WUZHA_DB_DSN is not a valid mysql DSN: %w", err)
		}
		mc.ParseTime = true
		mc.Loc = time.UTC
		if mc.Params == nil {
			mc.Params = map[string]string{}
		}
		mc.Params["time_zone"] = "'+00:00'"
		mc.Params["sql_mode"] = "'STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ENGINE_SUBSTITUTION'"
		mc.Collation = "utf8mb4_bin"
		// Interpolate arguments client-side (safe with utf8mb4): one round
		// trip per statement instead of prepare, execute and close.
		mc.InterpolateParams = true
		if mc.Timeout == 0 {
			mc.Timeout = 5 * time.Second
		}
		if mc.ReadTimeout == 0 {
			mc.ReadTimeout = 30 * time.Second
		}
		if mc.WriteTimeout == 0 {
			mc.WriteTimeout = 30 * time.Second
		}
		// READ COMMITTED: upserts of counters must not take gap locks that
		// serialize unrelated rows (and TiDB has none to rely on). MySQL 8
		// names the variable transaction_isolation, MariaDB before 11.1
		// tx_isolation.
		var g *gorm.DB
		for _, name := range []string{"transaction_isolation", "tx_isolation"} {
			c := *mc
			c.Params = map[string]string{}
			for k, v := range mc.Params {
				c.Params[k] = v
			}
			c.Params[name] = "'READ-COMMITTED'"
			g, err = gorm.Open(mysql.New(mysql.Config{DSNConfig: &c}), cfg)
			if err == nil {
				break
			}
		}
		if err != nil {
			return nil, fmt.Errorf("store: open mysql: %w", err)
		}
		sqlDB, err := g.DB()
		if err != nil {
			return nil, err
		}
		n := opt.MaxOpen
		if n <= 0 {
			n = 64
		}
		// MaxIdle equal to MaxOpen: a smaller idle pool churns connections under load.
		sqlDB.SetMaxOpenConns(n)
		sqlDB.SetMaxIdleConns(n)
		sqlDB.SetConnMaxLifetime(30 * time.Minute)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
		return &DB{DB: g, Dialect: MySQL, retries: new(atomic.Int64), stmts: new(sync.Map)}, nil
	default:
		return nil, errors.New("store: WUZHA_DB_DSN must be empty (SQLite), sqlite://PATH or mysql://USER:PASS@tcp(HOST:PORT)/DB")
	}
}

// Ping checks that the database answers and, on a Galera node, that the
// node takes queries: a node that is starting, rejoining or cut off from
// the cluster's majority accepts connections but refuses statements with
// error 1047 (wsrep_ready OFF), so an instance on it is not ready.
func (db *DB) Ping(ctx context.Context) error {
	sqlDB, err := db.DB.DB()
	if err != nil {
		return err
	}
	if err := sqlDB.PingContext(ctx); err != nil || db.Dialect != MySQL {
		return err
	}
	// MariaDB reports wsrep_ready OFF when it is no Galera node at all
	// (wsrep_on OFF); MySQL has neither.
	show := func(q string) (string, error) {
		var name, value string
		err := sqlDB.QueryRowContext(ctx, q).Scan(&name, &value)
		if errors.Is(err, sql.ErrNoRows) {
			return "", nil
		}
		return value, err
	}
	on, err := show("SHOW GLOBAL VARIABLES LIKE 'wsrep_on'")
	if err != nil || on != "ON" {
		return err
	}
	ready, err := show("SHOW GLOBAL STATUS LIKE 'wsrep_ready'")
	if err == nil && ready != "ON" {
		err = errors.New("store: Galera node not ready (wsrep_ready " + ready + ")")
	}
	return err
}

// IsUnavailable reports whether err says the database could not be
// reached or would not take the statement right now: the connection was
// refused or broken, or a Galera node is not ready (1047) or shutting down
// (1053). A request that failed so changed nothing it can observe — or, if
// its commit was under way, a retry with the same idempotency key finds
// the stored result — so it is answered 503, to be tried again.
func IsUnavailable(err error) bool {
	var me *mysqldrv.MySQLError
	if errors.As(err, &me) {
		return me.Number == 1047 || me.Number == 1053 || me.Number == 1927
	}
	var ne net.Error
	return errors.Is(err, driver.ErrBadConn) || errors.Is(err, mysqldrv.ErrInvalidConn) || errors.As(err, &ne) || errors.Is(err, syscall.ECONNREFUSED)
}

// ScanOne runs query, one of the few every request sends (whose caller is
// it, which attempt is being answered), as a prepared statement and scans
// its row into dest; sql.ErrNoRows when there is none. Prepared once per
// connection, the query is not parsed again and its row comes back in
// binary: about a quarter less of the server's CPU for such a query than
// sent as text with its arguments interpolated, and a tenth less of ours.
// Keep to constant query strings: each one stays prepared while the pool
// lives.
func (db *DB) ScanOne(ctx context.Context, query string, args []any, dest ...any) error {
	stmt, err := db.prepared(ctx, query)
	if err != nil {
		return err
	}
	return stmt.QueryRowContext(ctx, args...).Scan(dest...)
}

func (db *DB) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := db.stmts.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	sqlDB, err := db.DB.DB()
	if err != nil {
		return nil, err
	}
	// Prepared on one connection; database/sql prepares it again on each
	// other connection the first time that one runs it.
	st, err := sqlDB.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := db.stmts.LoadOrStore(query, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// Close closes the pool.
func (db *DB) Close() error {
	sqlDB, err := db.DB.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// Tx runs fn in one transaction on ctx. Inside fn, use only tx: on SQLite the
// pool has one connection, so touching the outer DB would wait forever.
//
// A transaction the database aborts as a deadlock (MySQL/MariaDB error
// 1213, which is also how a Galera node reports a certification conflict at
// commit, or a transaction brute-force aborted by a replicated one) is
// rolled back whole and fn runs again, up to TxAttempts times with a short
// random pause: the database asks for exactly that ("try restarting
// transaction"). So fn must be safe to run again: everything it does goes
// through tx (which the rollback undoes), and what it leaves behind for the
// caller is set afresh on every run. Side effects that cannot be undone —
// sending an SMS, calling out — belong after Tx returns, never inside fn.
func (db *DB) Tx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	for attempt := 1; ; attempt++ {
		err := db.WithContext(ctx).Transaction(fn)
		if err == nil || !IsRetryable(err) || attempt == TxAttempts {
			return err
		}
		db.retries.Add(1)
		// 1–4 ms, then 2–8 ms, …: enough for the winner to commit.
		pause := time.Duration(attempt) * (time.Millisecond + time.Duration(rand.Int64N(int64(3*time.Millisecond))))
		select {
		case <-ctx.Done():
			return err
		case <-time.After(pause):
		}
	}
}

// TxAttempts bounds how many times Tx runs a transaction that keeps being
// aborted as a deadlock or certification conflict.
const TxAttempts = 5

// TxRetries is how many transactions Tx has run again after a deadlock or
// certification conflict since the DB was opened.
func (db *DB) TxRetries() int64 { return db.retries.Load() }

// IsRetryable reports whether err is the database aborting a transaction
// that may succeed when run again: a deadlock (MySQL/MariaDB 1213, Galera's
// certification conflicts included). SQLite has one writer connection and
// waits for its lock (busy_timeout) instead; a busy error after that wait
// is not worth another.
func IsRetryable(err error) bool {
	var me *mysqldrv.MySQLError
	return errors.As(err, &me) && me.Number == 1213
}

// IsUniqueViolation reports whether err is a duplicate-key error.
func IsUniqueViolation(err error) bool {
	return errors.Is(err, gorm.ErrDuplicatedKey)
}
