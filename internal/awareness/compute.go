package awareness

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"

	"wuzha/internal/area"
	"wuzha/internal/auth"
	"wuzha/internal/store"
	"wuzha/internal/taxonomy"
)

// Method is the one line every page and export states about the figures.
const Method = "基于问答答题者的知晓率估计（非官方随机抽样调查），方法 v1"

// Service computes awareness figures.
type Service struct {
	db    *store.DB
	areas *area.Store
	codes *taxonomy.Store
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
	Method       string           `json:"method"`
}

// counted is one counted attempt.
type counted struct {
	ID          int64
	GridPath    string
	AgeBand     *string
	Occupation  *string
	Passed      bool
	ScoreTenths int
}

// countedFilter is the SQL that makes an attempt count for period bounds:
// submitted in the period, valid, on a resident quiz that counts, and the
// resident's first such attempt in the period (earliest submission, then
// lowest id), wherever that first one was made.
const countedFilter = `a.status = 'submitted' AND a.invalid = ? AND q.audience = 'residents' AND q.counts_for_awareness = ?
	AND a.submitted_at >= ? AND a.submitted_at < ?
	AND NOT EXISTS (SELECT 1 FROM attempts b JOIN quizzes qb ON qb.id = b.quiz_id
		WHERE b.user_id = a.user_id AND b.status = 'submitted' AND b.invalid = ? AND qb.audience = 'residents' AND qb.counts_for_awareness = ?
		AND b.submitted_at >= ? AND b.submitted_at < ?
		AND (b.submitted_at < a.submitted_at OR (b.submitted_at = a.submitted_at AND b.id < a.id)))`

func (s *Service) counted(ctx context.Context, path string, p Period) ([]counted, error) {
	var rows []counted
	err := s.db.WithContext(ctx).Table("attempts a").
		Select("a.id, a.grid_path, a.age_band, a.occupation, a.passed, a.score_tenths").
		Joins("JOIN quizzes q ON q.id = a.quiz_id").
		Where(countedFilter, false, true, p.Start, p.End, false, true, p.Start, p.End).
		Where("a.grid_path LIKE ?", area.SubtreeLike(path)).
		Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("awareness: counted attempts: %w", err)
	}
	return rows, nil
}

// ErrNoArea is an unknown area code.
var ErrNoArea = errors.New("awareness: unknown area")

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

func (s *Service) compute(ctx context.Context, a area.Area, p Period) (Figures, error) {
	rows, err := s.counted(ctx, a.Path, p)
	if err != nil {
		return Figures{}, err
	}
	lists, err := s.codes.Lists(ctx)
	if err != nil {
		return Figures{}, err
	}
	f := Figures{AreaCode: a.Code, Name: a.Name, Level: string(a.Level), Period: p.Name, Method: Method,
		Children: []Child{}, ByFraudType: []FraudTypeLine{}, ByAgeBand: []AgeBandLine{}, ByOccupation: []OccupationLine{}}
	children, err := s.areas.Children(ctx, a.Code)
	if err != nil {
		return f, err
	}
	type tally struct{ n, passed int64 }
	var total tally
	var scoreSum int64
	byChild := make([]tally, len(children))
	byAge, byOcc := map[string]*tally{}, map[string]*tally{}
	ids := make([]int64, 0, len(rows))
	for _, r := range rows {
		ids = append(ids, r.ID)
		total.n++
		scoreSum += int64(r.ScoreTenths)
		inc := func(t *tally) {
			t.n++
			if r.Passed {
				t.passed++
			}
		}
		if r.Passed {
			total.passed++
		}
		for i, ch := range children {
			if strings.HasPrefix(r.GridPath, ch.Path) {
				inc(&byChild[i])
				break
			}
		}
		for _, g := range []struct {
			m    map[string]*tally
			code *string
		}{{byAge, r.AgeBand}, {byOcc, r.Occupation}} {
			k := ""
			if g.code != nil {
				k = *g.code
			}
			if g.m[k] == nil {
				g.m[k] = &tally{}
			}
			inc(g.m[k])
		}
	}
	f.Rate = rate(total.passed, total.n)
	if total.n > 0 {
		m := math.Round(float64(scoreSum)/float64(total.n)) / 10
		f.MeanScore = &m
	}
	if f.Population, err = s.areas.Population(ctx, a); err != nil {
		return f, err
	}
	f.Coverage = coverage(total.n, f.Population)
	for i, ch := range children {
		pop, err := s.areas.Population(ctx, ch)
		if err != nil {
			return f, err
		}
		f.Children = append(f.Children, Child{AreaCode: ch.Code, Name: ch.Name, Level: string(ch.Level), Rate: rate(byChild[i].passed, byChild[i].n), Population: pop, Coverage: coverage(byChild[i].n, pop)})
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
	answers := map[string]*FraudTypeLine{}
	for start := 0; start < len(ids); start += 1000 {
		var lines []struct {
			FraudType string
			Answered  int64
			Correct   int64
		}
		err := s.db.WithContext(ctx).Table("attempt_answers").Select("fraud_type, COUNT(*) AS answered, SUM(CASE WHEN correct THEN 1 ELSE 0 END) AS correct").
			Where("attempt_id IN ?", ids[start:min(start+1000, len(ids))]).Group("fraud_type").Scan(&lines).Error
		if err != nil {
			return f, err
		}
		for _, l := range lines {
			if answers[l.FraudType] == nil {
				answers[l.FraudType] = &FraudTypeLine{FraudType: l.FraudType}
			}
			answers[l.FraudType].Answered += l.Answered
			answers[l.FraudType].Correct += l.Correct
		}
	}
	for _, e := range lists.FraudTypes {
		l := answers[e.Code]
		if l == nil {
			l = &FraudTypeLine{FraudType: e.Code}
		}
		l.Name = e.Name
		if l.Answered > 0 {
			r := float64(l.Correct) / float64(l.Answered)
			l.Rate = &r
		}
		f.ByFraudType = append(f.ByFraudType, *l)
	}
	err = s.db.WithContext(ctx).Table("attempts a").Joins("JOIN quizzes q ON q.id = a.quiz_id").
		Where("a.status = 'submitted' AND a.invalid = ? AND q.audience = 'residents' AND q.counts_for_awareness = ? AND a.submitted_at >= ? AND a.submitted_at < ? AND a.grid_path LIKE ?",
			true, true, p.Start, p.End, area.SubtreeLike(a.Path)).Count(&f.Invalid).Error
	return f, err
}

func coverage(n, population int64) *float64 {
	if population <= 0 {
		return nil
	}
	c := float64(n) / float64(population)
	return &c
}
