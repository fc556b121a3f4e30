package workbench

import (
	"context"
	"errors"
	"sort"
	"strings"
	"time"

	"wuzha/internal/area"
	"wuzha/internal/auth"
	"wuzha/internal/awareness"
	"wuzha/internal/fault"
	"wuzha/internal/taxonomy"
)

// Decision is a reviewer's decision on one of an editor's warnings or
// questions, as the editor's review results list it.
type Decision struct {
	Kind       string    `json:"kind"` // "warning" or "question"
	ID         int64     `json:"id"`
	Title      string    `json:"title"`
	Approved   bool      `json:"approved"`
	Reason     string    `json:"reason,omitempty"`
	ReviewedAt time.Time `json:"reviewed_at"`
	New        bool      `json:"new"` // decided after the editor last looked
}

// DecisionList is the editor's review results.
type DecisionList struct {
	Items  []Decision `json:"items"`
	SeenAt *time.Time `json:"seen_at"`
}

// recent is how far back the review results list reaches.
const recent = 90 * 24 * time.Hour

// decisions lists the decisions on the caller's warnings and questions
// after since (nil: in the last 90 days), newest first.
func (s *Service) decisions(ctx context.Context, c auth.Caller, since *time.Time, limit int) ([]Decision, error) {
	from := s.now().Add(-recent)
	if since != nil {
		from = *since
	}
	ws, err := s.content.DecisionsOn(ctx, c, from, limit)
	if err != nil {
		return nil, err
	}
	qs, err := s.quiz.DecisionsOn(ctx, c, from, limit)
	if err != nil {
		return nil, err
	}
	out := make([]Decision, 0, len(ws)+len(qs))
	for _, w := range ws {
		out = append(out, Decision{Kind: "warning", ID: w.ID, Title: w.Title, Approved: w.Approved, Reason: w.Reason, ReviewedAt: w.ReviewedAt})
	}
	for _, q := range qs {
		out = append(out, Decision{Kind: "question", ID: q.ID, Title: q.Stem, Approved: q.Approved, Reason: q.Reason, ReviewedAt: q.ReviewedAt})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].ReviewedAt.After(out[j].ReviewedAt) })
	return out[:min(limit, len(out))], nil
}

// ReviewResults lists an editor's review results of the last 90 days,
// newest first, marking those decided after the editor last looked. It
// does not move the mark: the page does that with MarkSeen once shown.
func (s *Service) ReviewResults(ctx context.Context, c auth.Caller) (DecisionList, error) {
	if !c.Is(auth.Editor) {
		return DecisionList{}, fault.ErrRole
	}
	seen, err := s.seenAt(ctx, c.UserID, Decisions)
	if err != nil {
		return DecisionList{}, err
	}
	ds, err := s.decisions(ctx, c, nil, 100)
	if err != nil {
		return DecisionList{}, err
	}
	for i := range ds {
		ds[i].New = seen == nil || ds[i].ReviewedAt.After(*seen)
	}
	return DecisionList{Items: ds, SeenAt: seen}, nil
}

// ErrNotGrid is a door-to-door list asked for an area that is not a grid.
var ErrNotGrid = fault.New(fault.Invalid, "not_a_grid", "只有网格一级有居民名单，请选择网格")

// Resident is a line of the door-to-door list: masked phone and groups.
type Resident struct {
	auth.GridResident
	AgeBandName    string `json:"age_band_name"`
	OccupationName string `json:"occupation_name"`
}

// Unanswered is a page of a grid's residents with no counted attempt in
// the period.
type Unanswered struct {
	GridCode string     `json:"grid_code"`
	GridName string     `json:"grid_name"`
	Period   string     `json:"period"`
	Total    int64      `json:"total"`
	Items    []Resident `json:"items"`
	// After is the last resident's position, for the next page's cursor
	// (0 when the page is not full).
	After int64 `json:"-"`
}

// UnansweredIn pages the residents of grid code who have not answered in
// the period (no counted attempt), masked: a grid worker's own grid, or a
// grid inside an admin's scope.
func (s *Service) UnansweredIn(ctx context.Context, c auth.Caller, code, period string, afterID int64, limit int) (Unanswered, error) {
	if !c.Is(auth.GridWorker, auth.Admin) {
		return Unanswered{}, fault.ErrRole
	}
	g, err := s.areas.Get(ctx, code)
	if errors.Is(err, area.ErrNotFound) {
		return Unanswered{}, err
	}
	if err != nil {
		return Unanswered{}, err
	}
	if err := c.Authorize(g); err != nil {
		return Unanswered{}, err
	}
	if g.Level != area.Grid {
		return Unanswered{}, ErrNotGrid
	}
	now := s.now()
	if period == "" {
		period = awareness.CurrentQuarter(now)
	}
	p, err := awareness.ParsePeriod(period, now)
	if err != nil {
		return Unanswered{}, err
	}
	answered := awareness.AnsweredBy(s.db.WithContext(ctx), auth.ResidentColumn, p)
	total, err := s.auth.CountResidentsOf(ctx, g.Code, answered)
	if err != nil {
		return Unanswered{}, err
	}
	rows, err := s.auth.ResidentsOf(ctx, g.Code, awareness.AnsweredBy(s.db.WithContext(ctx), auth.ResidentColumn, p), afterID, limit)
	if err != nil {
		return Unanswered{}, err
	}
	lists, err := s.codes.Lists(ctx)
	if err != nil {
		return Unanswered{}, err
	}
	u := Unanswered{GridCode: g.Code, GridName: g.Name, Period: p.Name, Total: total, Items: make([]Resident, len(rows))}
	for i, r := range rows {
		u.Items[i] = Resident{GridResident: r, AgeBandName: nameIn(lists.AgeBands, r.AgeBand), OccupationName: nameIn(lists.Occupations, r.Occupation)}
	}
	if len(rows) == limit && limit > 0 {
		u.After = rows[len(rows)-1].UserID
	}
	return u, nil
}

func nameIn(list []taxonomy.Entry, code string) string {
	for _, e := range list {
		if e.Code == code {
			return e.Name
		}
	}
	return code
}

// Redeemed is a prize handed over, as the redeem page lists it.
type Redeemed struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	QuizTitle   string    `json:"quiz_title"`
	GridCode    string    `json:"grid_code"`
	PhoneMasked string    `json:"phone_masked"`
	RedeemedAt  time.Time `json:"redeemed_at"`
	ByMe        bool      `json:"by_me"`
}

// RedeemedIn pages the prizes handed over inside the caller's scope (only
// the caller's own with mine), latest first, winners masked.
func (s *Service) RedeemedIn(ctx context.Context, c auth.Caller, mine bool, beforeID int64, limit int) ([]Redeemed, error) {
	rows, err := s.quiz.Redemptions(ctx, c, mine, beforeID, limit)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.UserID
	}
	phones, err := s.auth.MaskedPhones(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]Redeemed, len(rows))
	for i, r := range rows {
		masked := phones[r.UserID]
		if masked == "" {
			masked = "****"
		}
		parts := strings.Split(strings.Trim(r.GridPath, "/"), "/")
		out[i] = Redeemed{ID: r.ID, Name: r.Name, QuizTitle: r.QuizTitle, GridCode: parts[len(parts)-1], PhoneMasked: masked, RedeemedAt: r.RedeemedAt, ByMe: r.ByCaller}
	}
	return out, nil
}
