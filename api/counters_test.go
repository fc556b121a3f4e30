package api_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"wuzha/internal/area"
	"wuzha/internal/auth"
	"wuzha/internal/awareness"
	"wuzha/internal/taxonomy"
	"wuzha/internal/testkit"
)

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
	maintained := testkit.Counters(t, a.DB.DB)
	if len(maintained) < 20 {
		t.Fatalf("only %d counter rows; the workload proves little", len(maintained))
	}
	if _, err := svc.Rebuild(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	rebuilt := testkit.Counters(t, a.DB.DB)
	if fmt.Sprint(maintained) != fmt.Sprint(rebuilt) {
		t.Fatalf("maintained counters differ from rebuilt ones:\nmaintained %v\nrebuilt    %v", maintained, rebuilt)
	}
	var invalid int64
	a.DB.Table("awareness_rollups").Where("area_path = ?", "/330800/").Select("COALESCE(SUM(invalid), 0)").Scan(&invalid)
	if invalid == 0 {
		t.Fatal("no invalid attempt in the workload")
	}
}

// TestRebuildDuringSubmissions: residents keep submitting through the API
// from several goroutines while `wuzha awareness rebuild` runs (its stream
// slowed so that they overlap), and the figures are read meanwhile. The
// reads are served from the live counters as they were when the rebuild
// began; afterwards, with the last submissions folded, the counters of
// every area equal a computation written here from the raw attempts (no
// counted attempt lost or doubled), and equal what a quiet rebuild makes.
func TestRebuildDuringSubmissions(t *testing.T) {
	e := testkit.NewEnv(t)
	counting := newQuizFixture(t, e, map[string]any{"max_attempts": 3})
	fast := newQuizFixture(t, e, map[string]any{"max_attempts": 2, "min_seconds_per_question": 100}) // always invalid when submitted at once
	admin := e.Staff("admin_rb", auth.Admin, "330800")
	grids := []string{"330802001001001", "330802001001002", "330802002001001", "330802003001001"}
	type resident struct {
		token string
		jobs  []*quizFixture
	}
	var residents []*resident
	for i := 0; i < 48; i++ {
		tok := e.ResidentWithProfile(fmt.Sprintf("1350000%04d", i), []string{"u18", "18_29", "30_44", "45_59", "60p"}[i%5], "other", grids[i%len(grids)]).AccessToken
		residents = append(residents, &resident{token: tok, jobs: []*quizFixture{counting, fast, counting, fast, counting}})
	}
	take := func(r *resident) bool {
		if len(r.jobs) == 0 {
			return false
		}
		f := r.jobs[0]
		r.jobs = r.jobs[1:]
		res := e.Call("POST", fmt.Sprintf("/api/v1/quizzes/%d/attempts", f.quizID), r.token, map[string]any{})
		if res.Status != 201 {
			t.Errorf("start: %d %s", res.Status, res.Body)
			return false
		}
		var st started
		res.JSON(t, &st)
		right := map[int64]bool{}
		for id := range f.questions {
			right[id] = (id+int64(len(r.jobs)))%3 != 0
		}
		if s := f.submit(t, r.token, st.AttemptID, fmt.Sprint(len(r.jobs)), f.answers(st, right)).Status; s != 200 {
			t.Errorf("submit: %d", s)
			return false
		}
		return true
	}
	// Half the residents have taken a quiz before, folded.
	for _, r := range residents[:24] {
		take(r)
	}
	ctx := context.Background()
	if _, err := e.Aware.Fold(ctx); err != nil {
		t.Fatal(err)
	}
	cityRespondents := func() int64 {
		var fig struct {
			Respondents int64 `json:"respondents"`
		}
		res := e.Call("GET", "/api/v1/awareness/330800?period="+awareness.CurrentQuarter(time.Now()), admin, nil)
		testkit.Want(t, res, 200)
		res.JSON(t, &fig)
		return fig.Respondents
	}
	before := cityRespondents()

	var rebuilding atomic.Bool
	var during atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				progress := false
				for i := g; i < len(residents); i += 4 {
					select {
					case <-stop:
						return
					default:
					}
					if take(residents[i]) {
						progress = true
						if rebuilding.Load() {
							during.Add(1)
						}
					}
				}
				if !progress {
					return
				}
			}
		}()
	}
	e.Aware.RebuildBatch = 4
	pages := 0
	var readDuring int64 = -1
	rebuilding.Store(true)
	res, err := e.Aware.Rebuild(ctx, func(p awareness.Progress) {
		if p.Phase == "scan" || p.Phase == "count" {
			if pages++; pages == 3 {
				readDuring = cityRespondents()
			}
			time.Sleep(15 * time.Millisecond)
		}
	})
	rebuilding.Store(false)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if during.Load() == 0 {
		t.Fatal("no submission completed while the rebuild ran; the test proves nothing")
	}
	if readDuring != before {
		t.Errorf("a read during the rebuild saw %d city respondents, want the live %d", readDuring, before)
	}
	t.Logf("rebuild %+v; %d submissions completed during it", res, during.Load())
	if _, err := e.Aware.Fold(ctx); err != nil {
		t.Fatal(err)
	}
	maintained := testkit.Counters(t, e.DB.DB)

	// The independent computation: each resident's first valid counting
	// attempt of each period counts in every area above its grid; invalid
	// ones count as invalid there.
	var attempts []struct {
		ID          int64
		UserID      int64
		SubmittedAt time.Time
		GridPath    string
		Passed      bool
		ScoreTenths int64
		Invalid     bool
	}
	e.DB.Table("attempts").Where("status = 'submitted' AND counting = ?", true).Order("submitted_at, id").Scan(&attempts)
	type sums struct{ n, passed, score, invalid int64 }
	want := map[string]sums{}
	seen := map[string]bool{}
	for _, a := range attempts {
		for _, p := range awareness.PeriodsOf(a.SubmittedAt) {
			first := !a.Invalid && !seen[fmt.Sprint(p, a.UserID)]
			if first {
				seen[fmt.Sprint(p, a.UserID)] = true
			}
			for i := 1; i < len(a.GridPath); i++ {
				if a.GridPath[i] != '/' {
					continue
				}
				k := p + " " + a.GridPath[:i+1]
				s := want[k]
				switch {
				case a.Invalid:
					s.invalid++
				case first:
					s.n++
					s.score += a.ScoreTenths
					if a.Passed {
						s.passed++
					}
				}
				want[k] = s
			}
		}
	}
	var st awareness.State
	e.DB.Where("id = 1").Take(&st)
	var totals []awareness.Rollup
	e.DB.Where("gen = ?", st.Gen).Find(&totals)
	got := map[string]sums{}
	for _, x := range totals {
		if x.Respondents != 0 || x.Invalid != 0 {
			got[x.Period+" "+x.AreaPath] = sums{x.Respondents, x.Passed, x.ScoreTenths, x.Invalid}
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("counters after a rebuild during submissions differ from the raw attempts:\ngot  %v\nwant %v", got, want)
	}
	if len(want) < 10 {
		t.Fatalf("only %d area-periods counted; the workload proves little", len(want))
	}
	if _, err := e.Aware.Rebuild(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if rebuilt := testkit.Counters(t, e.DB.DB); fmt.Sprint(rebuilt) != fmt.Sprint(maintained) {
		t.Fatalf("a quiet rebuild differs:\nmaintained %v\nrebuilt    %v", maintained, rebuilt)
	}
}
