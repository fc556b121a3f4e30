package content

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm/clause"

	"wuzha/internal/area"
	"wuzha/internal/auth"
	"wuzha/internal/fault"
	"wuzha/internal/taxonomy"
)

// Reader is who opens or acknowledges a warning, as reach counts them.
type Reader struct {
	Key        string // "u:<user id>" for a resident, "d:<device id>" for an anonymous device
	UserID     int64  // residents only
	GridPath   string
	AgeBand    string
	Occupation string
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// RecordView counts a view of a live warning, once per reader per day
// (Asia/Shanghai). Repeat views the same day change nothing. admit, when
// given, is asked before a reader's first view of the day is counted — the
// caller's limits on how many new readers one address may add; when it says
// no, the view is not counted (the reading itself is not refused).
func (s *Service) RecordView(ctx context.Context, id int64, r Reader, admit func() (bool, error)) error {
	if r.Key == "" {
		return nil
	}
	if _, ok, err := s.live.get(ctx, s, id); err != nil || !ok {
		return err
	}
	now := time.Now()
	v := View{WarningID: id, Viewer: r.Key, Day: now.In(area.Shanghai).Format("2006-01-02"), GridPath: optional(r.GridPath),
		AgeBand: optional(r.AgeBand), Occupation: optional(r.Occupation), CreatedAt: now.UTC()}
	if admit != nil {
		var seen int64
		if err := s.db.WithContext(ctx).Model(&View{}).Where("warning_id = ? AND viewer = ? AND day = ?", id, v.Viewer, v.Day).Count(&seen).Error; err != nil {
			return fmt.Errorf("content: record view: %w", err)
		}
		if seen > 0 {
			return nil
		}
		if ok, err := admit(); err != nil || !ok {
			return err
		}
	}
	if err := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&v).Error; err != nil {
		return fmt.Errorf("content: record view: %w", err)
	}
	return nil
}

// Acknowledge records a resident's "我已知晓" for a live warning, placed by
// their profile; it is idempotent.
func (s *Service) Acknowledge(ctx context.Context, c auth.Caller, id int64) error {
	if c.Role != auth.Resident {
		return fault.ErrRole
	}
	r, err := s.reader(ctx, c, Visitor{})
	if err != nil {
		return err
	}
	lw, ok, err := s.live.get(ctx, s, id)
	if err != nil {
		return err
	}
	if !ok || !lw.current(time.Now()) {
		return ErrNotFound
	}
	a := Ack{WarningID: id, UserID: c.UserID, GridPath: optional(r.GridPath), AgeBand: optional(r.AgeBand), Occupation: optional(r.Occupation), CreatedAt: time.Now().UTC()}
	if err := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&a).Error; err != nil {
		return fmt.Errorf("content: acknowledge: %w", err)
	}
	return nil
}

// Acknowledged reports whether the resident has acknowledged warning id.
func (s *Service) Acknowledged(ctx context.Context, userID, id int64) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&Ack{}).Where("warning_id = ? AND user_id = ?", id, userID).Count(&n).Error
	return n > 0, err
}

// AckItem is one entry of a resident's "已知晓" history.
type AckItem struct {
	WarningID      int64     `json:"warning_id"`
	Title          string    `json:"title"`
	FraudType      string    `json:"fraud_type"`
	FraudTypeName  string    `json:"fraud_type_name"`
	AcknowledgedAt time.Time `json:"acknowledged_at"`
}

// MyAcks lists the warnings a resident acknowledged, newest first.
func (s *Service) MyAcks(ctx context.Context, c auth.Caller) ([]AckItem, error) {
	if c.Role != auth.Resident {
		return nil, fault.ErrRole
	}
	var rows []struct {
		WarningID int64
		Title     string
		FraudType string
		CreatedAt time.Time
	}
	err := s.db.WithContext(ctx).Table("warning_acks").
		Select("warning_acks.warning_id, warning_versions.title, warning_versions.fraud_type, warning_acks.created_at").
		Joins("JOIN warnings ON warnings.id = warning_acks.warning_id").
		Joins("JOIN warning_versions ON warning_versions.id = COALESCE(warnings.live_version_id, warnings.head_version_id)").
		Where("warning_acks.user_id = ?", c.UserID).Order("warning_acks.created_at DESC").Limit(500).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("content: my acks: %w", err)
	}
	lists, err := s.codes.Lists(ctx)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	for _, ft := range lists.FraudTypes {
		names[ft.Code] = ft.Name
	}
	out := make([]AckItem, len(rows))
	for i, r := range rows {
		out[i] = AckItem{WarningID: r.WarningID, Title: r.Title, FraudType: r.FraudType, FraudTypeName: names[r.FraudType], AcknowledgedAt: r.CreatedAt}
	}
	return out, nil
}

// Count is views and acknowledgements in one group.
type Count struct {
	Code  string `json:"code"`
	Name  string `json:"name"`
	Views int64  `json:"views"`
	Acks  int64  `json:"acks"`
}

// Reach is how far a warning got.
type Reach struct {
	WarningID    int64    `json:"warning_id"`
	Views        int64    `json:"views"`
	Viewers      int64    `json:"viewers"`
	Acks         int64    `json:"acks"`
	AckRate      *float64 `json:"ack_rate"` // acks ÷ distinct signed-in viewers
	ByArea       []Count  `json:"by_area"`
	ByAgeBand    []Count  `json:"by_age_band"`
	ByOccupation []Count  `json:"by_occupation"`
}

// Reach breaks a warning's views and acknowledgements down by the child
// areas of the caller's scope, by age band and by occupation. Readers
// without a profile (anonymous devices) count in the totals and under
// "unknown".
func (s *Service) Reach(ctx context.Context, c auth.Caller, id int64) (Reach, error) {
	w, _, err := s.load(ctx, c, id)
	if err != nil {
		return Reach{}, err
	}
	type group struct {
		GridPath   *string
		AgeBand    *string
		Occupation *string
		N          int64
	}
	var views, acks []group
	db := s.db.WithContext(ctx)
	if err := db.Model(&View{}).Select("grid_path, age_band, occupation, COUNT(*) AS n").Where("warning_id = ?", w.ID).Group("grid_path, age_band, occupation").Scan(&views).Error; err != nil {
		return Reach{}, err
	}
	if err := db.Model(&Ack{}).Select("grid_path, age_band, occupation, COUNT(*) AS n").Where("warning_id = ?", w.ID).Group("grid_path, age_band, occupation").Scan(&acks).Error; err != nil {
		return Reach{}, err
	}
	var viewers, signedViewers int64
	if err := db.Model(&View{}).Where("warning_id = ?", w.ID).Distinct("viewer").Count(&viewers).Error; err != nil {
		return Reach{}, err
	}
	if err := db.Model(&View{}).Where("warning_id = ? AND viewer LIKE 'u:%'", w.ID).Distinct("viewer").Count(&signedViewers).Error; err != nil {
		return Reach{}, err
	}
	scopeArea, err := s.areas.Get(ctx, c.AreaCode)
	if err != nil {
		return Reach{}, err
	}
	children, err := s.areas.Children(ctx, scopeArea.Code)
	if err != nil {
		return Reach{}, err
	}
	lists, err := s.codes.Lists(ctx)
	if err != nil {
		return Reach{}, err
	}
	r := Reach{WarningID: w.ID, Viewers: viewers, ByArea: []Count{}}
	areaIdx := map[string]int{}
	for _, ch := range children {
		areaIdx[ch.Path] = len(r.ByArea)
		r.ByArea = append(r.ByArea, Count{Code: ch.Code, Name: ch.Name})
	}
	if scopeArea.Level == area.Grid {
		areaIdx[scopeArea.Path] = len(r.ByArea)
		r.ByArea = append(r.ByArea, Count{Code: scopeArea.Code, Name: scopeArea.Name})
	}
	unknownArea := -1
	areaOf := func(p *string) int {
		if p != nil {
			for path, i := range areaIdx {
				if strings.HasPrefix(*p, path) {
					return i
				}
			}
		}
		if unknownArea < 0 {
			unknownArea = len(r.ByArea)
			r.ByArea = append(r.ByArea, Count{Code: "unknown", Name: "未知或辖区外"})
		}
		return unknownArea
	}
	ages := newCounter(lists.AgeBands)
	occs := newCounter(lists.Occupations)
	for _, g := range views {
		r.Views += g.N
		r.ByArea[areaOf(g.GridPath)].Views += g.N
		ages.at(g.AgeBand).Views += g.N
		occs.at(g.Occupation).Views += g.N
	}
	for _, g := range acks {
		r.Acks += g.N
		r.ByArea[areaOf(g.GridPath)].Acks += g.N
		ages.at(g.AgeBand).Acks += g.N
		occs.at(g.Occupation).Acks += g.N
	}
	if signedViewers > 0 {
		rate := float64(r.Acks) / float64(signedViewers)
		r.AckRate = &rate
	}
	r.ByAgeBand, r.ByOccupation = ages.list(), occs.list()
	return r, nil
}

type counter struct {
	items []Count
	idx   map[string]int
}

func newCounter(entries []taxonomy.Entry) *counter {
	c := &counter{idx: map[string]int{}}
	for _, e := range entries {
		c.idx[e.Code] = len(c.items)
		c.items = append(c.items, Count{Code: e.Code, Name: e.Name})
	}
	return c
}

func (c *counter) at(code *string) *Count {
	k := "unknown"
	if code != nil {
		k = *code
	}
	i, ok := c.idx[k]
	if !ok {
		i = len(c.items)
		c.idx[k] = i
		c.items = append(c.items, Count{Code: k, Name: "未填写"})
	}
	return &c.items[i]
}

func (c *counter) list() []Count { return c.items }
