package awareness

import (
	"testing"
)

// Packed breakdowns read back as written, whatever a code holds: a tab,
// newline or backslash in one is escaped, not taken for a separator; and
// lines come sorted by their codes.
func TestPackedBreakdownsReadBackAsWritten(t *testing.T) {
	tl := newTally(nil)
	odd := "a\tb\\c\nd"
	x := tl.roll(tl.areas.id("/1/"), uint16(tl.words.id("2026Q4")))
	x.cells[pair(tl.words.id("60p"), tl.words.id("retiree"))] = [3]int64{3, 2, 250}
	x.cells[pair(tl.words.id("18_29"), tl.words.id(odd))] = [3]int64{1, 0, -40}
	x.answers[pair(tl.words.id(odd), tl.words.id("60p"))] = [3]int64{12, 7}
	row := tl.row(5, rollKey{0, 1}, x)
	cells, err := UnpackCells(row.Cells)
	if err != nil {
		t.Fatal(err)
	}
	if len(cells) != 2 || cells[0] != (Cell{"18_29", odd, 1, 0, -40}) || cells[1] != (Cell{"60p", "retiree", 3, 2, 250}) {
		t.Fatalf("cells read back as %+v from %q", cells, row.Cells)
	}
	answers, err := UnpackAnswers(row.Answers)
	if err != nil {
		t.Fatal(err)
	}
	if len(answers) != 1 || answers[0] != (AnswerCell{odd, "60p", 12, 7}) {
		t.Fatalf("answers read back as %+v from %q", answers, row.Answers)
	}
	// Merging a stored rollup into deltas adds every count.
	d := newTally(nil)
	y := d.roll(d.areas.id("/1/"), uint16(d.words.id("2026Q4")))
	y.cells[pair(d.words.id("60p"), d.words.id("retiree"))] = [3]int64{1, 1, 100}
	if err := d.merge(y, row); err != nil {
		t.Fatal(err)
	}
	if got := y.cells[pair(d.words.id("60p"), d.words.id("retiree"))]; got != [3]int64{4, 3, 350} {
		t.Fatalf("merged cell %v, want [4 3 350]", got)
	}
	for _, bad := range []string{"60p\tretiree\t1\t2\n", "60p\tretiree\t1\t2\tx\n", "60p\n", "60p\tretiree\t1\t2\t3\t4\n"} {
		if _, err := UnpackCells(bad); err == nil {
			t.Errorf("%q read as cells without an error", bad)
		}
	}
}
