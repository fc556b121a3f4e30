package store_test

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync"
	"testing"

	mysqldrv "github.com/go-sql-driver/mysql"
	"gorm.io/gorm"

	"wuzha/internal/store"
	"wuzha/internal/testkit"
)

// A transaction aborted as a deadlock runs again from the start, and only
// the run that commits leaves rows behind; other errors are not retried.
func TestTxRetriesDeadlocks(t *testing.T) {
	for name, open := range map[string]func(testing.TB) *store.DB{"sqlite": testkit.OpenSQLite, "mysql": testkit.OpenMySQL} {
		t.Run(name, func(t *testing.T) {
			db := open(t)
			ctx := context.Background()
			if err := db.Exec("CREATE TABLE tx_probe (id INTEGER PRIMARY KEY, run INTEGER NOT NULL)").Error; err != nil {
				t.Fatal(err)
			}
			// The database's own words for a deadlock, wrapped as our
			// services wrap errors: twice, then the closure succeeds.
			runs := 0
			err := db.Tx(ctx, func(tx *gorm.DB) error {
				runs++
				if err := tx.Exec("INSERT INTO tx_probe (id, run) VALUES (?, ?)", runs, runs).Error; err != nil {
					return err
				}
				if runs < 3 {
					return fmt.Errorf("quiz: submit: %w", &mysqldrv.MySQLError{Number: 1213, Message: "Deadlock found when trying to get lock; try restarting transaction"})
				}
				return nil
			})
			if err != nil || runs != 3 {
				t.Fatalf("err %v after %d runs; want success on the third", err, runs)
			}
			var rows []struct{ ID, Run int }
			db.Raw("SELECT id, run FROM tx_probe").Scan(&rows)
			if len(rows) != 1 || rows[0].Run != 3 {
				t.Fatalf("rows %+v: want only the third run's", rows)
			}
			if db.TxRetries() != 2 {
				t.Fatalf("TxRetries %d, want 2", db.TxRetries())
			}

			// Bounded: a closure that always deadlocks gives up after TxAttempts.
			runs = 0
			err = db.Tx(ctx, func(tx *gorm.DB) error {
				runs++
				return &mysqldrv.MySQLError{Number: 1213}
			})
			if !store.IsRetryable(err) || runs != store.TxAttempts {
				t.Fatalf("always deadlocked: err %v after %d runs, want %d", err, runs, store.TxAttempts)
			}
			// Any other error is final.
			runs = 0
			boom := errors.New("boom")
			if err := db.Tx(ctx, func(tx *gorm.DB) error { runs++; return boom }); !errors.Is(err, boom) || runs != 1 {
				t.Fatalf("plain error: %v after %d runs", err, runs)
			}
		})
	}
}

// A real deadlock on MySQL/MariaDB: two transactions update two rows in
// opposite orders; InnoDB aborts one (error 1213), Tx runs it again, and
// both end up committed.
func TestTxRetriesRealDeadlock(t *testing.T) {
	db := testkit.OpenMySQL(t)
	ctx := context.Background()
	if err := db.Exec("CREATE TABLE tx_accounts (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL) ENGINE=InnoDB").Error; err != nil {
		t.Fatal(err)
	}
	db.Exec("INSERT INTO tx_accounts VALUES (1, 100), (2, 100)")
	retries0 := db.TxRetries()
	var both sync.WaitGroup
	both.Add(2)
	// Each transaction locks its first row, then waits for the other to
	// lock its own before reaching for it: a deadlock every time, until
	// one runs again alone.
	var first sync.WaitGroup
	first.Add(2)
	var once [2]sync.Once
	runs := [2]int{}
	errs := make([]error, 2)
	for i, order := range [][2]int{{1, 2}, {2, 1}} {
		go func() {
			defer both.Done()
			errs[i] = db.Tx(ctx, func(tx *gorm.DB) error {
				runs[i]++
				if err := tx.Exec("UPDATE tx_accounts SET balance = balance - 10 WHERE id = ?", order[0]).Error; err != nil {
					once[i].Do(first.Done)
					return err
				}
				once[i].Do(func() { first.Done(); first.Wait() })
				return tx.Exec("UPDATE tx_accounts SET balance = balance + 10 WHERE id = ?", order[1]).Error
			})
		}()
	}
	both.Wait()
	if errs[0] != nil || errs[1] != nil {
		t.Fatalf("errors %v", errs)
	}
	if runs[0]+runs[1] < 3 || db.TxRetries()-retries0 < 1 {
		t.Fatalf("runs %v, retries %d: the deadlock did not happen or was not retried", runs, db.TxRetries()-retries0)
	}
	var sum, one int
	db.Raw("SELECT SUM(balance) FROM tx_accounts").Scan(&sum)
	db.Raw("SELECT balance FROM tx_accounts WHERE id = 1").Scan(&one)
	if sum != 200 || one != 100 {
		t.Fatalf("balances: sum %d, account 1 %d; want 200 and 100 (both transfers applied once)", sum, one)
	}
}

// Errors that mean "the database is not there right now" are told apart
// from the rest: the API answers them 503 so clients try again.
func TestIsUnavailable(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{&mysqldrv.MySQLError{Number: 1047, Message: "WSREP has not yet prepared node for application use"}, true},
		{fmt.Errorf("auth: authenticate: %w", &mysqldrv.MySQLError{Number: 1053}), true},
		{fmt.Errorf("quiz: %w", driver.ErrBadConn), true},
		{&mysqldrv.MySQLError{Number: 1213}, false},
		{&mysqldrv.MySQLError{Number: 1062}, false},
		{errors.New("boom"), false},
	} {
		if got := store.IsUnavailable(tc.err); got != tc.want {
			t.Errorf("IsUnavailable(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
	// A server that is not listening: refused, hence unavailable.
	db, err := store.Open("mysql://root@tcp(127.0.0.1:1)/none", "", store.Options{MaxOpen: 1})
	if err == nil {
		err = db.Ping(context.Background())
		db.Close()
	}
	if err == nil || !store.IsUnavailable(err) {
		t.Fatalf("a closed port: %v, want an unavailable error", err)
	}
}

// Ping says a plain MariaDB/MySQL server (no Galera) is ready.
func TestPingPlainServer(t *testing.T) {
	db := testkit.OpenMySQL(t)
	if err := db.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
}
