package sheet

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/xuri/excelize/v2"
)

// What an export writes, an import (or Excel) reads back cell for cell.
func TestWriteReadsBack(t *testing.T) {
	rows := [][]string{{"代码", "名称", "人口"}, {"330802", SafeCell("=HYPERLINK(\"x\")"), "1200"}, {"330803", "", "甲,乙 \"丙\""}}
	t.Run("csv", func(t *testing.T) {
		b, err := CSV(append(rows, nil, []string{"说明", "末行"}))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(b, []byte("\xEF\xBB\xBF代码,名称,人口\n")) {
			t.Fatalf("csv starts %q, want a byte-order mark then the header", b[:20])
		}
		if !bytes.Contains(b, []byte("1200\n330803,,\"甲,乙 \"\"丙\"\"\"\n\n说明,末行\n")) {
			t.Fatalf("csv %q: quoting or the empty line between rows and notes is wrong", b)
		}
		got, err := Read("x.csv", b, Options{MaxRows: 10})
		if err != nil {
			t.Fatal(err)
		}
		if want := append(rows, []string{"说明", "末行"}); !reflect.DeepEqual(got, want) {
			t.Fatalf("read back %q, want %q", got, want)
		}
	})
	t.Run("xlsx", func(t *testing.T) {
		b, err := XLSX(Page{Name: "结果", Rows: Text(rows)}, Page{Name: "说明", Rows: [][]any{{"方法", "Wilson"}}})
		if err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if names := f.GetSheetList(); !reflect.DeepEqual(names, []string{"结果", "说明"}) {
			t.Fatalf("sheets %v", names)
		}
		got, err := Read("x.xlsx", b, Options{MaxRows: 10})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, rows) {
			t.Fatalf("read back %q, want %q", got, rows)
		}
		notes, _ := f.GetRows("说明")
		if !reflect.DeepEqual(notes, [][]string{{"方法", "Wilson"}}) {
			t.Fatalf("second sheet %q", notes)
		}
	})
}
