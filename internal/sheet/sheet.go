// Package sheet reads and writes the CSV and XLSX files of imports and
// exports, and defuses cells a spreadsheet would run as formulas.
package sheet

import "strings"

// SafeCell defuses a text cell that a spreadsheet would run as a formula
// (=, +, -, @, tab or carriage return first) by prefixing a quote.
func SafeCell(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}
