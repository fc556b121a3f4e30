package sheet

import (
	"bytes"
	"encoding/csv"

	"github.com/xuri/excelize/v2"
)

// The content types of what CSV and XLSX write.
const (
	CSVType  = "text/csv; charset=utf-8"
	XLSXType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)

// Page is one worksheet of an XLSX file.
type Page struct {
	Name string
	Rows [][]string
}

// CSV writes rows as CSV in UTF-8 with a byte-order mark (so that Excel
// reads the Chinese right); a nil row is an empty line. Cells are written
// as given: callers defuse text from users with SafeCell.
func CSV(rows [][]string) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("\xEF\xBB\xBF")
	w := csv.NewWriter(&b)
	if err := w.WriteAll(rows); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// XLSX writes pages as the worksheets of one workbook, in order, every cell
// as text. Cells are written as given: callers defuse text from users with
// SafeCell.
func XLSX(pages ...Page) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	for i, p := range pages {
		switch {
		case i == 0 && p.Name != "Sheet1":
			if err := f.SetSheetName("Sheet1", p.Name); err != nil {
				return nil, err
			}
		case i > 0:
			if _, err := f.NewSheet(p.Name); err != nil {
				return nil, err
			}
		}
		for j, r := range p.Rows {
			cells := make([]any, len(r))
			for k, v := range r {
				cells[k] = v
			}
			cell, _ := excelize.CoordinatesToCellName(1, j+1)
			if err := f.SetSheetRow(p.Name, cell, &cells); err != nil {
				return nil, err
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
