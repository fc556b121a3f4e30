// Package taxonomy holds the fixed code lists: age bands, occupations and
// fraud types, seeded once and read by every targeting decision.
package taxonomy

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"wuzha/internal/store"
)

// Kinds of code list.
const (
	AgeBand    = "age_band"
	Occupation = "occupation"
	FraudType  = "fraud_type"
)

// Code is one entry of a code list. A fraud type also names the age bands and
// occupations it hurts most (used to rank the feed and weight quiz draws).
type Code struct {
	Kind        string `gorm:"primaryKey"`
	Code        string `gorm:"primaryKey"`
	Name        string
	Position    int
	AgeBands    string // comma-separated codes, fraud types only
	Occupations string // comma-separated codes, fraud types only
}

// TableName is the table code lists live in.
func (Code) TableName() string { return "codes" }

// Entry is a code as the API shows it.
type Entry struct {
	Code        string   `json:"code"`
	Name        string   `json:"name"`
	AgeBands    []string `json:"age_bands,omitempty"`
	Occupations []string `json:"occupations,omitempty"`
}

// Lists are the three code lists.
type Lists struct {
	AgeBands    []Entry `json:"age_bands"`
	Occupations []Entry `json:"occupations"`
	FraudTypes  []Entry `json:"fraud_types"`
}

// Has reports whether code is in the list of kind.
func (l Lists) Has(kind, code string) bool {
	var list []Entry
	switch kind {
	case AgeBand:
		list = l.AgeBands
	case Occupation:
		list = l.Occupations
	case FraudType:
		list = l.FraudTypes
	}
	for _, e := range list {
		if e.Code == code {
			return true
		}
	}
	return false
}

// Store reads and seeds the code lists. The lists are fixed and read on hot
// paths (every attempt start, every profile and content validation), so they
// are kept for a while after loading; Seed drops the copy.
type Store struct {
	db       *store.DB
	mu       sync.Mutex
	cached   Lists
	loadedAt time.Time
}

// NewStore returns a Store over db.
func NewStore(db *store.DB) *Store { return &Store{db: db} }

// listsTTL bounds how long another instance's change of the lists goes unseen.
const listsTTL = time.Minute

// Lists returns all three lists in display order. Callers must not modify them.
func (s *Store) Lists(ctx context.Context) (Lists, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if time.Since(s.loadedAt) < listsTTL {
		return s.cached, nil
	}
	l, err := s.load(ctx)
	if err != nil {
		return Lists{}, err
	}
	s.cached, s.loadedAt = l, time.Now()
	return l, nil
}

func (s *Store) load(ctx context.Context) (Lists, error) {
	var rows []Code
	if err := s.db.WithContext(ctx).Order("kind, position").Find(&rows).Error; err != nil {
		return Lists{}, fmt.Errorf("taxonomy: load: %w", err)
	}
	l := Lists{AgeBands: []Entry{}, Occupations: []Entry{}, FraudTypes: []Entry{}}
	for _, r := range rows {
		e := Entry{Code: r.Code, Name: r.Name}
		switch r.Kind {
		case AgeBand:
			l.AgeBands = append(l.AgeBands, e)
		case Occupation:
			l.Occupations = append(l.Occupations, e)
		case FraudType:
			e.AgeBands, e.Occupations = split(r.AgeBands), split(r.Occupations)
			l.FraudTypes = append(l.FraudTypes, e)
		}
	}
	return l, nil
}

// Seed writes the lists, replacing names and order of existing codes. Codes
// are never deleted: stored content and attempts refer to them.
func (s *Store) Seed(ctx context.Context, l Lists) error {
	var rows []Code
	add := func(kind string, list []Entry) {
		for i, e := range list {
			rows = append(rows, Code{Kind: kind, Code: e.Code, Name: e.Name, Position: i, AgeBands: strings.Join(e.AgeBands, ","), Occupations: strings.Join(e.Occupations, ",")})
		}
	}
	add(AgeBand, l.AgeBands)
	add(Occupation, l.Occupations)
	add(FraudType, l.FraudTypes)
	s.mu.Lock()
	s.loadedAt = time.Time{}
	s.mu.Unlock()
	return s.db.Tx(ctx, func(tx *gorm.DB) error {
		return tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "kind"}, {Name: "code"}},
			DoUpdates: clause.AssignmentColumns([]string{"name", "position", "age_bands", "occupations"}),
		}).Create(&rows).Error
	})
}

func split(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}
