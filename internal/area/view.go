package area

import (
	"context"
	"errors"

	"wuzha/internal/audit"
	"wuzha/internal/fault"
	"wuzha/internal/sheet"
)

// View is an area as it is shown: its population summed over its grids,
// and its direct children.
type View struct {
	Code       string  `json:"code"`
	Name       string  `json:"name"`
	Level      Level   `json:"level"`
	ParentCode *string `json:"parent_code"`
	Population int64   `json:"population"`
	Demo       bool    `json:"demo"`
	Children   []Child `json:"children"`
}

// Child is a direct child in a View.
type Child struct {
	Code  string `json:"code"`
	Name  string `json:"name"`
	Level Level  `json:"level"`
	Demo  bool   `json:"demo"`
}

func (s *Store) view(ctx context.Context, a Area, children []Area) (View, error) {
	pop, err := s.Population(ctx, a)
	if err != nil {
		return View{}, err
	}
	v := View{Code: a.Code, Name: a.Name, Level: a.Level, ParentCode: a.ParentCode, Population: pop, Demo: a.Demo, Children: []Child{}}
	for _, ch := range children {
		v.Children = append(v.Children, Child{Code: ch.Code, Name: ch.Name, Level: ch.Level, Demo: ch.Demo})
	}
	return v, nil
}

// RootViews shows every area without a parent, with its children.
func (s *Store) RootViews(ctx context.Context) ([]View, error) {
	roots, err := s.Roots(ctx)
	if err != nil {
		return nil, err
	}
	codes := make([]string, len(roots))
	for i, r := range roots {
		codes[i] = r.Code
	}
	kids, err := s.ChildrenOf(ctx, codes)
	if err != nil {
		return nil, err
	}
	out := []View{}
	for _, r := range roots {
		v, err := s.view(ctx, r, kids[r.Code])
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// ViewOf shows the area code with its children; ErrNotFound if unknown.
func (s *Store) ViewOf(ctx context.Context, code string) (View, error) {
	a, err := s.Get(ctx, code)
	if err != nil {
		return View{}, err
	}
	kids, err := s.Children(ctx, a.Code)
	if err != nil {
		return View{}, err
	}
	return s.view(ctx, a, kids)
}

// GetGrid loads the grid code; ErrNotFound for an unknown code or an area
// that is not a grid.
func (s *Store) GetGrid(ctx context.Context, code string) (Area, error) {
	g, err := s.Get(ctx, code)
	if err == nil && g.Level != Grid {
		return Area{}, ErrNotFound
	}
	return g, err
}

// Errors of an admin's import.
var (
	ErrImportUnreadable = fault.New(fault.Invalid, "import_unreadable", "无法读取文件：需要 UTF-8 CSV 或 XLSX，首行为列名 code, name, parent_code, level, population")
)

// ImportFile reads an uploaded area list (ParseFile) and imports it for an
// admin (ImportScoped). An unreadable file is ErrImportUnreadable; bad rows
// are one import_invalid fault naming each row; nothing is imported then.
func (s *Store) ImportFile(ctx context.Context, name string, data []byte, scopePath string, who audit.Actor) (ImportResult, error) {
	rows, err := ParseFile(name, data)
	if err != nil {
		return ImportResult{}, importFault(err)
	}
	res, err := s.ImportScoped(ctx, rows, scopePath, who)
	if err != nil {
		return ImportResult{}, importFault(err)
	}
	return res, nil
}

// importFault says an import's plain errors (bad rows, a bad file) as faults.
func importFault(err error) error {
	var ie *ImportError
	if errors.As(err, &ie) {
		fields := make([]fault.Field, len(ie.Rows))
		for i, r := range ie.Rows {
			fields[i] = fault.Field{Row: r.Row, Message: r.Message}
		}
		return sheet.BadRows("import_invalid", "导入文件有错误，未导入任何数据", fields)
	}
	if errors.Is(err, ErrBadFile) {
		return ErrImportUnreadable
	}
	return err
}
