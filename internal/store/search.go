package store

import (
	"strconv"
	"strings"

	"gorm.io/gorm"
)

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

// ContainsOrID narrows q to the rows whose textCol contains text (Contains)
// or, when text is a number ("12" or "#12"), whose idCol is that id: what a
// picker's search box finds. Empty text leaves q as it is.
func ContainsOrID(q *gorm.DB, textCol, idCol, text string) *gorm.DB {
	text = strings.TrimSpace(text)
	if text == "" {
		return q
	}
	cond, arg := Contains(textCol, text)
	if id, err := strconv.ParseInt(strings.TrimPrefix(text, "#"), 10, 64); err == nil {
		return q.Where("("+cond+" OR "+idCol+" = ?)", arg, id)
	}
	return q.Where(cond, arg)
}
