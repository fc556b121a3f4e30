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
	// A grid worker sees their own grid (My grid).
	testkit.Want(t, e.Call("GET", "/api/v1/awareness/330802001001002", worker, nil), 200)
	testkit.Want(t, e.Call("GET", "/api/v1/awareness/330802001001001", worker, nil), 403)
}
