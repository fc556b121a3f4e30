package sheet

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"wuzha/internal/fault"
	"wuzha/internal/text"
)

// ErrUnreadable is returned for a file that is not a readable UTF-8 CSV or
// XLSX; the caller says what it expected.
var ErrUnreadable = errors.New("sheet: not a readable CSV or XLSX")

// MaxUnzipped bounds what an XLSX may unpack to, all its parts together.
// A sheet of 50,000 rows of a few short columns unpacks to some 20 MB.
const MaxUnzipped = 64 << 20

// maxInMemoryXML is the largest worksheet or shared-string part excelize
// keeps in memory; a larger one is unpacked to a temporary file and streamed.
const maxInMemoryXML = 16 << 20

// TooManyRows is the refusal of a sheet with more than limit data rows.
func TooManyRows(limit int) *fault.Error {
	return fault.New(fault.Invalid, "too_many_rows", fmt.Sprintf("文件超过 %d 行数据的上限，请拆分后分批导入", limit))
}

// ErrTooLarge refuses an XLSX that would unpack to more than MaxUnzipped.
var ErrTooLarge = fault.New(fault.Invalid, "sheet_too_large", fmt.Sprintf("XLSX 文件解压后超过 %d MB，请拆分后分批导入", MaxUnzipped>>20))

// Options say how Read reads.
type Options struct {
	MaxRows          int  // data rows, the header not counted; more is TooManyRows
	TrimLeadingSpace bool // CSV: ignore spaces before a field
}

// Read returns the rows of a CSV (UTF-8, optional BOM) or — for a name
// ending in .xlsx — of an XLSX's first sheet, header first. It reads row by
// row and stops as soon as there are more than o.MaxRows data rows, so the
// cost of a refusal does not grow with the file.
//
// A cell with a control or bidi character (text.Clean) refuses the file with
// invalid_characters, naming the rows.
func Read(name string, data []byte, o Options) ([][]string, error) {
	read := readCSV
	if strings.HasSuffix(strings.ToLower(name), ".xlsx") {
		read = readXLSX
	}
	rows, err := read(data, o)
	if err != nil {
		return nil, err
	}
	var bad []fault.Field
	for i, rec := range rows {
		for _, cell := range rec {
			if !text.Clean(cell) {
				bad = append(bad, fault.Field{Row: i + 1, Message: text.Message})
				break
			}
		}
	}
	if len(bad) > 0 {
		return nil, BadRows("invalid_characters", "导入文件的文字"+text.Message, bad)
	}
	return rows, nil
}

func readCSV(data []byte, o Options) ([][]string, error) {
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	if !utf8.Valid(data) {
		return nil, ErrUnreadable
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = o.TrimLeadingSpace
	r.ReuseRecord = false
	var out [][]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, ErrUnreadable
		}
		if len(out) > o.MaxRows {
			return nil, TooManyRows(o.MaxRows)
		}
		out = append(out, rec)
	}
}

func readXLSX(data []byte, o Options) (out [][]string, err error) {
	// The sizes a zip declares are what it unpacks to (archive/zip fails a
	// part that inflates past its declared size), so they bound the work.
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, ErrUnreadable
	}
	var total uint64
	for _, f := range zr.File {
		total += f.UncompressedSize64
		if total > MaxUnzipped {
			return nil, ErrTooLarge
		}
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: MaxUnzipped, UnzipXMLSizeLimit: maxInMemoryXML})
	if err != nil {
		return nil, ErrUnreadable
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, ErrUnreadable
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		return nil, ErrUnreadable
	}
	defer rows.Close()
	// Empty rows (formatting only) count, and are kept to keep line numbers,
	// only when a row with content follows them.
	empty := 0
	for rows.Next() {
		rec, err := rows.Columns()
		if err != nil {
			return nil, ErrUnreadable
		}
		if strings.TrimSpace(strings.Join(rec, "")) == "" {
			empty++
			continue
		}
		if len(out)+empty > o.MaxRows {
			return nil, TooManyRows(o.MaxRows)
		}
		for ; empty > 0; empty-- {
			out = append(out, nil)
		}
		out = append(out, rec)
	}
	if rows.Error() != nil {
		return nil, ErrUnreadable
	}
	return out, nil
}

// MaxReportedRows is how many bad rows a refused import names; the message
// gives the total.
const MaxReportedRows = 50

// BadRows is the refusal of an import with bad rows: the first
// MaxReportedRows of them in detail, and how many there are in all.
func BadRows(code, message string, bad []fault.Field) *fault.Error {
	rows := map[int]bool{}
	for _, f := range bad {
		rows[f.Row] = true
	}
	if len(bad) > MaxReportedRows {
		bad = bad[:MaxReportedRows]
		message += fmt.Sprintf("（共 %d 行有错误，以下列出前 %d 条）", len(rows), MaxReportedRows)
	}
	return &fault.Error{Kind: fault.Invalid, Code: code, Message: message, Fields: bad}
}
