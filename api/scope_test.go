package api_test

import (
	"fmt"
	"testing"
	"time"

	"wuzha/internal/auth"
	"wuzha/internal/awareness"
	"wuzha/internal/testkit"
)

// TestEveryScopedRouteRefusesAnotherCounty builds one of everything in 柯城区
// and calls every scoped route on it as staff of 江山市 with the role the
// route wants: each answers 403 or 404, and nothing of 柯城 leaks.
func TestEveryScopedRouteRefusesAnotherCounty(t *testing.T) {
	e := testkit.NewEnv(t)
	f := newQuizFixture(t, e, nil) // 柯城区 quiz, questions and editor
	testkit.Want(t, e.Call("POST", fmt.Sprintf("/api/v1/quizzes/%d/prizes", f.quizID), f.editor, map[string]any{"name": "奖品", "stock": 5, "min_score": 0, "probability": 1}), 201)
	kcAdmin := e.Staff("kc_admin", auth.Admin, "330802")
	kcWorker := e.Staff("kc_worker", auth.GridWorker, "330802001001001")
	var users struct{ Items []auth.StaffUser }
	e.Staff("kc_rev", auth.Reviewer, "330802")
	e.Call("GET", "/api/v1/users?role=reviewer", kcAdmin, nil).JSON(t, &users)
	kcUserID := users.Items[0].ID

	w := e.Call("POST", "/api/v1/warnings", f.editor, warningBody("柯城预警", nil))
	var warning struct{ ID int64 }
	w.JSON(t, &warning)
	testkit.Want(t, e.Call("POST", fmt.Sprintf("/api/v1/warnings/%d/submit", warning.ID), f.editor, nil), 200)
	var qid int64
	for id := range f.questions {
		qid = id
	}
	res := e.ResidentWithProfile("13700007777", "60p", "retiree", "330802001001001").AccessToken
	st := f.start(t, res, 201)
	all := map[int64]bool{}
	for id := range f.questions {
		all[id] = true
	}
	var won result
	f.submit(t, res, st.AttemptID, "k", f.answers(st, all)).JSON(t, &won)
	if won.Prize == nil {
		t.Fatal("no prize to test redemption scope with")
	}
	sess := openSession(t, e, kcWorker, f.quizID)
	var key struct{ ID int64 }
	e.Call("POST", "/api/v1/api-keys", kcAdmin, map[string]any{"name": "柯城考核", "area_code": "330802"}).JSON(t, &key)
	training := newQuizFixture(t, e, map[string]any{"audience": "staff"})
	period := awareness.CurrentQuarter(time.Now())

	js := map[auth.Role]string{
		auth.Admin:      e.Staff("js_admin", auth.Admin, "330881"),
		auth.Editor:     e.Staff("js_editor", auth.Editor, "330881"),
		auth.Reviewer:   e.Staff("js_reviewer", auth.Reviewer, "330881"),
		auth.Assessor:   e.Staff("js_assessor", auth.Assessor, "330881"),
		auth.GridWorker: e.Staff("js_worker", auth.GridWorker, "330881001001001"),
	}
	cases := []struct {
		role         auth.Role
		method, path string
		body         any
	}{
		{auth.Admin, "GET", "/api/v1/users?area_code=330802", nil},
		{auth.Admin, "PATCH", fmt.Sprintf("/api/v1/users/%d", kcUserID), map[string]any{"disabled": true}},
		{auth.Editor, "GET", fmt.Sprintf("/api/v1/warnings/%d", warning.ID), nil},
		{auth.Editor, "PATCH", fmt.Sprintf("/api/v1/warnings/%d", warning.ID), map[string]any{"title": "改标题"}},
		{auth.Reviewer, "POST", fmt.Sprintf("/api/v1/warnings/%d/approve", warning.ID), nil},
		{auth.Reviewer, "POST", fmt.Sprintf("/api/v1/warnings/%d/reject", warning.ID), map[string]any{"reason": "不行不行"}},
		{auth.Editor, "POST", fmt.Sprintf("/api/v1/warnings/%d/archive", warning.ID), nil},
		{auth.Editor, "GET", fmt.Sprintf("/api/v1/warnings/%d/versions", warning.ID), nil},
		{auth.Editor, "GET", fmt.Sprintf("/api/v1/warnings/%d/reach", warning.ID), nil},
		{auth.Editor, "POST", "/api/v1/warnings", warningBody("越界", map[string]any{"area_codes": []string{"330802"}})},
		{auth.Editor, "PATCH", fmt.Sprintf("/api/v1/questions/%d", qid), map[string]any{"difficulty": 3}},
		{auth.Editor, "GET", fmt.Sprintf("/api/v1/quizzes/%d", f.quizID), nil},
		{auth.Editor, "PATCH", fmt.Sprintf("/api/v1/quizzes/%d", f.quizID), map[string]any{"title": "改"}},
		{auth.Editor, "POST", fmt.Sprintf("/api/v1/quizzes/%d/publish", f.quizID), nil},
		{auth.Editor, "GET", fmt.Sprintf("/api/v1/quizzes/%d/stats", f.quizID), nil},
		{auth.Editor, "GET", fmt.Sprintf("/api/v1/quizzes/%d/prizes", f.quizID), nil},
		{auth.Editor, "POST", fmt.Sprintf("/api/v1/quizzes/%d/prizes", f.quizID), map[string]any{"name": "x", "stock": 1, "min_score": 0, "probability": 1}},
		{auth.Editor, "POST", "/api/v1/quizzes", map[string]any{"title": "越界问答", "area_code": "330802", "starts_at": time.Now().Format(time.RFC3339), "ends_at": time.Now().Add(time.Hour).Format(time.RFC3339)}},
		{auth.Admin, "GET", fmt.Sprintf("/api/v1/quizzes/%d/completion", training.quizID), nil},
		{auth.Admin, "GET", fmt.Sprintf("/api/v1/attempts/%d", st.AttemptID), nil},
		{auth.GridWorker, "POST", "/api/v1/prizes/lookup", map[string]string{"code": won.Prize.Code}},
		{auth.GridWorker, "POST", "/api/v1/prizes/redeem", map[string]string{"code": won.Prize.Code}},
		{auth.GridWorker, "GET", fmt.Sprintf("/api/v1/sessions/%d", sess.ID), nil},
		{auth.GridWorker, "POST", fmt.Sprintf("/api/v1/sessions/%d/close", sess.ID), nil},
		{auth.Admin, "GET", "/api/v1/awareness/330802", nil},
		{auth.Assessor, "GET", "/api/v1/awareness/330802001001001", nil},
		{auth.Admin, "GET", "/api/v1/awareness/330802/grids", nil},
		{auth.Assessor, "GET", "/api/v1/assessment/" + period + "/330802", nil},
		{auth.Admin, "POST", "/api/v1/assessment/" + period + "/330802/lock", nil},
		{auth.Assessor, "GET", "/api/v1/assessment/" + period + "/330802/export?format=csv", nil},
		{auth.Admin, "POST", "/api/v1/api-keys", map[string]any{"name": "越界密钥", "area_code": "330802"}},
		{auth.Admin, "POST", fmt.Sprintf("/api/v1/api-keys/%d/revoke", key.ID), nil},
	}
	for _, tc := range cases {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			r := e.Call(tc.method, tc.path, js[tc.role], tc.body)
			if r.Status != 403 && r.Status != 404 {
				t.Fatalf("江山 %s got %d: %s", tc.role, r.Status, r.Body)
			}
		})
	}
	// Nothing changed in 柯城.
	var v struct {
		Status string
		Title  string
	}
	e.Call("GET", fmt.Sprintf("/api/v1/warnings/%d", warning.ID), f.editor, nil).JSON(t, &v)
	if v.Status != "in_review" || v.Title != "柯城预警" {
		t.Fatalf("the 柯城 warning changed: %+v", v)
	}
	var live sessionResp
	e.Call("GET", fmt.Sprintf("/api/v1/sessions/%d", sess.ID), kcWorker, nil).JSON(t, &live)
	if !live.Open {
		t.Fatal("the 柯城 session was closed from 江山")
	}
	testkit.Want(t, e.Call("POST", "/api/v1/prizes/lookup", kcWorker, map[string]string{"code": won.Prize.Code}), 200)
	// Lists are filtered, not refused: 江山 sees none of 柯城's items.
	var list struct{ Items []struct{ ID int64 } }
	e.Call("GET", "/api/v1/warnings", js[auth.Editor], nil).JSON(t, &list)
	for _, it := range list.Items {
		if it.ID == warning.ID {
			t.Fatal("江山 lists the 柯城 warning")
		}
	}
	e.Call("GET", "/api/v1/quizzes", js[auth.Editor], nil).JSON(t, &list)
	for _, it := range list.Items {
		if it.ID == f.quizID {
			t.Fatal("江山 lists the 柯城 quiz")
		}
	}
}
