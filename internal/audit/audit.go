// Package audit is the append-only record of what staff did: sign-ins, user
// changes, imports, publishing, reviews, locks, exports, redemptions. Entries
// are only ever inserted; nothing in wuzha updates or deletes them.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"wuzha/internal/store"
)

// Entry is one audited action.
type Entry struct {
	ID        int64     `gorm:"primaryKey" json:"id"`
	At        time.Time `json:"at"`
	ActorID   *int64    `json:"actor_id"`
	ActorName string    `json:"actor_name"`
	ActorRole string    `json:"actor_role"`
	Action    string    `json:"action"`
	AreaCode  *string   `json:"area_code"`
	AreaPath  *string   `json:"-"`
	Target    string    `json:"target"`
	Detail    *string   `json:"detail"`
	IP        string    `gorm:"column:ip" json:"ip"`
	RequestID string    `json:"request_id"`
}

// TableName is the audit table.
func (Entry) TableName() string { return "audit_log" }

// Actor is who did it and from where.
type Actor struct {
	UserID    int64
	Name      string
	Role      string
	IP        string
	RequestID string
}

// Place is the area an action happened in; it decides who may read the entry.
type Place struct {
	Code string
	Path string
}

// Record appends one entry inside tx (the same transaction as the action, so
// an action and its record stand or fall together). detail is marshalled to
// JSON; it must never hold a phone number or a secret.
func Record(tx *gorm.DB, who Actor, action string, where *Place, target string, detail any) error {
	e := Entry{At: time.Now().UTC(), ActorName: who.Name, ActorRole: who.Role, Action: action, Target: target, IP: who.IP, RequestID: who.RequestID}
	if who.UserID != 0 {
		id := who.UserID
		e.ActorID = &id
	}
	if where != nil {
		code, path := where.Code, where.Path
		e.AreaCode, e.AreaPath = &code, &path
	}
	if detail != nil {
		b, err := json.Marshal(detail)
		if err != nil {
			return fmt.Errorf("audit: marshal detail: %w", err)
		}
		s := string(b)
		e.Detail = &s
	}
	if err := tx.Create(&e).Error; err != nil {
		return fmt.Errorf("audit: record %s: %w", action, err)
	}
	return nil
}

// Filter narrows a listing.
type Filter struct {
	ScopePath string    // only entries inside this subtree (required)
	Action    string    // exact action, optional
	Since     time.Time // optional
	BeforeID  int64     // cursor: entries older than this id
	Limit     int
}

// Store reads the audit log. Names and AreaNames, when set, resolve the
// display names of people and areas for ListViews.
type Store struct {
	db        *store.DB
	Names     NameFunc
	AreaNames AreaNameFunc
}

// NewStore returns a Store over db.
func NewStore(db *store.DB) *Store { return &Store{db: db} }

// List returns entries whose area lies inside the scope, newest first.
func (s *Store) List(ctx context.Context, f Filter) ([]Entry, error) {
	q := s.db.WithContext(ctx).Where("area_path LIKE ?", likePrefix(f.ScopePath))
	if f.Action != "" {
		q = q.Where("action = ?", f.Action)
	}
	if !f.Since.IsZero() {
		q = q.Where("at >= ?", f.Since.UTC())
	}
	if f.BeforeID > 0 {
		q = q.Where("id < ?", f.BeforeID)
	}
	var out []Entry
	if err := q.Order("id DESC").Limit(f.Limit).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("audit: list: %w", err)
	}
	return out, nil
}

// ListViews is List as the audit page shows it (see Views).
func (s *Store) ListViews(ctx context.Context, f Filter) ([]View, error) {
	entries, err := s.List(ctx, f)
	if err != nil {
		return nil, err
	}
	return Views(ctx, entries, s.Names, s.AreaNames)
}

// ActionOption is one action the audit page can filter by.
type ActionOption struct {
	Action string `json:"action"`
	Name   string `json:"name"`
}

// ActionOptions lists every named action, ordered by action.
func ActionOptions() []ActionOption {
	out := []ActionOption{}
	for _, a := range sortedActions() {
		out = append(out, ActionOption{Action: a, Name: Actions[a]})
	}
	return out
}

func likePrefix(p string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(p) + "%"
}
