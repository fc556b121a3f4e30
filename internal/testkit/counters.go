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
	var rolls []awareness.Rollup
	if err := db.Where("gen = ?", st.Gen).Find(&rolls).Error; err != nil {
		t.Fatal(err)
	}
	for _, r := range rolls {
		cells, err := awareness.UnpackCells(r.Cells)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cells {
			if c.Respondents != 0 {
				out = append(out, fmt.Sprintf("cell %s %s %+v", r.Period, r.AreaPath, c))
			}
		}
		answers, err := awareness.UnpackAnswers(r.Answers)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range answers {
			if a.Answered != 0 {
				out = append(out, fmt.Sprintf("answers %s %s %+v", r.Period, r.AreaPath, a))
			}
		}
		if r.Respondents != 0 || r.Invalid != 0 {
			out = append(out, fmt.Sprintf("total %s %s %d %d %d %d", r.Period, r.AreaPath, r.Respondents, r.Passed, r.ScoreTenths, r.Invalid))
		}
	}
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
