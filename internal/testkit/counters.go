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
	var cells []awareness.Cell
	var answers []awareness.AnswerCell
	var totals []awareness.Total
	var firsts []awareness.First
	for _, rows := range []any{&cells, &answers, &totals, &firsts} {
		if err := db.Where("gen = ?", st.Gen).Find(rows).Error; err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range cells {
		c.Gen = 0
		out = append(out, fmt.Sprintf("cell %+v", c))
	}
	for _, a := range answers {
		a.Gen = 0
		out = append(out, fmt.Sprintf("answers %+v", a))
	}
	for _, x := range totals {
		x.Gen = 0
		out = append(out, fmt.Sprintf("total %+v", x))
	}
	for _, f := range firsts {
		f.Gen = 0
		out = append(out, fmt.Sprintf("first %+v", f))
	}
	sort.Strings(out)
	return out
}
