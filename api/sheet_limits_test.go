package api_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"wuzha/internal/auth"
	"wuzha/internal/testkit"
)

// xlsx builds a minimal one-sheet workbook with inline strings: the header,
// then n rows made by row(i). Identical rows compress about 1000:1.
func xlsx(t *testing.T, header []string, n int, row func(i int) []string) []byte {
	t.Helper()
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	put := func(name, body string) {
		w, err := z.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(body))
	}
	put("[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`)
	put("_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`)
	put("xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`)
	put("xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`)
	w, err := z.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`))
	w.Write([]byte(rowXML(header)))
	// Rows go out in blocks: a test under -race spends minutes on millions
	// of small writes into the compressor otherwise.
	var block bytes.Buffer
	for i := 0; i < n; i++ {
		block.WriteString(rowXML(row(i)))
		if block.Len() > 1<<20 || i == n-1 {
			w.Write(block.Bytes())
			block.Reset()
		}
	}
	w.Write([]byte(`</sheetData></worksheet>`))
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func rowXML(vals []string) string {
	var b strings.Builder
	b.WriteString("<row>")
	for _, v := range vals {
		b.WriteString(`<c t="inlineStr"><is><t>` + v + `</t></is></c>`)
	}
	b.WriteString("</row>")
	return b.String()
}

// allocated runs f and says how many bytes it allocated and how long it took.
func allocated(f func()) (uint64, time.Duration) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	f()
	took := time.Since(start)
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc, took
}

// TestSpreadsheetImportLimits: an XLSX import stops at the row limit, an XLSX
// that unpacks to too much is refused before it is read, and a refusal names
// at most 50 bad rows. Before, XLSX had no row limit: 2.5 million rows in a
// 2 MB file took half a minute and gigabytes, and the refusal listed them all.
func TestSpreadsheetImportLimits(t *testing.T) {
	e := testkit.NewEnv(t)
	admin := e.Staff("limits_admin", auth.Admin, "330800")
	editor := e.Staff("limits_editor", auth.Editor, "330802")
	areaHeader := []string{"code", "name", "parent_code", "level", "population"}
	questionHeader := []string{"kind", "stem", "option_a", "option_b", "answer", "explanation", "fraud_type"}

	cases := []struct {
		name, path, token string
		file              []byte
		code              string
		maxAlloc          uint64
	}{
		{"areas: 2.5 million rows in a small file", "/api/v1/areas/import", admin,
			xlsx(t, areaHeader, 2_500_000, func(int) []string { return []string{"x"} }), "sheet_too_large", 50 << 20},
		{"areas: one row past 50,000", "/api/v1/areas/import", admin,
			xlsx(t, areaHeader, 50_001, func(i int) []string {
				return []string{fmt.Sprintf("3308029%05d", i), "社区", "330802", "community", "100"}
			}), "too_many_rows", 1 << 30},
		{"questions: one row past 10,000", "/api/v1/questions/import", editor,
			xlsx(t, questionHeader, 10_001, func(i int) []string {
				return []string{"single", "题干内容", "甲", "乙", "A", "解析内容", "x"}
			}), "too_many_rows", 400 << 20},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var r testkit.Resp
			alloc, took := allocated(func() { r = uploadTo(t, e, tc.path, tc.token, "big.xlsx", tc.file) })
			t.Logf("%d KB file: %d MB allocated, %v", len(tc.file)>>10, alloc>>20, took)
			testkit.Want(t, r, 422, tc.code)
			if alloc > tc.maxAlloc {
				t.Errorf("refusal allocated %d MB, want under %d MB", alloc>>20, tc.maxAlloc>>20)
			}
		})
	}
	t.Run("within the limit imports", func(t *testing.T) {
		file := xlsx(t, areaHeader, 3, func(i int) []string {
			return []string{fmt.Sprintf("33080299%d", i), "新街道", "330802", "town", ""}
		})
		testkit.Want(t, uploadTo(t, e, "/api/v1/areas/import", admin, "ok.xlsx", file), 200)
		testkit.Want(t, e.Call("GET", "/api/v1/areas/330802992", "", nil), 200)
	})
	t.Run("a refusal names at most 50 bad rows and counts them all", func(t *testing.T) {
		var csv strings.Builder
		csv.WriteString("code,name,parent_code,level,population\n")
		for i := 0; i < 300; i++ {
			fmt.Fprintf(&csv, "bad%d,名称,330802,town,\n", i)
		}
		for _, path := range []string{"/api/v1/areas/import"} {
			r := uploadTo(t, e, path, admin, "bad.csv", []byte(csv.String()))
			testkit.Want(t, r, 422, "import_invalid")
			var p struct {
				Detail string
				Errors []struct{ Row int }
			}
			r.JSON(t, &p)
			if len(p.Errors) != 50 || p.Errors[0].Row != 2 || !strings.Contains(p.Detail, "共 300 行") {
				t.Fatalf("%d errors, detail %q", len(p.Errors), p.Detail)
			}
		}
		var q strings.Builder
		q.WriteString(strings.Join(questionHeader, ",") + "\n")
		for i := 0; i < 120; i++ {
			q.WriteString("single,短,甲,乙,Z,解析内容,x\n")
		}
		r := uploadTo(t, e, "/api/v1/questions/import", editor, "bad.csv", []byte(q.String()))
		testkit.Want(t, r, 422, "import_invalid")
		var p struct {
			Detail string
			Errors []struct{ Row int }
		}
		r.JSON(t, &p)
		if len(p.Errors) != 50 || !strings.Contains(p.Detail, "共 120 行") {
			t.Fatalf("%d errors, detail %q", len(p.Errors), p.Detail)
		}
	})
}
