package api_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"wuzha/internal/auth"
	"wuzha/internal/awareness"
	"wuzha/internal/testkit"
)

type reviewedQ struct {
	ID           int64  `json:"id"`
	Status       string `json:"status"`
	Version      int    `json:"version"`
	Stem         string `json:"stem"`
	RejectReason string `json:"reject_reason"`
}

// romanceQ writes a single-choice romance question whose right option is
// the one reading right.
func romanceQ(t *testing.T, e *testkit.Env, token, stem, right string) reviewedQ {
	t.Helper()
	opts := []map[string]string{{"key": "A", "text": right}, {"key": "B", "text": stem + "·错一"}, {"key": "C", "text": stem + "·错二"}}
	r := e.Call("POST", "/api/v1/questions", token, map[string]any{"kind": "single", "stem": stem, "options": opts, "answer": []string{"A"},
		"explanation": "网恋对象要求投资或转账，多为杀猪盘。", "fraud_type": "romance", "difficulty": 1})
	testkit.Want(t, r, 201)
	var q reviewedQ
	r.JSON(t, &q)
	return q
}

func getQ(t *testing.T, e *testkit.Env, token string, id int64) reviewedQ {
	t.Helper()
	var q reviewedQ
	e.Call("GET", fmt.Sprintf("/api/v1/questions/%d", id), token, nil).JSON(t, &q)
	return q
}

// TestQuestionReview: new questions wait for a reviewer who neither wrote
// nor last edited them; only approved ones are drawn; a quiz cannot publish
// with an unapproved core question; editing an approved question sends it
// back to review while an attempt already served keeps its question and key.
func TestQuestionReview(t *testing.T) {
	e := testkit.NewEnv(t)
	ed := e.Staff("qr_editor", auth.Editor, "330802")
	r1 := e.Staff("qr_rev1", auth.Reviewer, "330802")
	r2 := e.Staff("qr_rev2", auth.Reviewer, "330802")
	outside := e.Staff("qr_rev_out", auth.Reviewer, "330803")
	admin := e.Staff("qr_admin", auth.Admin, "330800")
	approve := func(tok string, id int64) testkit.Resp {
		return e.Call("POST", fmt.Sprintf("/api/v1/questions/%d/approve", id), tok, nil)
	}

	// The seeded bank is approved: 14 romance questions usable in 柯城区.
	var page struct{ Items []reviewedQ }
	e.Call("GET", "/api/v1/questions?fraud_type=romance&status=approved&limit=100", ed, nil).JSON(t, &page)
	seeded := len(page.Items)
	if seeded != 14 {
		t.Fatalf("approved romance questions %d, want 14", seeded)
	}

	q := romanceQ(t, e, ed, "网友自称投资专家带你赚钱，应该怎么办？", "拒绝并报警")
	q2 := romanceQ(t, e, r1, "网恋对象说平台有漏洞可以套利，可信吗？", "不可信")
	if q.Status != "in_review" || q2.Status != "in_review" {
		t.Fatalf("new questions %+v %+v", q, q2)
	}
	e.Call("GET", "/api/v1/questions?status=in_review&limit=100", r2, nil).JSON(t, &page)
	if len(page.Items) != 2 {
		t.Fatalf("review queue %+v", page.Items)
	}
	testkit.Want(t, e.Call("GET", "/api/v1/questions?status=maybe", r2, nil), 400)

	// R2 edits q: now its last editor. Who may review what:
	testkit.Want(t, e.Call("PATCH", fmt.Sprintf("/api/v1/questions/%d", q.ID), r2, map[string]any{"stem": "网友自称投资导师带你赚钱，应该怎么办？"}), 200)
	for _, c := range []struct {
		name, tok string
		id        int64
		status    int
		code      string
	}{
		{"an editor is no reviewer", ed, q.ID, 403, "forbidden"},
		{"the last editor", r2, q.ID, 403, "own_question_review"},
		{"the author", r1, q2.ID, 403, "own_question_review"},
		{"a reviewer outside the owner's area", outside, q.ID, 404, "not_found"},
	} {
		t.Run(c.name, func(t *testing.T) {
			testkit.Want(t, approve(c.tok, c.id), c.status, c.code)
			if s := getQ(t, e, ed, c.id).Status; s != "in_review" {
				t.Fatalf("status %s after a refused approval", s)
			}
		})
	}

	// A counting quiz of romance questions with q2 as a core question.
	body := map[string]any{"title": "网恋诈骗专项问答", "area_code": "330802", "audience": "residents", "fraud_types": []string{"romance"},
		"starts_at": time.Now().Add(-time.Hour).Format(time.RFC3339), "ends_at": time.Now().Add(24 * time.Hour).Format(time.RFC3339),
		"question_count": seeded + 2, "pass_score": 60, "time_limit_s": 1200, "max_attempts": 2, "core_question_ids": []int64{q2.ID}, "min_seconds_per_question": 2}
	r := e.Call("POST", "/api/v1/quizzes", ed, body)
	testkit.Want(t, r, 201)
	var quiz struct{ ID int64 }
	r.JSON(t, &quiz)
	publish := func() testkit.Resp {
		return e.Call("POST", fmt.Sprintf("/api/v1/quizzes/%d/publish", quiz.ID), ed, nil)
	}
	r = publish()
	testkit.Want(t, r, 422, "questions_not_approved")
	if !strings.Contains(string(r.Body), fmt.Sprint(q2.ID)) {
		t.Fatalf("the refusal does not name question %d: %s", q2.ID, r.Body)
	}

	// q2 approved, q still in review: q is not in the pool.
	got := approve(r2, q2.ID)
	testkit.Want(t, got, 200)
	var ap reviewedQ
	got.JSON(t, &ap)
	if ap.Status != "approved" {
		t.Fatalf("approved question %+v", ap)
	}
	testkit.Want(t, approve(r2, q2.ID), 409, "invalid_transition")
	testkit.Want(t, publish(), 422, "not_enough_questions")
	testkit.Want(t, approve(r1, q.ID), 200)
	testkit.Want(t, publish(), 200)

	// Tags alone keep a question approved.
	testkit.Want(t, e.Call("PATCH", fmt.Sprintf("/api/v1/questions/%d", q2.ID), ed, map[string]any{"difficulty": 2}), 200)
	if s := getQ(t, e, ed, q2.ID).Status; s != "approved" {
		t.Fatalf("a tag edit moved the question to %s", s)
	}

	// A resident is served every approved question, q included.
	res := e.ResidentWithProfile("13700000001", "45_59", "farmer", "330802001001001").AccessToken
	r = e.Call("POST", fmt.Sprintf("/api/v1/quizzes/%d/attempts", quiz.ID), res, map[string]any{})
	testkit.Want(t, r, 201)
	var s started
	r.JSON(t, &s)
	var servedQ *servedQ
	for i := range s.Questions {
		if s.Questions[i].ID == q.ID {
			servedQ = &s.Questions[i]
		}
	}
	if servedQ == nil || len(s.Questions) != seeded+2 {
		t.Fatalf("q not served: %d questions", len(s.Questions))
	}
	oldStem := servedQ.Stem

	// The editor changes q's stem and answer: back in review, a new version.
	opts := []map[string]string{{"key": "A", "text": "拒绝并报警"}, {"key": "B", "text": "先投一点试试"}, {"key": "C", "text": "借钱加仓"}}
	r = e.Call("PATCH", fmt.Sprintf("/api/v1/questions/%d", q.ID), ed, map[string]any{"stem": "（改）网友带你投资赚钱？", "options": opts, "answer": []string{"B"}})
	testkit.Want(t, r, 200)
	var edited reviewedQ
	r.JSON(t, &edited)
	if edited.Status != "in_review" || edited.Version <= ap.Version {
		t.Fatalf("edited approved question %+v", edited)
	}
	// An explanation is what residents read after answering: reviewed too.
	testkit.Want(t, e.Call("PATCH", fmt.Sprintf("/api/v1/questions/%d", q2.ID), ed, map[string]any{"explanation": "网恋加投资，十有八九是杀猪盘。"}), 200)
	if s := getQ(t, e, ed, q2.ID).Status; s != "in_review" {
		t.Fatalf("an explanation edit left the question %s", s)
	}

	// The attempt served before keeps q's stem and is graded on its key:
	// 拒绝并报警 is still right for it.
	var view struct{ Attempt *started }
	e.Call("GET", fmt.Sprintf("/api/v1/attempts/%d", s.AttemptID), res, nil).JSON(t, &view)
	var keys []map[string]any
	for _, sq := range view.Attempt.Questions {
		k := "A"
		if sq.ID == q.ID {
			if sq.Stem != oldStem {
				t.Fatalf("the open attempt shows %q, was served %q", sq.Stem, oldStem)
			}
			for _, o := range sq.Options {
				if o.Text == "拒绝并报警" {
					k = o.Key
				}
			}
		}
		keys = append(keys, map[string]any{"question_id": sq.ID, "keys": []string{k}})
	}
	r = e.Do(testkit.Request{Method: "POST", Path: fmt.Sprintf("/api/v1/attempts/%d/submit", s.AttemptID), Token: res,
		Body: map[string]any{"answers": keys}, Header: map[string]string{"Idempotency-Key": "k1"}})
	testkit.Want(t, r, 200)
	var out result
	r.JSON(t, &out)
	for _, qr := range out.Results {
		if qr.QuestionID == q.ID && !qr.Correct {
			t.Fatalf("the served key was not kept: %+v", qr)
		}
	}

	// With q and q2 in review the quiz cannot draw enough approved questions.
	res2 := e.ResidentWithProfile("13700000002", "45_59", "farmer", "330802001001001").AccessToken
	testkit.Want(t, e.Call("POST", fmt.Sprintf("/api/v1/quizzes/%d/attempts", quiz.ID), res2, map[string]any{}), 422, "not_enough_questions")

	// Rejected with a reason; the editor sees it and resubmits by editing.
	testkit.Want(t, e.Call("POST", fmt.Sprintf("/api/v1/questions/%d/reject", q.ID), r1, map[string]any{"reason": ""}), 422)
	testkit.Want(t, e.Call("POST", fmt.Sprintf("/api/v1/questions/%d/reject", q.ID), r1, map[string]any{"reason": "答案与题干不符"}), 200)
	if g := getQ(t, e, ed, q.ID); g.Status != "rejected" || g.RejectReason != "答案与题干不符" {
		t.Fatalf("rejected question %+v", g)
	}
	testkit.Want(t, e.Call("PATCH", fmt.Sprintf("/api/v1/questions/%d", q.ID), ed, map[string]any{"answer": []string{"A"}}), 200)
	if g := getQ(t, e, ed, q.ID); g.Status != "in_review" || g.RejectReason != "" {
		t.Fatalf("resubmitted question %+v", g)
	}

	// Reviews are audited.
	for _, action := range []string{"question.approve", "question.reject"} {
		var a struct{ Items []struct{ Target string } }
		e.Call("GET", "/api/v1/audit?action="+action, admin, nil).JSON(t, &a)
		if len(a.Items) == 0 {
			t.Errorf("no %s audit entry", action)
		}
	}

	// An import adds questions in review.
	csv := "kind,stem,option_a,option_b,answer,explanation,fraud_type,difficulty\ntrue_false,网恋对象让你下载投资App是正常的。,正确,错误,B,这是杀猪盘的典型手法。,romance,1\n"
	testkit.Want(t, uploadTo(t, e, "/api/v1/questions/import", ed, "bank.csv", []byte(csv)), 200)
	e.Call("GET", "/api/v1/questions?status=in_review&fraud_type=romance&limit=100", ed, nil).JSON(t, &page)
	found := false
	for _, it := range page.Items {
		found = found || strings.HasPrefix(it.Stem, "网恋对象让你下载")
	}
	if !found {
		t.Fatalf("imported question not in review: %+v", page.Items)
	}
}

type changeResp struct {
	ChangeID int64  `json:"change_id"`
	Status   string `json:"status"`
	Changes  []struct {
		AreaCode string `json:"area_code"`
		From     int64  `json:"from"`
		To       int64  `json:"to"`
	} `json:"changes"`
}

// gridSheet is an area import setting every grid of the county to pop.
func gridSheet(t *testing.T, e *testkit.Env, county string, pop int64) (string, int) {
	t.Helper()
	var grids []struct{ Code, Name, ParentCode string }
	if err := e.DB.Raw("SELECT code, name, parent_code FROM areas WHERE level = 'grid' AND path LIKE ? ORDER BY code", "%/"+county+"/%").Scan(&grids).Error; err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("code,name,parent_code,level,population\n")
	for _, g := range grids {
		fmt.Fprintf(&b, "%s,%s,%s,grid,%d\n", g.Code, g.Name, g.ParentCode, pop)
	}
	return b.String(), len(grids)
}

// TestPopulationChangesNeedApproval reproduces the manipulation: a county
// admin imports population 1 for all its grids to raise its coverage. The
// figures and the rank do not move until an admin above approves.
func TestPopulationChangesNeedApproval(t *testing.T) {
	e := testkit.NewEnv(t)
	f := newQuizFixture(t, e, map[string]any{"area_code": "330800"})
	take := func(phone, grid string) { f.take(t, phone, grid, f.allRight()) }
	take("13200000001", "330802001001001") // 柯城区: one respondent
	take("13200000002", "330803001001001") // 衢江区: two
	take("13200000003", "330803001001002")

	root := e.Staff("city_admin", auth.Admin, "330800")
	kc := e.Staff("kc_admin", auth.Admin, "330802")
	kcPeer := e.Staff("kc_admin2", auth.Admin, "330802")
	kcTown := e.Staff("kc_town_admin", auth.Admin, "330802001")
	qj := e.Staff("qj_admin", auth.Admin, "330803")
	period := awareness.CurrentQuarter(time.Now())
	standing := func() (score float64, rank int, coverage float64) {
		var sh struct {
			Rows []struct {
				AreaCode string   `json:"area_code"`
				Score    float64  `json:"score"`
				Rank     int      `json:"rank"`
				Coverage *float64 `json:"coverage"`
			}
		}
		e.Call("GET", "/api/v1/assessment/"+period+"/330800", root, nil).JSON(t, &sh)
		for _, r := range sh.Rows {
			if r.AreaCode == "330802" {
				if r.Coverage != nil {
					coverage = *r.Coverage
				}
				return r.Score, r.Rank, coverage
			}
		}
		t.Fatalf("no row for 330802 in %+v", sh)
		return
	}
	score0, rank0, cov0 := standing()

	sheet, grids := gridSheet(t, e, "330802", 1)
	r := upload(t, e, kc, "grids.csv", []byte(sheet))
	testkit.Want(t, r, 202)
	var ch changeResp
	r.JSON(t, &ch)
	if ch.Status != "pending" || len(ch.Changes) != grids || ch.Changes[0].To != 1 || ch.Changes[0].From <= 1 {
		t.Fatalf("pending change %+v (%d grids)", ch, grids)
	}
	if s, rk, c := standing(); s != score0 || rk != rank0 || c != cov0 {
		t.Fatalf("before approval the county moved: score %v→%v rank %d→%d coverage %v→%v", score0, s, rank0, rk, cov0, c)
	}
	t.Logf("柯城区 stays at score %.1f, rank %d, coverage %.7f after importing population 1 for %d grids", score0, rank0, cov0, grids)

	// Who sees and who decides.
	list := func(tok string) []struct {
		ID        int64
		CanDecide bool `json:"can_decide"`
	} {
		var l struct {
			Items []struct {
				ID        int64
				CanDecide bool `json:"can_decide"`
			}
		}
		testkit.Want(t, e.Call("GET", "/api/v1/area-changes", tok, nil), 200)
		e.Call("GET", "/api/v1/area-changes", tok, nil).JSON(t, &l)
		return l.Items
	}
	if l := list(root); len(l) != 1 || !l[0].CanDecide {
		t.Fatalf("the city admin sees %+v", l)
	}
	if l := list(kc); len(l) != 1 || l[0].CanDecide {
		t.Fatalf("the requester sees %+v", l)
	}
	if l := list(qj); len(l) != 0 {
		t.Fatalf("another county sees %+v", l)
	}
	path := fmt.Sprintf("/api/v1/area-changes/%d", ch.ChangeID)
	for _, c := range []struct {
		name, tok string
		status    int
		code      string
	}{
		{"the requester", kc, 403, "own_change"},
		{"a peer at the same county", kcPeer, 403, "own_change"},
		{"an admin inside the county", kcTown, 403, "own_change"},
		{"another county", qj, 404, "not_found"},
	} {
		t.Run(c.name, func(t *testing.T) {
			testkit.Want(t, e.Call("POST", path+"/approve", c.tok, nil), c.status, c.code)
			testkit.Want(t, e.Call("POST", path+"/reject", c.tok, map[string]any{"reason": "不同意"}), c.status, c.code)
		})
	}
	testkit.Want(t, e.Call("POST", "/api/v1/area-changes/999999/approve", root, nil), 404, "not_found")
	testkit.Want(t, e.Call("POST", path+"/reject", root, map[string]any{}), 422)
	testkit.Want(t, e.Call("POST", path+"/reject", root, map[string]any{"reason": "人口数据与统计年鉴不符"}), 200)
	testkit.Want(t, e.Call("POST", path+"/approve", root, nil), 409, "change_decided")
	if s, rk, c := standing(); s != score0 || rk != rank0 || c != cov0 {
		t.Fatalf("a rejected change moved the county")
	}

	// A real correction, approved by the city: applied and audited with from and to.
	sheet, _ = gridSheet(t, e, "330802", 5000)
	r = upload(t, e, kc, "grids.csv", []byte(sheet))
	testkit.Want(t, r, 202)
	r.JSON(t, &ch)
	from := ch.Changes[0].From
	testkit.Want(t, e.Call("POST", fmt.Sprintf("/api/v1/area-changes/%d/approve", ch.ChangeID), root, nil), 200)
	var g struct{ Population int64 }
	e.Call("GET", "/api/v1/areas/"+ch.Changes[0].AreaCode, "", nil).JSON(t, &g)
	if g.Population != 5000 {
		t.Fatalf("approved population %d", g.Population)
	}
	if _, _, c := standing(); c >= cov0 {
		t.Fatalf("coverage %v did not fall to the new population (was %v)", c, cov0)
	}
	var a struct {
		Items []struct {
			Detail *string `json:"detail"`
		}
	}
	e.Call("GET", "/api/v1/audit?action=area.population.approve", root, nil).JSON(t, &a)
	if len(a.Items) != 1 || a.Items[0].Detail == nil || !strings.Contains(*a.Items[0].Detail, fmt.Sprintf(`"area_code":"%s"`, ch.Changes[0].AreaCode)) ||
		!strings.Contains(*a.Items[0].Detail, fmt.Sprintf(`"from":%d,"to":5000`, from)) {
		t.Fatalf("approval audit %+v", a.Items)
	}

	// A stale request: the population moved since, so approving refuses.
	sheet, _ = gridSheet(t, e, "330802", 6000)
	r = upload(t, e, kc, "grids.csv", []byte(sheet))
	testkit.Want(t, r, 202)
	r.JSON(t, &ch)
	direct := fmt.Sprintf("code,name,parent_code,level,population\n%s,一网格（市改）,330802001001,grid,7000\n", ch.Changes[0].AreaCode)
	r = upload(t, e, root, "fix.csv", []byte(direct)) // the root sets it directly
	testkit.Want(t, r, 200)
	testkit.Want(t, e.Call("POST", fmt.Sprintf("/api/v1/area-changes/%d/approve", ch.ChangeID), root, nil), 409, "population_changed")
	e.Call("GET", "/api/v1/areas/"+ch.Changes[0].AreaCode, "", nil).JSON(t, &g)
	if g.Population != 7000 {
		t.Fatalf("a refused approval changed the population to %d", g.Population)
	}
	e.Call("GET", "/api/v1/audit?action=area.import", root, nil).JSON(t, &a)
	if a.Items[0].Detail == nil || !strings.Contains(*a.Items[0].Detail, `"from":5000,"to":7000`) {
		t.Fatalf("root import audit %+v", a.Items[0])
	}
	// A blank population cell renames without touching the population, for
	// the root and for a county alike (no pending change either).
	for _, tok := range []string{root, kc} {
		rename := fmt.Sprintf("code,name,parent_code,level,population\n%s,一网格（改名）,330802001001,grid,\n", ch.Changes[0].AreaCode)
		testkit.Want(t, upload(t, e, tok, "rename.csv", []byte(rename)), 200)
		var named struct {
			Name       string
			Population int64
		}
		e.Call("GET", "/api/v1/areas/"+ch.Changes[0].AreaCode, "", nil).JSON(t, &named)
		if named.Name != "一网格（改名）" || named.Population != 7000 {
			t.Fatalf("rename changed the population: %+v", named)
		}
	}
}
