package awareness

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"

	"wuzha/internal/area"
	"wuzha/internal/auth"
	"wuzha/internal/store"
	"wuzha/internal/taxonomy"
)

// Method names how the figures are made; Note is the one line every page
// and export states with them.
const Method = "基于问答答题者的知晓率估计（非官方随机抽样调查），方法 v1"

// Note is "based on N quiz respondents; method v1".
func Note(respondents int64) string {
	return fmt.Sprintf("基于 %d 名问答答题者；方法 v1（非官方随机抽样调查）", respondents)
}

// Service computes awareness figures.
type Service struct {
	db     *store.DB
	areas  *area.Store
	codes  *taxonomy.Store
	foldMu sync.Mutex // one folder per instance; instances guard each other in the database

	// FoldBatch is how many pending attempts a fold transaction takes
	// (FoldBatch, the constant, when zero).
	FoldBatch int
	// RebuildBatch is how many attempts a page of Rebuild's stream reads
	// (RebuildBatch, the constant, when zero).
	RebuildBatch int
}

// NewService wires the service.
func NewService(db *store.DB, areas *area.Store, codes *taxonomy.Store) *Service {
	return &Service{db: db, areas: areas, codes: codes}
}

// Rate is a share with its sample and interval; the pointers are nil when
// the sample is empty.
type Rate struct {
	Respondents int64    `json:"respondents"`
	Passed      int64    `json:"passed"`
	Rate        *float64 `json:"rate"`
	CILow       *float64 `json:"ci_low"`
	CIHigh      *float64 `json:"ci_high"`
}

func rate(passed, n int64) Rate {
	r := Rate{Respondents: n, Passed: passed}
	if lo, hi, ok := Wilson(passed, n); ok {
		p := float64(passed) / float64(n)
		r.Rate, r.CILow, r.CIHigh = &p, &lo, &hi
	}
	return r
}

// Child is a child area's line.
type Child struct {
	AreaCode string `json:"area_code"`
	Name     string `json:"name"`
	Level    string `json:"level"`
	Rate
	Population int64    `json:"population"`
	Coverage   *float64 `json:"coverage"`
}

// AgeBandLine is one age band's line.
type AgeBandLine struct {
	AgeBand string `json:"age_band"`
	Name    string `json:"name"`
	Rate
}

// OccupationLine is one occupation's line.
type OccupationLine struct {
	Occupation string `json:"occupation"`
	Name       string `json:"name"`
	Rate
}

// FraudTypeLine is how the answers on one fraud type went.
type FraudTypeLine struct {
	FraudType string   `json:"fraud_type"`
	Name      string   `json:"name"`
	Answered  int64    `json:"answered"`
	Correct   int64    `json:"correct"`
	Rate      *float64 `json:"rate"`
}

// Gap is one cell of the knowledge-gap heatmap: answers on a fraud type by
// respondents of an age band.
type Gap struct {
	FraudType string   `json:"fraud_type"`
	AgeBand   string   `json:"age_band"`
	Answered  int64    `json:"answered"`
	Correct   int64    `json:"correct"`
	Rate      *float64 `json:"rate"`
}

// Figures are an area's awareness figures for a period.
type Figures struct {
	AreaCode string `json:"area_code"`
	Name     string `json:"name"`
	Level    string `json:"level"`
	Period   string `json:"period"`
	Rate
	Population   int64            `json:"population"`
	Coverage     *float64         `json:"coverage"`
	MeanScore    *float64         `json:"mean_score"`
	Invalid      int64            `json:"invalid"`
	Children     []Child          `json:"children"`
	ByFraudType  []FraudTypeLine  `json:"by_fraud_type"`
	ByAgeBand    []AgeBandLine    `json:"by_age_band"`
	ByOccupation []OccupationLine `json:"by_occupation"`
	Gaps         []Gap            `json:"gaps"` // fraud type × age band
	Method       string           `json:"method"`
	Note         string           `json:"note"` // "based on N quiz respondents; method v1"
}

// Compute figures the area's awareness in period p from the raw attempts.
// The caller must be staff whose scope holds the area (assessors included).
func (s *Service) Compute(ctx context.Context, c auth.Caller, code string, p Period) (Figures, error) {
	a, err := s.areas.Get(ctx, code)
	if errors.Is(err, area.ErrNotFound) {
		return Figures{}, err
	}
	if err != nil {
		return Figures{}, err
	}
	if err := c.Authorize(a); err != nil {
		return Figures{}, err
	}
	return s.compute(ctx, a, p)
}

// compute folds the pending attempts, then reads the maintained counters:
// the area's own rows (by age band × occupation, by fraud type × age band),
// its own and its children's totals, and the populations of its grids summed
// per child — never the cells of its subtree.
func (s *Service) compute(ctx context.Context, a area.Area, p Period) (Figures, error) {
	if _, err := s.Fold(ctx); err != nil {
		return Figures{}, err
	}
	gen, err := s.liveGen(ctx)
	if err != nil {
		return Figures{}, err
	}
	db := s.db.WithContext(ctx)
	lists, err := s.codes.Lists(ctx)
	if err != nil {
		return Figures{}, err
	}
	f := Figures{AreaCode: a.Code, Name: a.Name, Level: string(a.Level), Period: p.Name, Method: Method,
		Children: []Child{}, ByFraudType: []FraudTypeLine{}, ByAgeBand: []AgeBandLine{}, ByOccupation: []OccupationLine{}, Gaps: []Gap{}}
	children, err := s.areas.Children(ctx, a.Code)
	if err != nil {
		return f, err
	}
	// The area's own rollup, whole, and its children's totals.
	var own Rollup
	var rows []Rollup
	if err := db.Where("gen = ? AND period = ? AND area_path = ?", gen, p.Name, a.Path).Limit(1).Find(&rows).Error; err != nil {
		return f, fmt.Errorf("awareness: rollup: %w", err)
	}
	if len(rows) == 1 {
		own = rows[0]
	}
	cells, err := UnpackCells(own.Cells)
	if err != nil {
		return f, err
	}
	answers, err := UnpackAnswers(own.Answers)
	if err != nil {
		return f, err
	}
	type tally struct{ n, passed int64 }
	byAge, byOcc := map[string]*tally{}, map[string]*tally{}
	for _, c := range cells {
		for _, g := range []struct {
			m    map[string]*tally
			code string
		}{{byAge, c.AgeBand}, {byOcc, c.Occupation}} {
			if g.m[g.code] == nil {
				g.m[g.code] = &tally{}
			}
			g.m[g.code].n += c.Respondents
			g.m[g.code].passed += c.Passed
		}
	}
	byPath := map[string]Rollup{}
	if len(children) > 0 {
		paths := make([]string, 0, len(children))
		for _, ch := range children {
			paths = append(paths, ch.Path)
		}
		var totals []Rollup
		if err := db.Select("area_path", "respondents", "passed").Where("gen = ? AND period = ? AND area_path IN ?", gen, p.Name, paths).Find(&totals).Error; err != nil {
			return f, fmt.Errorf("awareness: totals: %w", err)
		}
		for _, t := range totals {
			byPath[t.AreaPath] = t
		}
	}
	f.Rate = rate(own.Passed, own.Respondents)
	f.Note = Note(own.Respondents)
	f.Invalid = own.Invalid
	if own.Respondents > 0 {
		m := math.Round(float64(own.ScoreTenths)/float64(own.Respondents)) / 10
		f.MeanScore = &m
	}
	pop, childPop, err := s.populations(ctx, a, children)
	if err != nil {
		return f, err
	}
	f.Population = pop
	f.Coverage = coverage(own.Respondents, f.Population)
	for i, ch := range children {
		t := byPath[ch.Path]
		f.Children = append(f.Children, Child{AreaCode: ch.Code, Name: ch.Name, Level: string(ch.Level), Rate: rate(t.Passed, t.Respondents), Population: childPop[i], Coverage: coverage(t.Respondents, childPop[i])})
	}
	for _, e := range lists.AgeBands {
		t := byAge[e.Code]
		if t == nil {
			t = &tally{}
		}
		f.ByAgeBand = append(f.ByAgeBand, AgeBandLine{AgeBand: e.Code, Name: e.Name, Rate: rate(t.passed, t.n)})
	}
	for _, e := range lists.Occupations {
		t := byOcc[e.Code]
		if t == nil {
			t = &tally{}
		}
		f.ByOccupation = append(f.ByOccupation, OccupationLine{Occupation: e.Code, Name: e.Name, Rate: rate(t.passed, t.n)})
	}
	byType := map[string]AnswerCell{}
	for _, an := range answers {
		t := byType[an.FraudType]
		t.Answered += an.Answered
		t.Correct += an.Correct
		byType[an.FraudType] = t
		g := Gap{FraudType: an.FraudType, AgeBand: an.AgeBand, Answered: an.Answered, Correct: an.Correct}
		if g.Answered > 0 {
			r := float64(g.Correct) / float64(g.Answered)
			g.Rate = &r
		}
		f.Gaps = append(f.Gaps, g)
	}
	for _, e := range lists.FraudTypes {
		an := byType[e.Code]
		l := FraudTypeLine{FraudType: e.Code, Name: e.Name, Answered: an.Answered, Correct: an.Correct}
		if l.Answered > 0 {
			r := float64(l.Correct) / float64(l.Answered)
			l.Rate = &r
		}
		f.ByFraudType = append(f.ByFraudType, l)
	}
	return f, nil
}

// populations sums the populations of a's grids, and per child. When the
// children's paths are all of one length (as the area codes make them), the
// database sums them in one grouped query and returns one row per child;
// otherwise the grids' paths and populations are read and summed here.
func (s *Service) populations(ctx context.Context, a area.Area, children []area.Area) (int64, []int64, error) {
	db := s.db.WithContext(ctx)
	childPop := make([]int64, len(children))
	if a.Level == area.Grid || len(children) == 0 {
		var sum *int64
		err := db.Model(&area.Area{}).Select("SUM(population)").Where("path LIKE ? AND level = ?", area.SubtreeLike(a.Path), area.Grid).Scan(&sum).Error
		if sum == nil {
			return 0, childPop, err
		}
		return *sum, childPop, err
	}
	index := map[string]int{}
	width := len(children[0].Path)
	for i, ch := range children {
		index[ch.Path] = i
		if len(ch.Path) != width {
			width = 0
		}
	}
	var rows []struct {
		Path       string
		Population int64
	}
	q := db.Model(&area.Area{}).Where("path LIKE ? AND level = ?", area.SubtreeLike(a.Path), area.Grid)
	if width > 0 {
		prefix := fmt.Sprintf("SUBSTR(path, 1, %d)", width)
		q = q.Select(prefix + " AS path, SUM(population) AS population").Group(prefix)
	} else {
		q = q.Select("path, population")
	}
	if err := q.Scan(&rows).Error; err != nil {
		return 0, nil, fmt.Errorf("awareness: populations: %w", err)
	}
	var total int64
	for _, r := range rows {
		total += r.Population
		// The child holding a grid is the grid path cut after the child's
		// segment.
		cut := strings.IndexByte(r.Path[len(a.Path):], '/')
		if cut < 0 {
			continue
		}
		if i, ok := index[r.Path[:len(a.Path)+cut+1]]; ok {
			childPop[i] += r.Population
		}
	}
	return total, childPop, nil
}

func coverage(n, population int64) *float64 {
	if population <= 0 {
		return nil
	}
	c := float64(n) / float64(population)
	return &c
}

// GridLine is one grid's respondents against its population.
type GridLine struct {
	AreaCode    string   `json:"area_code"`
	Name        string   `json:"name"`
	Respondents int64    `json:"respondents"`
	Passed      int64    `json:"passed"`
	Population  int64    `json:"population"`
	Coverage    *float64 `json:"coverage"`
}

// Grids lists every grid under the area with its respondents and coverage
// in period p, lowest coverage first: the coverage gaps of a report.
func (s *Service) Grids(ctx context.Context, c auth.Caller, code string, p Period) ([]GridLine, error) {
	a, err := s.areas.Get(ctx, code)
	if err != nil {
		return nil, err
	}
	if err := c.Authorize(a); err != nil {
		return nil, err
	}
	if _, err := s.Fold(ctx); err != nil {
		return nil, err
	}
	gen, err := s.liveGen(ctx)
	if err != nil {
		return nil, err
	}
	var grids []area.Area
	if err := s.db.WithContext(ctx).Where("path LIKE ? AND level = ?", area.SubtreeLike(a.Path), area.Grid).Order("code").Find(&grids).Error; err != nil {
		return nil, err
	}
	// The totals of the subtree's areas: one row per area, grids and the
	// few areas above them.
	var totals []Rollup
	if err := s.db.WithContext(ctx).Select("area_path", "respondents", "passed").Where("gen = ? AND period = ? AND area_path LIKE ?", gen, p.Name, area.SubtreeLike(a.Path)).Find(&totals).Error; err != nil {
		return nil, err
	}
	byPath := map[string][2]int64{}
	for _, x := range totals {
		byPath[x.AreaPath] = [2]int64{x.Respondents, x.Passed}
	}
	out := make([]GridLine, len(grids))
	for i, g := range grids {
		n := byPath[g.Path]
		out[i] = GridLine{AreaCode: g.Code, Name: g.Name, Respondents: n[0], Passed: n[1], Population: g.Population, Coverage: coverage(n[0], g.Population)}
	}
	sort.SliceStable(out, func(i, j int) bool {
		ci, cj := -1.0, -1.0
		if out[i].Coverage != nil {
			ci = *out[i].Coverage
		}
		if out[j].Coverage != nil {
			cj = *out[j].Coverage
		}
		return ci < cj
	})
	return out, nil
}
