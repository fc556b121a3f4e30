package api_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"
	"testing"

	"wuzha/internal/area"
	"wuzha/internal/auth"
	"wuzha/internal/awareness"
	"wuzha/internal/taxonomy"
	"wuzha/internal/testkit"
)

// dumpCounters lists the live generation's counter rows, every level of the
// area tree, without their generation number.
func dumpCounters(t *testing.T, e *testkit.Env) []string {
	t.Helper()
	var st awareness.State
	if err := e.DB.Where("id = 1").Take(&st).Error; err != nil {
		t.Fatal(err)
	}
	var out []string
	var cells []awareness.Cell
	var answers []awareness.AnswerCell
	var totals []awareness.Total
	var firsts []awareness.First
	e.DB.Where("gen = ?", st.Gen).Find(&cells)
	e.DB.Where("gen = ?", st.Gen).Find(&answers)
	e.DB.Where("gen = ?", st.Gen).Find(&totals)
	e.DB.Where("gen = ?", st.Gen).Find(&firsts)
	for _, c := range cells {
		c.Gen = 0
		out = append(out, fmt.Sprintf("cell %+v", c))
	}
	for _, a := range answers {
		a.Gen = 0
		out = append(out, fmt.Sprintf("answers %+v", a))
	}
	for _, x := range totals {
		x.Gen = 0
		out = append(out, fmt.Sprintf("total %+v", x))
	}
	for _, f := range firsts {
		f.Gen = 0
		out = append(out, fmt.Sprintf("first %+v", f))
	}
	sort.Strings(out)
	return out
}

// TestMaintainedCountersEqualRebuilt: a randomized workload through the
// submit path of two server instances at once (retakes, invalid attempts,
// sessions in other grids, non-counting and training quizzes), then the
// counters folded from the pending submissions are compared with the ones
// `wuzha awareness rebuild` computes from the raw attempts.
func TestMaintainedCountersEqualRebuilt(t *testing.T) {
	a := testkit.NewEnv(t)
	b := testkit.NewEnv(t, testkit.Options{DB: a.DB})
	counting := newQuizFixture(t, a, map[string]any{"max_attempts": 3})
	fast := newQuizFixture(t, a, map[string]any{"max_attempts": 3, "min_seconds_per_question": 100}) // always invalid when submitted at once
	notCounting := newQuizFixture(t, a, map[string]any{"counts_for_awareness": false})
	training := newQuizFixture(t, a, map[string]any{"audience": "staff"})
	worker := a.Staff("gw_x", auth.GridWorker, "330802002001001")
	sess := openSession(t, a, worker, counting.quizID)
	_ = training

	rng := rand.New(rand.NewPCG(1, 2))
	grids := []string{"330802001001001", "330802001001002", "330802002001001", "330802003001001"}
	ages := []string{"u18", "18_29", "30_44", "45_59", "60p"}
	type plan struct {
		env   *testkit.Env
		token string
		f     *quizFixture
		code  string
		right map[int64]bool
	}
	var plans []plan
	for i := 0; i < 40; i++ {
		tok := a.ResidentWithProfile(fmt.Sprintf("1330000%04d", i), ages[i%5], "other", grids[rng.IntN(len(grids))]).AccessToken
		for k := 0; k < 1+rng.IntN(3); k++ {
			f := []*quizFixture{counting, counting, fast, notCounting}[rng.IntN(4)]
			p := plan{env: []*testkit.Env{a, b}[rng.IntN(2)], token: tok, f: f, right: map[int64]bool{}}
			if f == counting && rng.IntN(3) == 0 {
				p.code = sess.JoinCode
			}
			for id := range f.questions {
				p.right[id] = rng.IntN(2) == 0
			}
			plans = append(plans, p)
		}
	}
	// Each resident's plans run in order; residents run concurrently.
	byToken := map[string][]plan{}
	for _, p := range plans {
		byToken[p.token] = append(byToken[p.token], p)
	}
	var wg sync.WaitGroup
	for _, ps := range byToken {
		wg.Add(1)
		go func(ps []plan) {
			defer wg.Done()
			for n, p := range ps {
				body := map[string]any{}
				if p.code != "" {
					body["session_code"] = p.code
				}
				r := p.env.Call("POST", fmt.Sprintf("/api/v1/quizzes/%d/attempts", p.f.quizID), p.token, body)
				if r.Status == 409 {
					continue // attempts used up
				}
				if r.Status != 201 {
					t.Errorf("start: %d %s", r.Status, r.Body)
					return
				}
				var st started
				r.JSON(t, &st)
				if s := p.f.submit(t, p.token, st.AttemptID, fmt.Sprint(n), p.f.answers(st, p.right)).Status; s != 200 {
					t.Errorf("submit: %d", s)
				}
			}
		}(ps)
	}
	wg.Wait()

	// Fold what the submissions left pending, as the background folder or
	// the next read of the figures does.
	svc := awareness.NewService(a.DB, area.NewStore(a.DB), taxonomy.NewStore(a.DB))
	if n, err := svc.Fold(context.Background()); err != nil || n == 0 {
		t.Fatalf("fold: %d attempts, %v", n, err)
	}
	maintained := dumpCounters(t, a)
	if len(maintained) < 20 {
		t.Fatalf("only %d counter rows; the workload proves little", len(maintained))
	}
	if _, err := svc.Rebuild(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	rebuilt := dumpCounters(t, a)
	if fmt.Sprint(maintained) != fmt.Sprint(rebuilt) {
		t.Fatalf("maintained counters differ from rebuilt ones:\nmaintained %v\nrebuilt    %v", maintained, rebuilt)
	}
	var invalid int64
	a.DB.Table("awareness_totals").Where("area_path = ?", "/330800/").Select("COALESCE(SUM(invalid), 0)").Scan(&invalid)
	if invalid == 0 {
		t.Fatal("no invalid attempt in the workload")
	}
}
