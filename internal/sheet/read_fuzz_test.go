package sheet

import (
	"bytes"
	"encoding/csv"
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"wuzha/internal/fault"
	"wuzha/internal/text"
)

// readErrorOK: Read fails only with ErrUnreadable or a 422 domain fault.
func readErrorOK(t *testing.T, err error) {
	t.Helper()
	if errors.Is(err, ErrUnreadable) {
		return
	}
	if fe, ok := fault.As(err); ok && fe.Kind == fault.Invalid && len(fe.Fields) <= MaxReportedRows {
		return
	}
	t.Fatalf("error %T %v is neither ErrUnreadable nor a bounded 422 fault", err, err)
}

// FuzzReadCSV: any bytes as a CSV give rows within the limit, every cell
// clean valid UTF-8, or a domain error — never a panic.
func FuzzReadCSV(f *testing.F) {
	for _, s := range []string{"code,name\n1,甲\n", "\xEF\xBB\xBFa,b\n\"x\"\"y\",z\n", "a\n\"unterminated", "a\x00b\n", "\xff\xfe", "a,\u202e\n", strings.Repeat("x\n", 12)} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := Read("f.csv", data, Options{MaxRows: 10})
		if err != nil {
			readErrorOK(t, err)
			return
		}
		if len(rows) > 11 {
			t.Fatalf("%d rows past the limit", len(rows))
		}
		for _, r := range rows {
			for _, c := range r {
				if !utf8.ValidString(c) || !text.Clean(c) {
					t.Fatalf("cell %q passed", c)
				}
			}
		}
	})
}

// FuzzCSVRoundTrip: rows written as CSV read back as the same rows.
func FuzzCSVRoundTrip(f *testing.F) {
	f.Add("code", "名称, 带逗号", "\"引号\"", 3)
	f.Add("", "a\nb", " lead", 1)
	f.Fuzz(func(t *testing.T, a, b, c string, n int) {
		n = 1 + abs(n)%20
		var want [][]string
		for i := 0; i < n; i++ {
			want = append(want, []string{a, b, c})
		}
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		w.WriteAll(want)
		rows, err := Read("f.csv", buf.Bytes(), Options{MaxRows: 20})
		clean := !strings.HasPrefix(a, "\uFEFF") && !strings.ContainsRune(a+b+c, '\r')
		for _, cell := range []string{a, b, c} {
			clean = clean && utf8.ValidString(cell) && text.Clean(cell)
		}
		if !clean || a+b+c == "" {
			return // CSV itself normalises CR and a leading BOM; an empty line is no record
		}
		if err != nil {
			t.Fatalf("%q: %v", want, err)
		}
		if !reflect.DeepEqual(rows, want) {
			t.Fatalf("wrote %q, read %q", want, rows)
		}
	})
}

func abs(n int) int {
	if n < 0 {
		return -(n + 1)
	}
	return n
}

// FuzzReadXLSX: any bytes named .xlsx are read within the limits or refused
// with a domain error; a real workbook's cells come back as written.
func FuzzReadXLSX(f *testing.F) {
	x := excelize.NewFile()
	x.SetSheetRow("Sheet1", "A1", &[]any{"code", "name"})
	x.SetSheetRow("Sheet1", "A2", &[]any{"330802", "柯城区"})
	var buf bytes.Buffer
	x.Write(&buf)
	f.Add(buf.Bytes(), "code", "名称")
	f.Add([]byte("PK\x03\x04not really a zip"), "a", "b")
	f.Add([]byte{}, "", "x")
	f.Fuzz(func(t *testing.T, data []byte, a, b string) {
		rows, err := Read("f.xlsx", data, Options{MaxRows: 10})
		if err != nil {
			readErrorOK(t, err)
		} else if len(rows) > 11 {
			t.Fatalf("%d rows past the limit", len(rows))
		}
		if !utf8.ValidString(a) || !utf8.ValidString(b) || !text.Clean(a+b) || strings.ContainsRune(a+b, '\r') || strings.TrimSpace(a+b) == "" || len(a) > 1000 || len(b) > 1000 {
			return
		}
		w := excelize.NewFile()
		defer w.Close()
		if err := w.SetSheetRow("Sheet1", "A1", &[]any{a, b}); err != nil {
			return // excelize refuses some strings (too long, invalid XML chars)
		}
		var out bytes.Buffer
		if err := w.Write(&out); err != nil {
			return
		}
		rows, err = Read("f.xlsx", out.Bytes(), Options{MaxRows: 10})
		if err != nil {
			t.Fatalf("workbook of %q, %q: %v", a, b, err)
		}
		want := []string{a, b}
		if b == "" {
			want = []string{a}
		}
		if len(rows) != 1 || !reflect.DeepEqual(rows[0], want) {
			t.Fatalf("wrote %q, read %q", want, rows)
		}
	})
}
