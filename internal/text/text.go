// Package text is the one rule for what characters plain text that people
// type may hold: no control characters other than tab and line breaks (NUL
// breaks MariaDB's text columns and logs), and no Unicode bidirectional
// controls (U+202E and friends make a title read differently from what it
// is). Every JSON request field (api.decode) and every imported spreadsheet
// cell (sheet.Read) is checked with it.
package text

// Forbidden reports whether r may not appear in text.
func Forbidden(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return false
	case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f): // C0, DEL, C1
		return true
	case r == 0x061c || r == 0x200e || r == 0x200f: // Arabic letter mark, LRM, RLM
		return true
	case r >= 0x202a && r <= 0x202e: // LRE, RLE, PDF, LRO, RLO
		return true
	case r >= 0x2066 && r <= 0x2069: // LRI, RLI, FSI, PDI
		return true
	case r == 0xfffe || r == 0xffff:
		return true
	}
	return false
}

// Clean reports whether s holds no forbidden character.
func Clean(s string) bool {
	for _, r := range s {
		if Forbidden(r) {
			return false
		}
	}
	return true
}

// Message is what a client is told about a field that is not Clean.
const Message = "含有不允许的控制字符或文字方向控制符（如 NUL、U+202E）"
