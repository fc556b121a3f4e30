// Command xlsxgen writes the rows it reads as JSON ([][]string) on stdin as
// an XLSX workbook on stdout, with the writer wuzha's exports use
// (internal/sheet), so browser tests can upload a real Excel file:
//
//	go run ./frontend/e2e/xlsxgen < rows.json > staff.xlsx
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"wuzha/internal/sheet"
)

func main() {
	var rows [][]string
	if err := json.NewDecoder(os.Stdin).Decode(&rows); err != nil {
		fmt.Fprintln(os.Stderr, "xlsxgen: read rows:", err)
		os.Exit(1)
	}
	data, err := sheet.XLSX(sheet.Page{Name: "Sheet1", Rows: sheet.Text(rows)})
	if err != nil {
		fmt.Fprintln(os.Stderr, "xlsxgen:", err)
		os.Exit(1)
	}
	if _, err := os.Stdout.Write(data); err != nil {
		os.Exit(1)
	}
}
