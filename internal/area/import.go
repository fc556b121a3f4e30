package area

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"wuzha/internal/audit"
	"wuzha/internal/fault"
	"wuzha/internal/sheet"
)

// Row is one line of an area list: what admins import and what the seed holds.
type Row struct {
	Line       int // 1-based line in the file (header = 1), for error messages
	Code       string
	Name       string
	ParentCode string
	Level      Level
	Population int64
	// HasPopulation says the population cell was filled: an import with the
	// cell blank (or no population column) leaves an existing area's
	// population as it is.
	HasPopulation bool
	Demo          bool
	Problem       string // a cell that could not be read, reported with the rest
}

// PopChange is one area's population as an import would change it.
type PopChange struct {
	AreaCode string `json:"area_code"`
	Name     string `json:"name"`
	From     int64  `json:"from"`
	To       int64  `json:"to"`
}

// ImportResult is what an admin's import did: the rows written and, when
// it set populations below the root, the pending change awaiting approval.
type ImportResult struct {
	Imported int
	ChangeID *int64
	Changes  []PopChange
}

// RowError names one bad line of an import.
type RowError struct {
	Row     int    `json:"row"`
	Message string `json:"message"`
}

// ImportError is returned when any row is bad; nothing was imported.
type ImportError struct{ Rows []RowError }

func (e *ImportError) Error() string { return fmt.Sprintf("area import: %d bad rows", len(e.Rows)) }

// ErrBadFile is returned for a file that is not a readable CSV or XLSX.
var ErrBadFile = errors.New("area import: the file is not a readable CSV or XLSX with the expected columns")

// MaxImportRows bounds one import.
const MaxImportRows = 50000

var codePattern = regexp.MustCompile(`^[0-9]{2,30}$`)

// ParseFile reads an area list from CSV (UTF-8, optional BOM) or XLSX. The
// first row is a header naming the columns code, name, parent_code, level,
// population (Chinese headers 代码, 名称, 上级代码, 级别, 人口 work too), in any order.
func ParseFile(name string, data []byte) ([]Row, error) {
	records, err := sheet.Read(name, data, sheet.Options{MaxRows: MaxImportRows, TrimLeadingSpace: true})
	if err != nil {
		if errors.Is(err, sheet.ErrUnreadable) {
			return nil, ErrBadFile
		}
		return nil, err // too many rows, too large
	}
	if len(records) < 2 {
		return nil, fmt.Errorf("%w: no data rows", ErrBadFile)
	}
	col := map[string]int{}
	aliases := map[string]string{"代码": "code", "区域代码": "code", "名称": "name", "上级代码": "parent_code", "级别": "level", "层级": "level", "人口": "population", "常住人口": "population"}
	for i, h := range records[0] {
		h = strings.ToLower(strings.TrimSpace(h))
		if a, ok := aliases[h]; ok {
			h = a
		}
		col[h] = i
	}
	for _, need := range []string{"code", "name", "parent_code", "level"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("%w: missing column %s", ErrBadFile, need)
		}
	}
	cell := func(rec []string, name string) string {
		i, ok := col[name]
		if !ok || i >= len(rec) {
			return ""
		}
		return strings.TrimSpace(rec[i])
	}
	var rows []Row
	for i, rec := range records[1:] {
		line := i + 2
		empty := true
		for _, v := range rec {
			if strings.TrimSpace(v) != "" {
				empty = false
			}
		}
		if empty {
			continue
		}
		r := Row{Line: line, Code: cell(rec, "code"), Name: cell(rec, "name"), ParentCode: cell(rec, "parent_code"), Level: Level(strings.ToLower(cell(rec, "level")))}
		if p := cell(rec, "population"); p != "" {
			n, err := strconv.ParseInt(p, 10, 64)
			if err != nil || n < 0 {
				r.Problem = fmt.Sprintf("人口 %q 不是非负整数", p)
			}
			r.Population, r.HasPopulation = max(n, 0), true
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// Import validates rows against each other and the existing hierarchy and, if
// every row is good, writes them all in one transaction: new areas are added,
// existing ones get the new name and population. An import never moves an area
// to another parent or level (attempts keep the grid path they were made in,
// and a move would silently change which figures are whose). onConflictKeep
// leaves existing areas untouched (used by the seed).
func (s *Store) Import(ctx context.Context, rows []Row, onConflictKeep bool) (int, error) {
	var count int
	err := s.db.Tx(ctx, func(tx *gorm.DB) error {
		var err error
		count, _, err = importRows(tx, rows, onConflictKeep, "", true)
		return err
	})
	return count, err
}

// ImportScoped is Import for an admin: every row must lie inside scopePath,
// and the import is audited in the same transaction. Populations are the
// coverage denominator, so an admin below the root never sets its own: names
// and new areas apply at once (a new area with population 0), and every
// population that would change becomes one pending change that an admin
// above must approve (see Decide). An admin at the root sets them directly.
// Either way the audit names each area's population from and to.
func (s *Store) ImportScoped(ctx context.Context, rows []Row, scopePath string, who audit.Actor) (ImportResult, error) {
	if scopePath == "" {
		return ImportResult{}, fault.ErrOutOfScope
	}
	var res ImportResult
	err := s.db.Tx(ctx, func(tx *gorm.DB) error {
		var scope Area
		if err := tx.Where("path = ?", scopePath).Take(&scope).Error; err != nil {
			return err
		}
		direct := scope.ParentCode == nil
		count, changes, err := importRows(tx, rows, false, scopePath, direct)
		if err != nil {
			return err
		}
		res.Imported = count
		if changes == nil {
			changes = []PopChange{}
		}
		res.Changes = changes
		detail := map[string]any{"rows": count, "populations": changes}
		if !direct && len(changes) > 0 {
			raw, _ := json.Marshal(changes)
			ch := Change{RequesterID: who.UserID, RequesterName: who.Name, ScopeCode: scope.Code, ScopePath: scope.Path, Status: ChangePending,
				Changes: string(raw), CreatedAt: time.Now().UTC()}
			if err := tx.Create(&ch).Error; err != nil {
				return err
			}
			res.ChangeID = &ch.ID
			detail["change_id"], detail["populations_pending"] = ch.ID, true
		}
		return audit.Record(tx, who, "area.import", scope.Place(), "areas", detail)
	})
	return res, err
}

// importRows checks and writes rows. Populations are written only when
// direct; the changes they make (or would make) are returned either way.
func importRows(tx *gorm.DB, rows []Row, onConflictKeep bool, scopePath string, direct bool) (int, []PopChange, error) {
	var bad []RowError
	fail := func(r Row, format string, args ...any) {
		bad = append(bad, RowError{Row: r.Line, Message: fmt.Sprintf(format, args...)})
	}
	inFile := map[string]*Row{}
	skip := map[int]bool{} // lines already reported as bad codes
	codes := make([]string, 0, len(rows)*2)
	for i := range rows {
		r := &rows[i]
		switch {
		case !codePattern.MatchString(r.Code):
			fail(*r, "代码 %q 应为 2–30 位数字", r.Code)
			skip[r.Line] = true
			continue
		case inFile[r.Code] != nil:
			fail(*r, "代码 %s 与第 %d 行重复", r.Code, inFile[r.Code].Line)
			skip[r.Line] = true
			continue
		}
		inFile[r.Code] = r
		if r.Problem != "" {
			fail(*r, "%s", r.Problem)
		}
		codes = append(codes, r.Code)
		if r.ParentCode != "" {
			codes = append(codes, r.ParentCode)
		}
	}
	existing := map[string]Area{}
	for start := 0; start < len(codes); start += 1000 {
		end := min(start+1000, len(codes))
		var found []Area
		if err := tx.Where("code IN ?", codes[start:end]).Find(&found).Error; err != nil {
			return 0, nil, fmt.Errorf("area import: load existing: %w", err)
		}
		for _, a := range found {
			existing[a.Code] = a
		}
	}
	levelOf := func(code string) (Level, bool) {
		if r := inFile[code]; r != nil {
			return r.Level, true
		}
		if a, ok := existing[code]; ok {
			return a.Level, true
		}
		return "", false
	}
	for _, r := range rows {
		if skip[r.Line] {
			continue
		}
		name := strings.TrimSpace(r.Name)
		if name == "" || utf8.RuneCountInString(name) > 100 {
			fail(r, "名称不能为空且不超过 100 字")
		}
		if r.Level.Depth() < 0 {
			fail(r, "级别 %q 无效，应为 city、county、town、community 或 grid", r.Level)
			continue
		}
		if r.Population != 0 && r.Level != Grid {
			fail(r, "人口只填写在网格（grid）上，上级区域的人口由网格汇总")
		}
		if r.Level == City {
			if r.ParentCode != "" {
				fail(r, "市级区域不能有上级")
			}
		} else {
			pl, ok := levelOf(r.ParentCode)
			switch {
			case r.ParentCode == "":
				fail(r, "缺少上级代码")
			case !ok:
				fail(r, "上级代码 %s 不存在", r.ParentCode)
			case pl.Depth()+1 != r.Level.Depth():
				fail(r, "%s 级区域的上级应为 %s 级，而 %s 是 %s 级", r.Level, Levels[r.Level.Depth()-1], r.ParentCode, pl)
			}
		}
		if old, ok := existing[r.Code]; ok {
			oldParent := ""
			if old.ParentCode != nil {
				oldParent = *old.ParentCode
			}
			if !onConflictKeep && (oldParent != r.ParentCode || old.Level != r.Level) {
				fail(r, "区域 %s 已存在，导入不能改变其上级或级别", r.Code)
			}
		}
	}
	if len(bad) > 0 {
		return 0, nil, &ImportError{Rows: bad}
	}
	// Paths: resolve parents first (file order may be any).
	paths := map[string]string{}
	var pathOf func(code string, seen int) (string, error)
	pathOf = func(code string, seen int) (string, error) {
		if p, ok := paths[code]; ok {
			return p, nil
		}
		if seen > len(Levels) {
			return "", fmt.Errorf("cycle at %s", code)
		}
		if a, ok := existing[code]; ok && inFile[code] == nil {
			return a.Path, nil
		}
		r := inFile[code]
		if r.ParentCode == "" {
			paths[code] = PathOf("", code)
			return paths[code], nil
		}
		pp, err := pathOf(r.ParentCode, seen+1)
		if err != nil {
			return "", err
		}
		paths[code] = PathOf(pp, code)
		return paths[code], nil
	}
	now := time.Now().UTC()
	var withPop, nameOnly []Area
	var changes []PopChange
	for _, r := range rows {
		p, err := pathOf(r.Code, 0)
		if err != nil {
			return 0, nil, &ImportError{Rows: []RowError{{r.Line, "上级关系成环"}}}
		}
		if scopePath != "" && !strings.HasPrefix(p, scopePath) {
			bad = append(bad, RowError{r.Line, fmt.Sprintf("区域 %s 不在您的管辖范围内", r.Code)})
			continue
		}
		a := Area{Code: r.Code, Name: strings.TrimSpace(r.Name), Level: r.Level, Path: p, Depth: r.Level.Depth(), Population: r.Population, Demo: r.Demo, CreatedAt: now, UpdatedAt: now}
		if r.ParentCode != "" {
			pc := r.ParentCode
			a.ParentCode = &pc
		}
		old, exists := existing[r.Code]
		given := r.HasPopulation || scopePath == "" // the seed always gives it
		if given && !(exists && onConflictKeep) && r.Population != old.Population {
			changes = append(changes, PopChange{AreaCode: r.Code, Name: a.Name, From: old.Population, To: r.Population})
		}
		if direct && given {
			withPop = append(withPop, a)
		} else {
			a.Population = 0 // only for a new area: an existing one keeps its own
			nameOnly = append(nameOnly, a)
		}
	}
	if len(bad) > 0 {
		return 0, nil, &ImportError{Rows: bad}
	}
	for _, batch := range []struct {
		areas []Area
		cols  []string
	}{{withPop, []string{"name", "population", "updated_at"}}, {nameOnly, []string{"name", "updated_at"}}} {
		if len(batch.areas) == 0 {
			continue
		}
		conflict := clause.OnConflict{Columns: []clause.Column{{Name: "code"}}, DoUpdates: clause.AssignmentColumns(batch.cols)}
		if onConflictKeep {
			conflict = clause.OnConflict{Columns: []clause.Column{{Name: "code"}}, DoNothing: true}
		}
		if err := tx.Clauses(conflict).CreateInBatches(batch.areas, 500).Error; err != nil {
			return 0, nil, fmt.Errorf("area import: write: %w", err)
		}
	}
	return len(withPop) + len(nameOnly), changes, nil
}
