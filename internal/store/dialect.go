package store

import (
	"strings"

	"gorm.io/gorm"
)

// DialectOf names the database family behind tx (a transaction or session
// of a DB).
func DialectOf(tx *gorm.DB) Dialect {
	if tx.Dialector.Name() == "mysql" {
		return MySQL
	}
	return SQLite
}

// Excluded names the value an upsert tried to insert into col: VALUES(col)
// on MySQL, excluded.col on SQLite.
func (d Dialect) Excluded(col string) string {
	if d == MySQL {
		return "VALUES(" + col + ")"
	}
	return "excluded." + col
}

// ByPrimaryKey names table for a query that must read it by primary key.
// MySQL's optimizer, misled by statistics not yet caught up with a fast
// growing table, would otherwise scan it whole; SQLite plans it right.
func (d Dialect) ByPrimaryKey(table string) string {
	if d == MySQL {
		return table + " FORCE INDEX (PRIMARY)"
	}
	return table
}

// UpsertChunk is how many rows one AddUpsert statement carries.
const UpsertChunk = 200

// AddUpsert inserts rows into table, adding the sums columns to those of a
// row with the same key already there: a multi-row INSERT … ON DUPLICATE
// KEY UPDATE on MySQL, INSERT … ON CONFLICT DO UPDATE on SQLite, UpsertChunk
// rows per statement. values lists a row's key then sums columns; rows go
// in the order given (callers sort them by key, so that concurrent writers
// lock rows in the same order).
func AddUpsert[T any](tx *gorm.DB, table string, key, sums []string, rows []*T, values func(*T) []any) error {
	return upsert(tx, table, key, sums, rows, values, func(d Dialect, c string) string { return c + " = " + table + "." + c + " + " + d.Excluded(c) })
}

// upsert is AddUpsert and SetUpsert: assign says how a column of a row
// already there takes the new value.
func upsert[T any](tx *gorm.DB, table string, key, cols2 []string, rows []*T, values func(*T) []any, assign func(Dialect, string) string) error {
	d := DialectOf(tx)
	cols := append(append([]string{}, key...), cols2...)
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	var set []string
	for _, c := range cols2 {
		set = append(set, assign(d, c))
	}
	conflict := " ON CONFLICT (" + strings.Join(key, ", ") + ") DO UPDATE SET "
	if d == MySQL {
		conflict = " ON DUPLICATE KEY UPDATE "
	}
	for i := 0; i < len(rows); i += UpsertChunk {
		chunk := rows[i:min(i+UpsertChunk, len(rows))]
		args := make([]any, 0, len(chunk)*len(cols))
		for _, r := range chunk {
			args = append(args, values(r)...)
		}
		q := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES " +
			strings.TrimSuffix(strings.Repeat(one+", ", len(chunk)), ", ") + conflict + strings.Join(set, ", ")
		if err := tx.Exec(q, args...).Error; err != nil {
			return err
		}
	}
	return nil
}

// SetUpsert inserts rows into table, replacing the set columns of a row
// with the same key already there with the new values: like AddUpsert,
// for a caller that read the rows under a lock and writes them back whole.
func SetUpsert[T any](tx *gorm.DB, table string, key, set []string, rows []*T, values func(*T) []any) error {
	return upsert(tx, table, key, set, rows, values, func(d Dialect, c string) string { return c + " = " + d.Excluded(c) })
}
