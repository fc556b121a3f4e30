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
// sorted, leaving out rows whose counts are all zero (a rebuild that counts
// a resident's earlier attempt instead of a later one can leave them):
// two lists are equal when the figures they make are.
func Counters(t testing.TB, db *gorm.DB) []string {
	t.Helper()
	var st awareness.State
	if err := db.Where("id = 1").Take(&st).Error; err != nil {
		t.Fatal(err)
	}
	var out []string
	out = append(out, rowsOf(t, db, st.Gen, "cell", func(c *awareness.Cell) bool { c.Gen = 0; return c.Respondents != 0 })...)
	out = append(out, rowsOf(t, db, st.Gen, "answers", func(c *awareness.AnswerCell) bool { c.Gen = 0; return c.Answered != 0 })...)
	out = append(out, rowsOf(t, db, st.Gen, "total", func(c *awareness.Total) bool { c.Gen = 0; return c.Respondents != 0 || c.Invalid != 0 })...)
	out = append(out, rowsOf(t, db, st.Gen, "first", func(c *awareness.First) bool { c.Gen = 0; return true })...)
	sort.Strings(out)
	return out
}

// rowsOf prints generation gen's rows of T's table that keep says to keep
// (keep also clears what is not to be compared).
func rowsOf[T any](t testing.TB, db *gorm.DB, gen int64, kind string, keep func(*T) bool) []string {
	t.Helper()
	var rows []T
	if err := db.Where("gen = ?", gen).Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := range rows {
		if keep(&rows[i]) {
			out = append(out, fmt.Sprintf("%s %+v", kind, rows[i]))
		}
	}
	return out
}
