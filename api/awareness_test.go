package api_test

import (
	"fmt"
	"testing"
	"time"

	"wuzha/internal/auth"
	"wuzha/internal/awareness"
	"wuzha/internal/testkit"
)

// Through the API: a session attempt counts for the session's grid, a
// resident's retake does not count again, training quizzes never count, and
// scope and period errors answer as they should.
func TestAwarenessThroughTheAPI(t *testing.T) {
	e := testkit.NewEnv(t)
	f := newQuizFixture(t, e, nil)
	all := map[int64]bool{}
	for id := range f.questions {
		all[id] = true
	}
	worker := e.Staff("gw_b", auth.GridWorker, "330802001001002")
	s := openSession(t, e, worker, f.quizID)

	take := func(token, code string, right map[int64]bool, key string) {
		r := e.Call("POST", fmt.Sprintf("/api/v1/quizzes/%d/attempts", f.quizID), token, map[string]any{"session_code": code})
		testkit.Want(t, r, 201)
		var st started
		r.JSON(t, &st)
		testkit.Want(t, f.submit(t, token, st.AttemptID, key, f.answers(st, right)), 200)
	}
	alice := e.ResidentWithProfile("13500000001", "60p", "retiree", "330802001001001").AccessToken
	bob := e.ResidentWithProfile("13500000002", "18_29", "student", "330802001001001").AccessToken
	take(alice, s.JoinCode, all, "a1") // passes, in grid B through the session
	take(alice, "", nil, "a2")         // a retake at home: learning, not measurement
	take(bob, "", nil, "b1")           // fails, at home in grid A

	training := newQuizFixture(t, e, map[string]any{"audience": "staff"})
	r := e.Call("POST", fmt.Sprintf("/api/v1/quizzes/%d/attempts", training.quizID), worker, map[string]any{})
	testkit.Want(t, r, 201)
	var st started
	r.JSON(t, &st)
	testkit.Want(t, training.submit(t, worker, st.AttemptID, "w", training.answers(st, all)), 200)

	admin := e.Staff("kc_admin", auth.Admin, "330802")
	period := awareness.CurrentQuarter(time.Now())
	var fig struct {
		Respondents, Passed int64
		Rate                *float64
		CILow               *float64 `json:"ci_low"`
		Children            []struct {
			AreaCode            string `json:"area_code"`
			Respondents, Passed int64
		}
		ByAgeBand []struct {
			AgeBand             string `json:"age_band"`
			Respondents, Passed int64
		} `json:"by_age_band"`
		Method string
	}
	e.Call("GET", "/api/v1/awareness/330802001001?period="+period, admin, nil).JSON(t, &fig)
	if fig.Respondents != 2 || fig.Passed != 1 || fig.Rate == nil || *fig.Rate != 0.5 || fig.CILow == nil || fig.Method == "" {
		t.Fatalf("community figures %+v", fig)
	}
	grid := map[string][2]int64{}
	for _, c := range fig.Children {
		grid[c.AreaCode] = [2]int64{c.Respondents, c.Passed}
	}
	if grid["330802001001002"] != [2]int64{1, 1} || grid["330802001001001"] != [2]int64{1, 0} {
		t.Fatalf("by grid %+v", fig.Children)
	}
	for _, g := range fig.ByAgeBand {
		if g.AgeBand == "60p" && (g.Respondents != 1 || g.Passed != 1) {
			t.Fatalf("60+ %+v", g)
		}
	}
	// Scope, unknown area, bad and future periods.
	js := e.Staff("js_admin", auth.Admin, "330881")
	testkit.Want(t, e.Call("GET", "/api/v1/awareness/330802", js, nil), 403)
	testkit.Want(t, e.Call("GET", "/api/v1/awareness/999999", admin, nil), 404)
	testkit.Want(t, e.Call("GET", "/api/v1/awareness/330802?period=2026Q9", admin, nil), 422, "invalid_period")
	testkit.Want(t, e.Call("GET", fmt.Sprintf("/api/v1/awareness/330802?period=%dQ1", time.Now().Year()+1), admin, nil), 422, "invalid_period")
	testkit.Want(t, e.Call("GET", "/api/v1/awareness/330802", alice, nil), 403)
	// The knowledge-gap cells (fraud type × age band) add up to the answers.
	var gaps struct {
		Gaps []struct {
			FraudType string `json:"fraud_type"`
			AgeBand   string `json:"age_band"`
			Answered  int64
		}
	}
	e.Call("GET", "/api/v1/awareness/330802001001?period="+period, admin, nil).JSON(t, &gaps)
	var answered int64
	ages := map[string]bool{}
	for _, g := range gaps.Gaps {
		answered += g.Answered
		ages[g.AgeBand] = true
	}
	if answered != 6 || !ages["60p"] || !ages["18_29"] {
		t.Fatalf("gaps %+v", gaps.Gaps)
	}
	// Coverage by grid, lowest first.
	var grids struct {
		Items []struct {
			AreaCode    string `json:"area_code"`
			Respondents int64
			Coverage    *float64
		}
	}
	e.Call("GET", "/api/v1/awareness/330802001/grids?period="+period, admin, nil).JSON(t, &grids)
	if len(grids.Items) != 6 || grids.Items[len(grids.Items)-1].Respondents != 1 || grids.Items[0].Respondents != 0 {
		t.Fatalf("grids %+v", grids.Items)
	}
	// A grid worker finds the resident quizzes they may run a session for.
	var open struct{ Items []struct{ ID int64 } }
	e.Call("GET", "/api/v1/quizzes/active?audience=residents", worker, nil).JSON(t, &open)
	found := false
	for _, q := range open.Items {
		found = found || q.ID == f.quizID
	}
	if !found {
		t.Fatalf("the worker's open resident quizzes %+v lack quiz %d", open.Items, f.quizID)
	}
	// A grid worker sees their own grid (My grid).
	testkit.Want(t, e.Call("GET", "/api/v1/awareness/330802001001002", worker, nil), 200)
	testkit.Want(t, e.Call("GET", "/api/v1/awareness/330802001001001", worker, nil), 403)
}
