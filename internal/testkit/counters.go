package testkit

import (
	"fmt"
	"sort"
	"testing"

	"gorm.io/gorm"

	"wuzha/internal/awareness"
)

// Counters lists the live generation's awareness counter rows (every level
// of the area tree, the markers too) without their generation number,
// sorted: two lists are equal when the figures they make are.
func Counters(t testing.TB, db *gorm.DB) []string {
	t.Helper()
	var st awareness.State
	if err := db.Where("id = 1").Take(&st).Error; err != nil {
		t.Fatal(err)
	}
	var out []string
	out = append(out, rowsOf[awareness.Cell](t, db, st.Gen, "cell", func(c *awareness.Cell) { c.Gen = 0 })...)
	out = append(out, rowsOf[awareness.AnswerCell](t, db, st.Gen, "answers", func(c *awareness.AnswerCell) { c.Gen = 0 })...)
	out = append(out, rowsOf[awareness.Total](t, db, st.Gen, "total", func(c *awareness.Total) { c.Gen = 0 })...)
	out = append(out, rowsOf[awareness.First](t, db, st.Gen, "first", func(c *awareness.First) { c.Gen = 0 })...)
	sort.Strings(out)
	return out
}

// rowsOf prints generation gen's rows of T's table, each after clear.
func rowsOf[T any](t testing.TB, db *gorm.DB, gen int64, kind string, clear func(*T)) []string {
	t.Helper()
	var rows []T
	if err := db.Where("gen = ?", gen).Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(rows))
	for i := range rows {
		clear(&rows[i])
		out[i] = fmt.Sprintf("%s %+v", kind, rows[i])
	}
	return out
}
