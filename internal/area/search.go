package area

import (
	"context"
	"fmt"
	"strings"

	"wuzha/internal/store"
)

// Found is an area a search found, with the names of the areas above it so
// that two grids called 一网格 can be told apart.
type Found struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	Level    Level  `json:"level"`
	PathName string `json:"path_name"` // "柯城区 / 府山街道 / 府山社区 / 一网格"
}

// MaxFound bounds one search's answer.
const MaxFound = 30

// Search finds areas whose name contains text or whose code starts with it,
// of one level when level is set, inside the subtree of within when it is
// set (a code), shortest paths first.
func (s *Store) Search(ctx context.Context, text string, level Level, within string) ([]Found, error) {
	text = strings.TrimSpace(text)
	out := []Found{}
	if text == "" {
		return out, nil
	}
	cond, arg := store.Contains("name", text)
	q := s.db.WithContext(ctx).Model(&Area{})
	if isDigits(text) {
		q = q.Where("("+cond+" OR code LIKE ?)", arg, text+"%")
	} else {
		q = q.Where(cond, arg)
	}
	if level != "" {
		q = q.Where("level = ?", level)
	}
	if within != "" {
		top, err := s.Get(ctx, within)
		if err != nil {
			return nil, err
		}
		q = q.Where("path LIKE ?", SubtreeLike(top.Path))
	}
	var found []Area
	if err := q.Order("depth").Order("code").Limit(MaxFound).Find(&found).Error; err != nil {
		return nil, fmt.Errorf("area: search: %w", err)
	}
	// The names above: every code on the found paths, read at once.
	var codes []string
	for _, a := range found {
		codes = append(codes, pathCodes(a.Path)...)
	}
	names, err := s.Names(ctx, codes)
	if err != nil {
		return nil, err
	}
	for _, a := range found {
		var parts []string
		for _, c := range pathCodes(a.Path) {
			switch {
			case c == a.Code:
				parts = append(parts, a.Name)
			case names[c] != "":
				parts = append(parts, names[c])
			}
		}
		out = append(out, Found{Code: a.Code, Name: a.Name, Level: a.Level, PathName: strings.Join(parts, " / ")})
	}
	return out, nil
}

func pathCodes(path string) []string {
	var out []string
	for _, c := range strings.Split(strings.Trim(path, "/"), "/") {
		if c != "" {
			out = append(out, c)
		}
	}
	return out
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// Names answers the names of the areas with these codes (unknown codes are
// left out).
func (s *Store) Names(ctx context.Context, codes []string) (map[string]string, error) {
	out := make(map[string]string, len(codes))
	if len(codes) == 0 {
		return out, nil
	}
	var found []Area
	if err := s.db.WithContext(ctx).Select("code", "name").Where("code IN ?", codes).Find(&found).Error; err != nil {
		return nil, fmt.Errorf("area: names: %w", err)
	}
	for _, a := range found {
		out[a.Code] = a.Name
	}
	return out, nil
}
