package content

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"wuzha/internal/area"
	"wuzha/internal/taxonomy"
)

// liveWarning is a published warning as the feed needs it, with its
// targeting resolved (area codes to paths).
type liveWarning struct {
	detail      Detail
	ageBands    []string
	occupations []string
	areaPaths   []string // empty: every area under the owner
	ownerPath   string
	publishedAt time.Time
}

func (l liveWarning) current(now time.Time) bool {
	return (l.detail.PublishAt == nil || !l.detail.PublishAt.After(now)) && (l.detail.ExpireAt == nil || l.detail.ExpireAt.After(now))
}

func (l liveWarning) inArea(gridPath string) bool {
	if gridPath == "" {
		return true
	}
	if len(l.areaPaths) == 0 {
		return strings.HasPrefix(gridPath, l.ownerPath)
	}
	for _, p := range l.areaPaths {
		if strings.HasPrefix(gridPath, p) {
			return true
		}
	}
	return false
}

// liveCache holds every live warning for a short time. Published warnings
// are few (hundreds) and read by everyone, so the feed filters and ranks them
// in memory; the TTL bounds how long another instance shows a stale set, and
// this instance drops the cache at once when it publishes or archives.
type liveCache struct {
	ttl      time.Duration
	mu       sync.Mutex
	loadedAt time.Time
	items    []liveWarning
	byID     map[int64]int
	lists    taxonomy.Lists
}

func (c *liveCache) invalidate() {
	c.mu.Lock()
	c.loadedAt = time.Time{}
	c.mu.Unlock()
}

func (c *liveCache) snapshot(ctx context.Context, s *Service) ([]liveWarning, map[int64]int, taxonomy.Lists, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if time.Since(c.loadedAt) < c.ttl {
		return c.items, c.byID, c.lists, nil
	}
	items, lists, err := s.loadLive(ctx)
	if err != nil {
		return nil, nil, taxonomy.Lists{}, err
	}
	c.items, c.lists, c.loadedAt = items, lists, time.Now()
	c.byID = make(map[int64]int, len(items))
	for i, it := range items {
		c.byID[it.detail.ID] = i
	}
	return c.items, c.byID, c.lists, nil
}

func (c *liveCache) get(ctx context.Context, s *Service, id int64) (liveWarning, bool, error) {
	items, byID, _, err := c.snapshot(ctx, s)
	if err != nil {
		return liveWarning{}, false, err
	}
	i, ok := byID[id]
	if !ok {
		return liveWarning{}, false, nil
	}
	return items[i], true, nil
}

func (s *Service) loadLive(ctx context.Context) ([]liveWarning, taxonomy.Lists, error) {
	lists, err := s.codes.Lists(ctx)
	if err != nil {
		return nil, lists, err
	}
	var ws []Warning
	if err := s.db.WithContext(ctx).Where("live_version_id IS NOT NULL AND status <> ?", Archived).Find(&ws).Error; err != nil {
		return nil, lists, fmt.Errorf("content: load live: %w", err)
	}
	ids := make([]int64, len(ws))
	for i, w := range ws {
		ids[i] = *w.LiveVersionID
	}
	versions := map[int64]Version{}
	codes := map[string]bool{}
	for start := 0; start < len(ids); start += 500 {
		var vs []Version
		if err := s.db.WithContext(ctx).Where("id IN ?", ids[start:min(start+500, len(ids))]).Find(&vs).Error; err != nil {
			return nil, lists, err
		}
		for _, v := range vs {
			versions[v.ID] = v
			for _, c := range splitCodes(v.AreaCodes) {
				codes[c] = true
			}
		}
	}
	paths := map[string]string{}
	if len(codes) > 0 {
		var list []string
		for c := range codes {
			list = append(list, c)
		}
		var as []area.Area
		if err := s.db.WithContext(ctx).Where("code IN ?", list).Find(&as).Error; err != nil {
			return nil, lists, err
		}
		for _, a := range as {
			paths[a.Code] = a.Path
		}
	}
	out := make([]liveWarning, 0, len(ws))
	for _, w := range ws {
		v := versions[*w.LiveVersionID]
		d := s.detail(w, v, lists, false)
		d.Status = Published
		lw := liveWarning{detail: d, ageBands: d.AgeBands, occupations: d.Occupations, ownerPath: w.OwnerPath, publishedAt: w.CreatedAt}
		if w.FirstPublishedAt != nil {
			lw.publishedAt = *w.FirstPublishedAt
		}
		for _, c := range d.AreaCodes {
			if p, ok := paths[c]; ok {
				lw.areaPaths = append(lw.areaPaths, p)
			}
		}
		out = append(out, lw)
	}
	return out, lists, nil
}

// FeedQuery is who the feed is for; empty fields do not filter.
type FeedQuery struct {
	AgeBand    string
	Occupation string
	GridCode   string
	Offset     int
	Limit      int
}

// FeedItem is a card of the residents' feed.
type FeedItem struct {
	ID            int64      `json:"id"`
	Title         string     `json:"title"`
	Summary       string     `json:"summary"`
	FraudType     string     `json:"fraud_type"`
	FraudTypeName string     `json:"fraud_type_name"`
	AgeBands      []string   `json:"age_bands"`
	Occupations   []string   `json:"occupations"`
	PublishedAt   *time.Time `json:"published_at"`
	Targeted      bool       `json:"targeted"` // aimed at the reader's group, not general
}

// Feed returns published, current warnings whose targeting matches q, best
// match first: aimed at the reader's own groups before general ones, then by
// how much the fraud type hurts the reader's groups, then newest. It also
// returns whether more follow.
func (s *Service) Feed(ctx context.Context, q FeedQuery) ([]FeedItem, bool, error) {
	items, _, lists, err := s.live.snapshot(ctx, s)
	if err != nil {
		return nil, false, err
	}
	if (q.AgeBand != "" && !lists.Has(taxonomy.AgeBand, q.AgeBand)) || (q.Occupation != "" && !lists.Has(taxonomy.Occupation, q.Occupation)) {
		return nil, false, ErrInvalidAudience
	}
	gridPath := ""
	if q.GridCode != "" {
		a, err := s.areas.Get(ctx, q.GridCode)
		if errors.Is(err, area.ErrNotFound) {
			return nil, false, ErrInvalidAudience
		}
		if err != nil {
			return nil, false, err
		}
		gridPath = a.Path
	}
	hurts := map[string]int{}
	for _, ft := range lists.FraudTypes {
		n := 0
		if q.AgeBand != "" && contains(ft.AgeBands, q.AgeBand) {
			n++
		}
		if q.Occupation != "" && contains(ft.Occupations, q.Occupation) {
			n++
		}
		hurts[ft.Code] = n
	}
	type ranked struct {
		lw          liveWarning
		specificity int
	}
	now := time.Now()
	var matched []ranked
	for _, lw := range items {
		if !lw.current(now) || !lw.inArea(gridPath) {
			continue
		}
		if q.AgeBand != "" && len(lw.ageBands) > 0 && !contains(lw.ageBands, q.AgeBand) {
			continue
		}
		if q.Occupation != "" && len(lw.occupations) > 0 && !contains(lw.occupations, q.Occupation) {
			continue
		}
		spec := 0
		if q.AgeBand != "" && len(lw.ageBands) > 0 {
			spec += 2
		}
		if q.Occupation != "" && len(lw.occupations) > 0 {
			spec += 2
		}
		if gridPath != "" && len(lw.areaPaths) > 0 {
			spec++
		}
		matched = append(matched, ranked{lw, spec})
	}
	sort.SliceStable(matched, func(i, j int) bool {
		a, b := matched[i], matched[j]
		if a.specificity != b.specificity {
			return a.specificity > b.specificity
		}
		if ha, hb := hurts[a.lw.detail.FraudType], hurts[b.lw.detail.FraudType]; ha != hb {
			return ha > hb
		}
		if !a.lw.publishedAt.Equal(b.lw.publishedAt) {
			return a.lw.publishedAt.After(b.lw.publishedAt)
		}
		return a.lw.detail.ID > b.lw.detail.ID
	})
	if q.Offset >= len(matched) {
		return []FeedItem{}, false, nil
	}
	end := min(q.Offset+q.Limit, len(matched))
	out := make([]FeedItem, 0, end-q.Offset)
	for _, m := range matched[q.Offset:end] {
		d := m.lw.detail
		out = append(out, FeedItem{ID: d.ID, Title: d.Title, Summary: d.Summary, FraudType: d.FraudType, FraudTypeName: d.FraudTypeName,
			AgeBands: d.AgeBands, Occupations: d.Occupations, PublishedAt: d.PublishedAt, Targeted: m.specificity > 0})
	}
	return out, end < len(matched), nil
}
