package sheet

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strconv"

	"github.com/xuri/excelize/v2"
)

// The content types of what CSV and XLSX write.
const (
	CSVType  = "text/csv; charset=utf-8"
	XLSXType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)

// Page is one worksheet of an XLSX file. A cell is a string (written as
// text, exactly as given), an int, int64 or float64 (a plain number), a
// Number (a number with a display format), or nil (an empty cell), so that
// counts, rates and scores can be summed and sorted in Excel.
type Page struct {
	Name string
	Rows [][]any
}

// Number is a numeric cell shown with an Excel number format ("0.0%",
// "0.0"); Excel keeps the value, the format only changes how it looks.
type Number struct {
	Value  float64
	Format string
}

// Percent is a rate (0.853) shown as a percentage with one decimal (85.3%).
func Percent(v float64) Number { return Number{Value: v, Format: "0.0%"} }

// OneDecimal is a number shown with one decimal (87.5).
func OneDecimal(v float64) Number { return Number{Value: v, Format: "0.0"} }

// String is how the cell reads in a CSV file.
func (n Number) String() string {
	switch n.Format {
	case "0.0%":
		return strconv.FormatFloat(n.Value*100, 'f', 1, 64) + "%"
	case "0.0":
		return strconv.FormatFloat(n.Value, 'f', 1, 64)
	}
	return strconv.FormatFloat(n.Value, 'f', -1, 64)
}

// Text turns rows of strings into the rows of a Page, every cell text.
func Text(rows [][]string) [][]any {
	out := make([][]any, len(rows))
	for i, r := range rows {
		out[i] = make([]any, len(r))
		for j, v := range r {
			out[i][j] = v
		}
	}
	return out
}

// Strings turns a Page's rows into the strings of a CSV file.
func Strings(rows [][]any) [][]string {
	out := make([][]string, len(rows))
	for i, r := range rows {
		if r == nil {
			continue
		}
		out[i] = make([]string, len(r))
		for j, v := range r {
			switch v := v.(type) {
			case nil:
			case string:
				out[i][j] = v
			case Number:
				out[i][j] = v.String()
			case float64:
				out[i][j] = strconv.FormatFloat(v, 'f', -1, 64)
			default:
				out[i][j] = fmt.Sprint(v)
			}
		}
	}
	return out
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

// XLSX writes pages as the worksheets of one workbook, in order: strings as
// text cells, numbers as numeric cells. Text is written as given: callers
// defuse text from users with SafeCell.
func XLSX(pages ...Page) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	styles := map[string]int{} // number format → style id
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
				switch v := v.(type) {
				case Number:
					cells[k] = v.Value
				case string, int, int64, float64, nil:
					cells[k] = v
				default:
					return nil, fmt.Errorf("sheet: cell of type %T", v)
				}
			}
			cell, _ := excelize.CoordinatesToCellName(1, j+1)
			if err := f.SetSheetRow(p.Name, cell, &cells); err != nil {
				return nil, err
			}
			for k, v := range r {
				n, ok := v.(Number)
				if !ok || n.Format == "" {
					continue
				}
				id, ok := styles[n.Format]
				if !ok {
					format := n.Format
					var err error
					if id, err = f.NewStyle(&excelize.Style{CustomNumFmt: &format}); err != nil {
						return nil, err
					}
					styles[n.Format] = id
				}
				name, _ := excelize.CoordinatesToCellName(k+1, j+1)
				if err := f.SetCellStyle(p.Name, name, name, id); err != nil {
					return nil, err
				}
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
