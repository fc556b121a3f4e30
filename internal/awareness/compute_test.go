package awareness_test

import (
	"context"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"wuzha/internal/area"
	"wuzha/internal/auth"
	"wuzha/internal/awareness"
	"wuzha/internal/quiz"
	"wuzha/internal/rule"
	"wuzha/internal/store"
	"wuzha/internal/taxonomy"
	"wuzha/internal/testkit"
	"wuzha/seed"
)

// TestFiguresEqualAnIndependentComputation builds a random workload straight
// in the tables — many residents, retakes, invalid attempts, open attempts,
// attempts through sessions in other grids, training and non-counting
// quizzes, submissions on period boundaries, grids across counties — and
// checks every figure of many areas against a computation written here from
// the raw rows and docs/metrics.md alone.
func TestFiguresEqualAnIndependentComputation(t *testing.T) {
	ctx := context.Background()
	db := testkit.OpenDB(t)
	areas, codes := area.NewStore(db), taxonomy.NewStore(db)
	if err := seed.Load(ctx, seed.Targets{Areas: areas, Codes: codes}); err != nil {
		t.Fatal(err)
	}
	var grids []area.Area
	db.Where("level = ?", area.Grid).Order("code").Find(&grids)
	lists, _ := codes.Lists(ctx)
	rng := rand.New(rand.NewPCG(7, 11))

	// Quizzes: two counting resident quizzes (pass marks 60 and 80), one
	// resident quiz that does not count, one staff training quiz.
	now := time.Now().UTC()
	mk := func(aud quiz.Audience, counts bool, pass int) quiz.Quiz {
		q := quiz.Quiz{Title: "q", AreaCode: "330800", AreaPath: "/330800/", Audience: aud, Status: quiz.Published, StartsAt: now.AddDate(-1, 0, 0), EndsAt: now.AddDate(1, 0, 0),
			QuestionCount: 5, PassScore: pass, TimeLimitS: 600, MaxAttempts: 5, MinSecondsPerQuestion: 2, CountsForAwareness: counts, CreatedAt: now, UpdatedAt: now}
		if err := db.Create(&q).Error; err != nil {
			t.Fatal(err)
		}
		return q
	}
	quizzes := []quiz.Quiz{mk(quiz.Residents, true, 60), mk(quiz.Residents, true, 80), mk(quiz.Residents, false, 60), mk(quiz.Staff, false, 60)}

	// The period under test is 2026Q3; attempts fall around its edges too.
	p, err := awareness.ParsePeriod("2026Q3", now)
	if err != nil {
		t.Fatal(err)
	}
	// Forty days into the quarter the root raises the pass mark of the rule
	// to 70: the quiz with pass mark 60 stops counting from that moment.
	raised := p.Start.Add(40*24*time.Hour + time.Hour)
	ruleAt := func(at time.Time) rule.Rule {
		r := rule.Default()
		if !at.Before(raised) {
			r.PassScore = 70
		}
		return r
	}
	history := []ruleChange{{from: time.Time{}, passScore: 60, minQuestions: 5, minSeconds: 2}, {from: raised, passScore: 70, minQuestions: 5, minSeconds: 2}}
	month, _ := awareness.ParsePeriod("2026-08", now)
	times := []time.Time{p.Start.Add(-time.Second), p.Start, p.Start.Add(time.Second), p.Start.Add(40 * 24 * time.Hour), month.Start, month.End.Add(-time.Millisecond),
		p.End.Add(-time.Microsecond), p.End, p.End.Add(time.Hour), p.Start.Add(60 * 24 * time.Hour), raised.Add(-time.Second), raised}
	var attempts []quiz.Attempt
	var answers []quiz.AttemptAnswer
	for user := int64(1); user <= 900; user++ {
		home := grids[rng.IntN(len(grids))]
		age := lists.AgeBands[rng.IntN(len(lists.AgeBands))].Code
		occ := lists.Occupations[rng.IntN(len(lists.Occupations))].Code
		for k := 0; k < 1+rng.IntN(4); k++ {
			q := quizzes[rng.IntN(len(quizzes))]
			g := home
			if rng.IntN(4) == 0 { // through a session in another grid, maybe another county
				g = grids[rng.IntN(len(grids))]
			}
			at := times[rng.IntN(len(times))]
			if rng.IntN(3) == 0 {
				at = at.Add(time.Duration(rng.IntN(3600)) * time.Second)
			}
			score := rng.IntN(11) * 100 // tenths: 0, 10.0 … 100.0
			passed := score >= q.PassScore*10
			a := quiz.Attempt{QuizID: q.ID, UserID: user, AttemptNo: k + 1, GridCode: &g.Code, GridPath: &g.Path, AgeBand: &age, Occupation: &occ,
				Status: quiz.Submitted, Served: "[]", StartedAt: at.Add(-time.Minute), Deadline: at.Add(time.Hour), SubmittedAt: &at,
				ScoreTenths: &score, Passed: &passed, Invalid: rng.IntN(8) == 0}
			if rng.IntN(12) == 0 { // never submitted
				a.Status, a.SubmittedAt, a.ScoreTenths, a.Passed = quiz.Open, nil, nil, nil
			}
			// Counting and pending for the counters, as the submit
			// transaction leaves it: by the rule in force at submission.
			a.Counting = a.Status == quiz.Submitted && q.Audience == quiz.Residents && q.CountsForAwareness &&
				ruleAt(*a.SubmittedAt).Admits(q.PassScore, q.QuestionCount, q.MinSecondsPerQuestion)
			a.TallyPending = a.Counting
			attempts = append(attempts, a)
		}
	}
	if err := db.CreateInBatches(&attempts, 200).Error; err != nil {
		t.Fatal(err)
	}
	for _, a := range attempts {
		for qn := int64(1); qn <= 3; qn++ {
			answers = append(answers, quiz.AttemptAnswer{AttemptID: a.ID, QuestionID: qn, AnswerKeys: "A", Correct: rng.IntN(2) == 0,
				FraudType: lists.FraudTypes[rng.IntN(len(lists.FraudTypes))].Code})
		}
	}
	if err := db.CreateInBatches(&answers, 500).Error; err != nil {
		t.Fatal(err)
	}

	// Three instances fold the pending attempts at once (a thousand, in
	// batches, so residents' retakes fall in different batches); the figures
	// must then be right, and again after `wuzha awareness rebuild` has
	// recomputed the counters from the raw rows.
	svc := awareness.NewService(db, areas, codes)
	var wg sync.WaitGroup
	folded := make([]int, 3)
	for i := range folded {
		wg.Add(1)
		go func() {
			defer wg.Done()
			folder := awareness.NewService(db, areas, codes)
			folder.FoldBatch = 100
			n, err := folder.Fold(ctx)
			if err != nil {
				t.Error(err)
			}
			folded[i] = n
		}()
	}
	wg.Wait()
	if folded[0]+folded[1]+folded[2] <= 100 {
		t.Fatalf("folded %v: the workload should need more than one batch", folded)
	}
	checkFigures(t, svc, db, quizzes, history, attempts, answers, grids, p, month)
	if _, err := svc.Rebuild(ctx, nil); err != nil {
		t.Fatal(err)
	}
	checkFigures(t, svc, db, quizzes, history, attempts, answers, grids, p, month)
}

func checkFigures(t *testing.T, svc *awareness.Service, db *store.DB, quizzes []quiz.Quiz, history []ruleChange, attempts []quiz.Attempt, answers []quiz.AttemptAnswer, grids []area.Area, p, month awareness.Period) {
	t.Helper()
	ctx := context.Background()
	root := auth.Caller{UserID: 1, Role: auth.Admin, AreaCode: "330800", AreaPath: "/330800/"}
	quizByID := map[int64]quiz.Quiz{}
	for _, q := range quizzes {
		quizByID[q.ID] = q
	}
	var checkAreas []area.Area
	// Every level: the city, the counties, two towns, the community above
	// the first grid, and two grids.
	community := strings.Split(strings.Trim(grids[0].Path, "/"), "/")[3]
	db.Where("level IN ? OR code IN ?", []string{"city", "county"}, []string{"330802001", "330881101", community, grids[0].Code, grids[len(grids)-1].Code}).Find(&checkAreas)
	levels := map[area.Level]bool{}
	for _, a := range checkAreas {
		levels[a.Level] = true
	}
	if len(levels) != 5 {
		t.Fatalf("the areas checked cover the levels %v, want all five", levels)
	}
	popOf := func(path string) int64 {
		var n int64
		for _, g := range grids {
			if strings.HasPrefix(g.Path, path) {
				n += g.Population
			}
		}
		return n
	}
	totalRespondents := int64(0)
	for _, per := range []awareness.Period{p, month} {
		want := independent(attempts, answers, quizByID, history, per)
		for _, a := range checkAreas {
			got, err := svc.Compute(ctx, root, a.Code, per)
			if err != nil {
				t.Fatal(err)
			}
			w := want(a.Path)
			if got.Respondents != w.n || got.Passed != w.passed || got.Invalid != w.invalid {
				t.Errorf("%s %s: respondents/passed/invalid %d/%d/%d, want %d/%d/%d", per.Name, a.Code, got.Respondents, got.Passed, got.Invalid, w.n, w.passed, w.invalid)
			}
			if a.Level == area.City {
				totalRespondents += got.Respondents
			}
			if got.Population != popOf(a.Path) {
				t.Errorf("%s %s: population %d, want %d", per.Name, a.Code, got.Population, popOf(a.Path))
			}
			for _, ch := range got.Children {
				if cp := popOf(strings.TrimSuffix(a.Path, "/") + "/" + ch.AreaCode + "/"); ch.Population != cp {
					t.Errorf("%s %s child %s: population %d, want %d", per.Name, a.Code, ch.AreaCode, ch.Population, cp)
				}
			}
			// The grid list: every grid of the area with its own figures.
			lines, err := svc.Grids(ctx, root, a.Code, per)
			if err != nil {
				t.Fatal(err)
			}
			var ln int64
			for _, l := range lines {
				wl := want(strings.TrimSuffix(a.Path, "/") + "/")
				for _, g := range grids {
					if g.Code == l.AreaCode {
						wl = want(g.Path)
					}
				}
				if l.Respondents != wl.n || l.Passed != wl.passed {
					t.Errorf("%s %s grid line %s: %d/%d, want %d/%d", per.Name, a.Code, l.AreaCode, l.Passed, l.Respondents, wl.passed, wl.n)
				}
				ln += l.Respondents
			}
			if ln != got.Respondents {
				t.Errorf("%s %s: grid lines sum to %d respondents, area has %d", per.Name, a.Code, ln, got.Respondents)
			}
			if (got.Rate.Rate == nil) != (w.n == 0) || (got.Rate.Rate != nil && math.Abs(*got.Rate.Rate-float64(w.passed)/float64(w.n)) > 1e-12) {
				t.Errorf("%s %s: rate %v", per.Name, a.Code, got.Rate.Rate)
			}
			if w.n > 0 && math.Abs(*got.MeanScore-math.Round(float64(w.scoreSum)/float64(w.n))/10) > 1e-9 {
				t.Errorf("%s %s: mean score %v, want %v", per.Name, a.Code, *got.MeanScore, float64(w.scoreSum)/float64(w.n)/10)
			}
			// Children are sums: numerators and denominators add up to the parent's.
			var cn, cp int64
			for _, ch := range got.Children {
				wc := want(strings.TrimSuffix(a.Path, "/") + "/" + ch.AreaCode + "/")
				if ch.Respondents != wc.n || ch.Passed != wc.passed {
					t.Errorf("%s %s child %s: %d/%d, want %d/%d", per.Name, a.Code, ch.AreaCode, ch.Passed, ch.Respondents, wc.passed, wc.n)
				}
				cn, cp = cn+ch.Respondents, cp+ch.Passed
			}
			if len(got.Children) > 0 && (cn != got.Respondents || cp != got.Passed) {
				t.Errorf("%s %s: children sum to %d/%d, area has %d/%d", per.Name, a.Code, cp, cn, got.Passed, got.Respondents)
			}
			for _, g := range got.ByAgeBand {
				wg := w.byAge[g.AgeBand]
				if g.Respondents != wg[0] || g.Passed != wg[1] {
					t.Errorf("%s %s age %s: %d/%d, want %d/%d", per.Name, a.Code, g.AgeBand, g.Passed, g.Respondents, wg[1], wg[0])
				}
			}
			for _, g := range got.ByOccupation {
				wg := w.byOcc[g.Occupation]
				if g.Respondents != wg[0] || g.Passed != wg[1] {
					t.Errorf("%s %s occupation %s: %d/%d, want %d/%d", per.Name, a.Code, g.Occupation, g.Passed, g.Respondents, wg[1], wg[0])
				}
			}
			for _, l := range got.ByFraudType {
				wl := w.byFraud[l.FraudType]
				if l.Answered != wl[0] || l.Correct != wl[1] {
					t.Errorf("%s %s fraud type %s: %d/%d, want %d/%d", per.Name, a.Code, l.FraudType, l.Correct, l.Answered, wl[1], wl[0])
				}
			}
		}
	}
	if totalRespondents < 100 {
		t.Fatalf("the workload counted only %d respondents city-wide; the comparison proves little", totalRespondents)
	}
}

// ruleChange is the assessment rule's counting part from a moment on.
type ruleChange struct {
	from                                time.Time
	passScore, minQuestions, minSeconds int
}

type expected struct {
	n, passed, invalid, scoreSum int64
	byAge, byOcc, byFraud        map[string][2]int64
}

// independent computes docs/metrics.md from raw rows: for each resident, the
// first (earliest submitted, then lowest id) valid submitted attempt on a
// counting resident quiz that met the rule in force at its submission,
// within the period, counts, in its stored grid.
func independent(attempts []quiz.Attempt, answers []quiz.AttemptAnswer, quizzes map[int64]quiz.Quiz, history []ruleChange, p awareness.Period) func(path string) expected {
	meetsRule := func(q quiz.Quiz, at time.Time) bool {
		var in ruleChange
		for _, h := range history {
			if !at.Before(h.from) {
				in = h
			}
		}
		return q.PassScore >= in.passScore && q.QuestionCount >= in.minQuestions && q.MinSecondsPerQuestion >= in.minSeconds
	}
	eligible := func(a quiz.Attempt) bool {
		q := quizzes[a.QuizID]
		return a.Status == quiz.Submitted && q.Audience == quiz.Residents && q.CountsForAwareness &&
			meetsRule(q, *a.SubmittedAt) && !a.SubmittedAt.Before(p.Start) && a.SubmittedAt.Before(p.End)
	}
	first := map[int64]quiz.Attempt{}
	var invalid []quiz.Attempt
	sorted := append([]quiz.Attempt(nil), attempts...)
	sort.Slice(sorted, func(i, j int) bool {
		if sorted[i].SubmittedAt == nil || sorted[j].SubmittedAt == nil {
			return sorted[j].SubmittedAt == nil && sorted[i].SubmittedAt != nil
		}
		if !sorted[i].SubmittedAt.Equal(*sorted[j].SubmittedAt) {
			return sorted[i].SubmittedAt.Before(*sorted[j].SubmittedAt)
		}
		return sorted[i].ID < sorted[j].ID
	})
	for _, a := range sorted {
		if !eligible(a) {
			continue
		}
		if a.Invalid {
			invalid = append(invalid, a)
			continue
		}
		if _, ok := first[a.UserID]; !ok {
			first[a.UserID] = a
		}
	}
	answersOf := map[int64][]quiz.AttemptAnswer{}
	for _, an := range answers {
		answersOf[an.AttemptID] = append(answersOf[an.AttemptID], an)
	}
	return func(path string) expected {
		e := expected{byAge: map[string][2]int64{}, byOcc: map[string][2]int64{}, byFraud: map[string][2]int64{}}
		for _, a := range first {
			if !strings.HasPrefix(*a.GridPath, path) {
				continue
			}
			e.n++
			e.scoreSum += int64(*a.ScoreTenths)
			p := int64(0)
			if *a.Passed {
				p = 1
			}
			e.passed += p
			e.byAge[*a.AgeBand] = [2]int64{e.byAge[*a.AgeBand][0] + 1, e.byAge[*a.AgeBand][1] + p}
			e.byOcc[*a.Occupation] = [2]int64{e.byOcc[*a.Occupation][0] + 1, e.byOcc[*a.Occupation][1] + p}
			for _, an := range answersOf[a.ID] {
				c := int64(0)
				if an.Correct {
					c = 1
				}
				e.byFraud[an.FraudType] = [2]int64{e.byFraud[an.FraudType][0] + 1, e.byFraud[an.FraudType][1] + c}
			}
		}
		for _, a := range invalid {
			if strings.HasPrefix(*a.GridPath, path) {
				e.invalid++
			}
		}
		return e
	}
}
