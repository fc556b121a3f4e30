package api_test

import (
	"bytes"
	"strconv"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"wuzha/internal/auth"
	"wuzha/internal/awareness"
	"wuzha/internal/testkit"
)

// openBook reads an exported XLSX back as Excel would.
func openBook(t *testing.T, r testkit.Resp) *excelize.File {
	t.Helper()
	testkit.Want(t, r, 200)
	book, err := excelize.OpenReader(bytes.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { book.Close() })
	return book
}

// wantCell asserts a cell's type and (formatted) value.
func wantCell(t *testing.T, book *excelize.File, sheetName, cell string, want excelize.CellType, value string) {
	t.Helper()
	typ, err := book.GetCellType(sheetName, cell)
	if err != nil {
		t.Fatal(err)
	}
	// excelize reports a plain number written without a type attribute as
	// unset; the XML then holds a bare <v>, which Excel reads as a number.
	if want == excelize.CellTypeNumber && typ == excelize.CellTypeUnset {
		typ = excelize.CellTypeNumber
	}
	if typ != want {
		t.Fatalf("%s!%s has type %v, want %v", sheetName, cell, typ, want)
	}
	if value != "" {
		if got, _ := book.GetCellValue(sheetName, cell); got != value {
			t.Fatalf("%s!%s reads %q, want %q", sheetName, cell, got, value)
		}
	}
}

// Counts, rates and scores in every XLSX export are numbers Excel can sum
// and sort; names and codes stay text.
func TestXLSXExportsWriteNumbers(t *testing.T) {
	e := testkit.NewEnv(t)
	f := newQuizFixture(t, e, nil)
	f.take(t, "13100000001", "330802001001001", f.allRight()) // 府山: pass
	f.take(t, "13100000002", "330802001001002", nil)          // 府山: fail
	admin := e.Staff("kc_admin", auth.Admin, "330802")

	t.Run("assessment", func(t *testing.T) {
		book := openBook(t, e.Call("GET", "/api/v1/assessment/"+awareness.CurrentQuarter(time.Now())+"/330802/export?format=xlsx", admin, nil))
		rows, _ := book.GetRows("考核结果")
		line := 0
		for i, r := range rows {
			if len(r) > 0 && r[0] == "330802001" {
				line = i + 1
			}
		}
		if line == 0 {
			t.Fatalf("no row for 府山街道: %v", rows)
		}
		cell := func(col string) string { return col + strconv.Itoa(line) }
		wantCell(t, book, "考核结果", cell("A"), excelize.CellTypeSharedString, "330802001") // code stays text
		wantCell(t, book, "考核结果", cell("C"), excelize.CellTypeNumber, "2")               // respondents
		wantCell(t, book, "考核结果", cell("D"), excelize.CellTypeNumber, "1")               // passed
		wantCell(t, book, "考核结果", cell("E"), excelize.CellTypeNumber, "50.0%")           // rate, shown as percent
		wantCell(t, book, "考核结果", cell("H"), excelize.CellTypeNumber, "")                // coverage
		wantCell(t, book, "考核结果", cell("I"), excelize.CellTypeNumber, "")                // score
		wantCell(t, book, "考核结果", cell("J"), excelize.CellTypeNumber, "")                // rank
		raw, _ := book.GetCellValue("考核结果", cell("E"), excelize.Options{RawCellValue: true})
		if raw != "0.5" {
			t.Fatalf("the rate's stored value is %q, want 0.5", raw)
		}
		wantCell(t, book, "说明", "B5", excelize.CellTypeNumber, "0.9") // target rate
		wantCell(t, book, "说明", "B7", excelize.CellTypeNumber, "30")  // minimum sample
	})

	t.Run("questions", func(t *testing.T) {
		ed := e.Staff("kc_ed", auth.Editor, "330802")
		book := openBook(t, e.Call("GET", "/api/v1/questions/export?format=xlsx", ed, nil))
		rows, _ := book.GetRows("Sheet1")
		if len(rows) < 2 {
			t.Fatalf("question export has %d rows", len(rows))
		}
		col := -1
		for i, h := range rows[0] {
			if h == "difficulty" {
				col = i
			}
		}
		if col < 0 {
			t.Fatalf("no difficulty column in %v", rows[0])
		}
		name, _ := excelize.CoordinatesToCellName(col+1, 2)
		wantCell(t, book, "Sheet1", name, excelize.CellTypeNumber, "")
		wantCell(t, book, "Sheet1", "B2", excelize.CellTypeSharedString, "") // the stem stays text
	})
}
