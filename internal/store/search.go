package store

import "strings"

// MaxSearch is the longest search text a list takes; longer is cut.
const MaxSearch = 50

// Contains is the condition and argument that match col against the words
// a person typed into a search box: the text anywhere in the column, with
// LIKE's wildcards taken literally. The escape character is '!' because a
// backslash is written differently in SQLite and MySQL string literals.
func Contains(col, text string) (string, string) {
	text = strings.TrimSpace(text)
	if r := []rune(text); len(r) > MaxSearch {
		text = string(r[:MaxSearch])
	}
	pattern := strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(text)
	return col + " LIKE ? ESCAPE '!'", "%" + pattern + "%"
}
