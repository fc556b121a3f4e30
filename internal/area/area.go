// Package area is the administrative hierarchy (city → county → town →
// community → grid): areas named by code, with a materialized path so that a
// subtree is one indexed prefix query.
package area

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"wuzha/internal/audit"
	"wuzha/internal/fault"
	"wuzha/internal/store"
)

// Level is an area's rank in the hierarchy.
type Level string

const (
	City      Level = "city"
	County    Level = "county"
	Town      Level = "town"
	Community Level = "community"
	Grid      Level = "grid"
)

// Levels in order from the root down.
var Levels = []Level{City, County, Town, Community, Grid}

// Depth is the level's position from the root (city = 0), or -1 if unknown.
func (l Level) Depth() int {
	for i, x := range Levels {
		if x == l {
			return i
		}
	}
	return -1
}

// Errors of this package.
var (
	ErrNotFound = fault.New(fault.NotFound, "not_found", "区域不存在")
)

// Area is one node of the hierarchy. Population is set on grids; a parent's
// population is the sum over its grids (see Store.Population).
type Area struct {
	Code       string `gorm:"primaryKey"`
	ParentCode *string
	Name       string
	Level      Level
	Path       string // "/330800/330802/…/CODE/"
	Depth      int
	Population int64
	Demo       bool
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// TableName is the table areas live in.
func (Area) TableName() string { return "areas" }

// Shanghai is the city's time zone (UTC+8, no daylight saving): periods,
// days and the times shown to people are drawn in it.
var Shanghai = time.FixedZone("Asia/Shanghai", 8*3600)

// Contains reports whether other lies in a's subtree (a itself included).
func (a Area) Contains(otherPath string) bool { return strings.HasPrefix(otherPath, a.Path) }

// Place is the area as the audit log records it.
func (a Area) Place() *audit.Place { return &audit.Place{Code: a.Code, Path: a.Path} }

// PathOf builds the materialized path of a child of parentPath.
func PathOf(parentPath, code string) string {
	if parentPath == "" {
		return "/" + code + "/"
	}
	return parentPath + code + "/"
}

// SubtreeLike is the LIKE pattern matching every path under path (inclusive).
// Codes are digits, but the pattern is escaped all the same.
func SubtreeLike(path string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(path) + "%"
}

// Store reads and writes areas.
type Store struct{ db *store.DB }

// NewStore returns a Store over db.
func NewStore(db *store.DB) *Store { return &Store{db: db} }

// Get loads one area by code.
func (s *Store) Get(ctx context.Context, code string) (Area, error) {
	var a Area
	err := s.db.WithContext(ctx).Where("code = ?", code).Take(&a).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return a, ErrNotFound
	}
	if err != nil {
		return a, fmt.Errorf("area: get %s: %w", code, err)
	}
	return a, nil
}

// Roots lists the areas without a parent.
func (s *Store) Roots(ctx context.Context) ([]Area, error) {
	var out []Area
	err := s.db.WithContext(ctx).Where("parent_code IS NULL").Order("code").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("area: roots: %w", err)
	}
	return out, nil
}

// Children lists the direct children of code, ordered by code.
func (s *Store) Children(ctx context.Context, code string) ([]Area, error) {
	var out []Area
	err := s.db.WithContext(ctx).Where("parent_code = ?", code).Order("code").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("area: children of %s: %w", code, err)
	}
	return out, nil
}

// ChildrenOf lists the direct children of each of codes in one query.
func (s *Store) ChildrenOf(ctx context.Context, codes []string) (map[string][]Area, error) {
	var rows []Area
	if len(codes) > 0 {
		if err := s.db.WithContext(ctx).Where("parent_code IN ?", codes).Order("code").Find(&rows).Error; err != nil {
			return nil, fmt.Errorf("area: children: %w", err)
		}
	}
	out := make(map[string][]Area, len(codes))
	for _, r := range rows {
		out[*r.ParentCode] = append(out[*r.ParentCode], r)
	}
	return out, nil
}

// Population is the resident population of a: the sum over the grids of its
// subtree (a grid's own figure for a grid).
func (s *Store) Population(ctx context.Context, a Area) (int64, error) {
	if a.Level == Grid {
		return a.Population, nil
	}
	var sum *int64
	err := s.db.WithContext(ctx).Model(&Area{}).
		Where("path LIKE ? AND level = ?", SubtreeLike(a.Path), Grid).
		Select("SUM(population)").Scan(&sum).Error
	if err != nil {
		return 0, fmt.Errorf("area: population of %s: %w", a.Code, err)
	}
	if sum == nil {
		return 0, nil
	}
	return *sum, nil
}
