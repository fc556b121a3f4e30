package api_test

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"regexp"
	"strings"
	"testing"
	"time"

	"wuzha/internal/auth"
	"wuzha/internal/rule"
	"wuzha/internal/testkit"
)

type todo struct {
	Key    string
	Count  int64
	Period string
}

type board struct {
	Role    string
	Period  string
	Figures *struct {
		AreaCode    string `json:"area_code"`
		Respondents int64
		Passed      int64
		Rate        *float64
		CILow       *float64 `json:"ci_low"`
		CIHigh      *float64 `json:"ci_high"`
		Population  int64
		Coverage    *float64
	}
	Todos       []todo
	WeakestRate []struct {
		AreaCode    string `json:"area_code"`
		Respondents int64
		Rate        *float64
	} `json:"weakest_rate"`
	WeakestCoverage []struct {
		AreaCode string `json:"area_code"`
		Coverage *float64
	} `json:"weakest_coverage"`
	Lights      *struct{ Red, Yellow, Green int }
	ReadyToLock []struct {
		Period      string
		AreaCode    string `json:"area_code"`
		Respondents int64
	} `json:"ready_to_lock"`
}

func (b board) count(t *testing.T, key string) int64 {
	t.Helper()
	for _, td := range b.Todos {
		if td.Key == key {
			return td.Count
		}
	}
	t.Fatalf("no to-do %q in %+v", key, b.Todos)
	return 0
}

func getBoard(t *testing.T, e *testkit.Env, token string) board {
	t.Helper()
	r := e.Call("GET", "/api/v1/workbench", token, nil)
	testkit.Want(t, r, 200)
	var b board
	r.JSON(t, &b)
	return b
}

type unansweredPage struct {
	GridCode string `json:"grid_code"`
	Period   string
	Total    int64
	Items    []struct {
		PhoneMasked    string `json:"phone_masked"`
		AgeBand        string `json:"age_band"`
		AgeBandName    string `json:"age_band_name"`
		Occupation     string
		OccupationName string `json:"occupation_name"`
	}
	NextCursor *string `json:"next_cursor"`
}

var maskedPhone = regexp.MustCompile(`^1[3-9]\d\*{4}\d{4}$`)

const (
	gridA = "330802001001001"
	gridB = "330802001001002"
)

// TestGridWorkerSeesWhoHasNotAnswered: a grid worker's workbench counts the
// residents of the grid with no counted attempt this quarter and the list
// names them by masked phone and group only; one who answers drops off; a
// worker of another grid, an editor, or an admin elsewhere cannot read it.
func TestGridWorkerSeesWhoHasNotAnswered(t *testing.T) {
	e := testkit.NewEnv(t)
	f := newQuizFixture(t, e, nil)
	worker := e.Staff("wb-worker-a", auth.GridWorker, gridA)
	otherWorker := e.Staff("wb-worker-b", auth.GridWorker, gridB)
	admin := e.Staff("wb-admin-kecheng", auth.Admin, "330802")
	farAdmin := e.Staff("wb-admin-qujiang", auth.Admin, "330803")

	f.take(t, "13900000101", gridA, f.allRight()) // answered: never on the list
	pending := map[string]string{"13900000102": "18_29", "13900000103": "60p", "13900000104": "30_44"}
	tokens := map[string]string{}
	for ph, age := range pending {
		tokens[ph] = e.ResidentWithProfile(ph, age, "retiree", gridA).AccessToken
	}
	e.ResidentWithProfile("13900000105", "18_29", "student", gridB) // another grid
	// A started but unsubmitted attempt is not an answer.
	f.start(t, tokens["13900000104"], 201)

	b := getBoard(t, e, worker)
	if b.Role != "grid_worker" || b.Figures == nil || b.Figures.AreaCode != gridA || b.Figures.Respondents != 1 || b.Figures.Passed != 1 {
		t.Fatalf("grid figures: %+v", b.Figures)
	}
	if n := b.count(t, "unanswered"); n != 3 {
		t.Fatalf("unanswered %d, want 3", n)
	}
	if n := b.count(t, "to_redeem"); n != 0 {
		t.Fatalf("to_redeem %d, want 0 (no prizes)", n)
	}

	list := func(token, code, query string, status int, errCode ...string) unansweredPage {
		t.Helper()
		r := e.Call("GET", "/api/v1/grids/"+code+"/unanswered"+query, token, nil)
		testkit.Want(t, r, status, errCode...)
		var p unansweredPage
		if status == 200 {
			r.JSON(t, &p)
			for ph := range pending {
				if strings.Contains(string(r.Body), ph) || strings.Contains(string(r.Body), ph[3:]) {
					t.Fatalf("a full phone number in the list: %s", r.Body)
				}
			}
		}
		return p
	}
	p := list(worker, gridA, "", 200)
	want := map[string]bool{"139****0102": true, "139****0103": true, "139****0104": true}
	if p.Total != 3 || len(p.Items) != 3 || p.Period != b.Period {
		t.Fatalf("list: %+v", p)
	}
	for _, it := range p.Items {
		if !maskedPhone.MatchString(it.PhoneMasked) || !want[it.PhoneMasked] || it.AgeBandName == "" || it.OccupationName == "" || it.Occupation != "retiree" {
			t.Fatalf("line %+v", it)
		}
	}
	// Paged: two, then the last one.
	p1 := list(worker, gridA, "?limit=2", 200)
	if len(p1.Items) != 2 || p1.NextCursor == nil {
		t.Fatalf("page 1: %+v", p1)
	}
	p2 := list(worker, gridA, "?limit=2&cursor="+*p1.NextCursor, 200)
	if len(p2.Items) != 1 || p2.NextCursor != nil || p2.Items[0].PhoneMasked == p1.Items[0].PhoneMasked || p2.Items[0].PhoneMasked == p1.Items[1].PhoneMasked {
		t.Fatalf("page 2: %+v", p2)
	}

	// 0103 answers (and fails): answered all the same, off the list.
	s := f.start(t, tokens["13900000103"], 201)
	testkit.Want(t, f.submit(t, tokens["13900000103"], s.AttemptID, "k", f.answers(s, map[int64]bool{})), 200)
	p = list(worker, gridA, "", 200)
	if p.Total != 2 || len(p.Items) != 2 {
		t.Fatalf("after an answer: %+v", p)
	}
	for _, it := range p.Items {
		if it.PhoneMasked == "139****0103" {
			t.Fatal("a resident who answered this quarter is still listed")
		}
	}
	if n := getBoard(t, e, worker).count(t, "unanswered"); n != 2 {
		t.Fatalf("workbench unanswered %d after an answer, want 2", n)
	}
	// Last quarter nobody here answered… but the period must be real.
	list(worker, gridA, "?period=2099Q1", 422, "invalid_period")
	list(worker, gridA, "?limit=0", 400)

	// Scope: the admin above sees it; a worker of the next grid, an admin
	// of another county, an editor do not; a non-grid area has no list.
	if p := list(admin, gridA, "", 200); p.Total != 2 {
		t.Fatalf("admin: %+v", p)
	}
	list(otherWorker, gridA, "", 403, "out_of_scope")
	list(farAdmin, gridA, "", 403, "out_of_scope")
	list(f.editor, gridA, "", 403, "forbidden")
	list(admin, "330802", "", 422, "not_a_grid")
	list(admin, "999999999999999", "", 404)
	if p := list(otherWorker, gridB, "", 200); p.Total != 1 || p.Items[0].PhoneMasked != "139****0105" {
		t.Fatalf("grid B: %+v", p)
	}
}

// TestWorkbenchCountsPerRole: each role's counts match what was done.
func TestWorkbenchCountsPerRole(t *testing.T) {
	e := testkit.NewEnv(t)
	f := newQuizFixture(t, e, nil) // the editor's three questions, approved
	lenient := rule.Default()
	lenient.MinQuestions, lenient.MinSecondsPerQuestion, lenient.MinRespondents = 1, 0, 2
	e.SetRule(lenient)
	reviewer := f.reviewer
	farReviewer := e.Staff("wb-rev-qujiang", auth.Reviewer, "330803")

	// Warnings: two sent for review, one kept as a draft.
	mk := func(title string) int64 {
		r := e.Call("POST", "/api/v1/warnings", f.editor, map[string]any{"title": title, "summary": "摘要" + title, "body_markdown": "先垫钱的兼职都是骗局。", "fraud_type": "brushing"})
		testkit.Want(t, r, 201)
		var w struct{ ID int64 }
		r.JSON(t, &w)
		return w.ID
	}
	w1, w2, w3 := mk("刷单返利要警惕一"), mk("刷单返利要警惕二"), mk("刷单返利要警惕三")
	_ = w3
	for _, id := range []int64{w1, w2} {
		testkit.Want(t, e.Call("POST", fmt.Sprintf("/api/v1/warnings/%d/submit", id), f.editor, nil), 200)
	}
	// One more question waiting for review.
	r := e.Call("POST", "/api/v1/questions", f.editor, map[string]any{"kind": "true_false", "stem": "陌生人发来的链接可以随便点开。", "options": []map[string]string{{"key": "A", "text": "正确"}, {"key": "B", "text": "错误"}}, "answer": []string{"B"}, "explanation": "不明链接可能是钓鱼网站。", "fraud_type": "other", "difficulty": 1})
	testkit.Want(t, r, 201)

	rb := getBoard(t, e, reviewer)
	if rb.count(t, "warnings_in_review") != 2 || rb.count(t, "questions_in_review") != 1 {
		t.Fatalf("reviewer: %+v", rb.Todos)
	}
	if fb := getBoard(t, e, farReviewer); fb.count(t, "warnings_in_review") != 0 || fb.count(t, "questions_in_review") != 0 {
		t.Fatalf("a reviewer of another county counts this one's queue: %+v", fb.Todos)
	}

	// The editor: three drafts before the decisions (two are in review, so one).
	eb := getBoard(t, e, f.editor)
	if eb.count(t, "drafts") != 1 || eb.count(t, "approved") != 3 || eb.count(t, "rejected") != 0 {
		t.Fatalf("editor before: %+v", eb.Todos)
	}
	testkit.Want(t, e.Call("POST", "/api/v1/workbench/seen", f.editor, map[string]string{"list": "decisions"}), 204)
	eb = getBoard(t, e, f.editor)
	if eb.count(t, "approved") != 0 || eb.count(t, "rejected") != 0 {
		t.Fatalf("editor after looking: %+v", eb.Todos)
	}
	time.Sleep(10 * time.Millisecond)
	testkit.Want(t, e.Call("POST", fmt.Sprintf("/api/v1/warnings/%d/approve", w1), reviewer, nil), 200)
	testkit.Want(t, e.Call("POST", fmt.Sprintf("/api/v1/warnings/%d/reject", w2), reviewer, map[string]string{"reason": "标题需要更具体，请补充案例"}), 200)
	eb = getBoard(t, e, f.editor)
	if eb.count(t, "approved") != 1 || eb.count(t, "rejected") != 1 || eb.count(t, "drafts") != 2 {
		t.Fatalf("editor after the decisions: %+v", eb.Todos)
	}
	r = e.Call("GET", "/api/v1/workbench/review-results", f.editor, nil)
	testkit.Want(t, r, 200)
	var results struct {
		Items []struct {
			Kind     string
			ID       int64
			Approved bool
			Reason   string
			New      bool
		}
	}
	r.JSON(t, &results)
	if len(results.Items) != 5 || results.Items[0].Kind != "warning" || !results.Items[0].New || results.Items[2].New {
		t.Fatalf("review results: %s", r.Body)
	}
	for _, it := range results.Items[:2] {
		if (it.ID == w2) != (!it.Approved && it.Reason != "") {
			t.Fatalf("review results: %s", r.Body)
		}
	}
	testkit.Want(t, e.Call("GET", "/api/v1/workbench/review-results", reviewer, nil), 403, "forbidden")
	testkit.Want(t, e.Call("POST", "/api/v1/workbench/seen", f.editor, map[string]string{"list": "other"}), 422, "unknown_list")

	// Figures: two residents of 柯城区 answer; 衢江区 nobody.
	f.take(t, "13900000201", gridA, f.allRight())
	f.take(t, "13900000202", gridB, map[int64]bool{})
	if err := e.DB.Exec("UPDATE areas SET population = 1000 WHERE level = 'grid'").Error; err != nil {
		t.Fatal(err)
	}
	root := e.Staff("wb-admin-city", auth.Admin, "330800")
	issue(t, e, root, map[string]any{"area_code": "330802", "title": "提高知晓率", "detail": "本季度知晓率偏低", "due_at": time.Now().Add(48 * time.Hour).Format(time.RFC3339)})
	issue(t, e, root, map[string]any{"area_code": "330803", "title": "提高覆盖率", "detail": "本季度覆盖率偏低", "due_at": time.Now().Add(20 * 24 * time.Hour).Format(time.RFC3339)})
	ab := getBoard(t, e, root)
	if ab.Figures == nil || ab.Figures.Respondents != 2 || ab.Figures.Passed != 1 || ab.Figures.Rate == nil || *ab.Figures.Rate != 0.5 || ab.Figures.CILow == nil || ab.Figures.Coverage == nil {
		t.Fatalf("admin figures: %+v", ab.Figures)
	}
	if ab.Lights == nil || ab.Lights.Yellow != 1 || ab.Lights.Green != 1 || ab.Lights.Red != 0 {
		t.Fatalf("lights: %+v", ab.Lights)
	}
	if len(ab.WeakestRate) != 1 || ab.WeakestRate[0].AreaCode != "330802" || ab.WeakestRate[0].Respondents != 2 {
		t.Fatalf("weakest by rate (only 柯城区 has a sufficient sample): %+v", ab.WeakestRate)
	}
	if len(ab.WeakestCoverage) != 3 || ab.WeakestCoverage[0].Coverage == nil || *ab.WeakestCoverage[0].Coverage != 0 || ab.WeakestCoverage[0].AreaCode == "330802" {
		t.Fatalf("weakest by coverage: %+v", ab.WeakestCoverage)
	}
	if ab.count(t, "overdue") != 0 || ab.count(t, "to_close") != 0 || ab.count(t, "area_changes") != 0 {
		t.Fatalf("admin to-dos: %+v", ab.Todos)
	}
	// The county admin the items are addressed to has them to accept.
	kb := getBoard(t, e, e.Staff("wb-admin-kc", auth.Admin, "330802"))
	if kb.count(t, "to_accept") != 1 || kb.Lights.Yellow != 1 || kb.Lights.Green != 0 {
		t.Fatalf("county admin: %+v %+v", kb.Todos, kb.Lights)
	}

	// Periods ready to lock: the answers moved to last quarter count there.
	lastQ := time.Now().AddDate(0, -3, 0)
	if err := e.DB.Exec("UPDATE attempts SET submitted_at = ? WHERE status = 'submitted'", lastQ).Error; err != nil {
		t.Fatal(err)
	}
	if _, err := e.Aware.Rebuild(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	assessor := e.Staff("wb-assessor", auth.Assessor, "330800")
	sb := getBoard(t, e, assessor)
	if sb.count(t, "ready_to_lock") != 1 || len(sb.ReadyToLock) != 1 || sb.ReadyToLock[0].Respondents < 2 || sb.ReadyToLock[0].Period == sb.Period {
		t.Fatalf("assessor: %+v %+v", sb.Todos, sb.ReadyToLock)
	}
	testkit.Want(t, e.Call("POST", "/api/v1/assessment/"+sb.ReadyToLock[0].Period+"/330800/lock", root, map[string]any{}), 200)
	if sb := getBoard(t, e, assessor); sb.count(t, "ready_to_lock") != 0 {
		t.Fatalf("a locked period is still ready to lock: %+v", sb.ReadyToLock)
	}
	if b := getBoard(t, e, e.Staff("wb-assessor-qj", auth.Assessor, "330803")); b.count(t, "ready_to_lock") != 0 {
		t.Fatalf("衢江区 had no answers: %+v", b.ReadyToLock)
	}

	// Residents have no workbench.
	testkit.Want(t, e.Call("GET", "/api/v1/workbench", e.Resident("13900000299").AccessToken, nil), 403)
}

// TestRedeemedListAndPrizeQR: the QR a resident shows decodes to the redeem
// page with the code; redeemed prizes list latest first, masked, in scope.
func TestRedeemedListAndPrizeQR(t *testing.T) {
	e := testkit.NewEnv(t)
	f := newQuizFixture(t, e, nil)
	r := e.Call("POST", fmt.Sprintf("/api/v1/quizzes/%d/prizes", f.quizID), f.editor, map[string]any{"name": "反诈帆布袋", "stock": 10, "min_score": 0, "probability": 1})
	testkit.Want(t, r, 201)
	worker := e.Staff("wb-rd-worker", auth.GridWorker, gridA)
	other := e.Staff("wb-rd-worker-b", auth.GridWorker, gridB)
	codes := map[string]string{}
	for _, ph := range []string{"13900000301", "13900000302"} {
		tok := e.ResidentWithProfile(ph, "45_59", "farmer", gridA).AccessToken
		s := f.start(t, tok, 201)
		res := f.submit(t, tok, s.AttemptID, "k", f.answers(s, f.allRight()))
		testkit.Want(t, res, 200)
		var out result
		res.JSON(t, &out)
		if out.Prize == nil {
			t.Fatalf("no prize: %s", res.Body)
		}
		codes[ph] = out.Prize.Code
		// The QR: only the winner's own code.
		q := e.Call("GET", "/api/v1/me/prizes/"+out.Prize.Code+"/qr.png", tok, nil)
		testkit.Want(t, q, 200)
		if q.Header.Get("Content-Type") != "image/png" || len(q.Body) < 100 {
			t.Fatalf("qr: %v %d bytes", q.Header, len(q.Body))
		}
		img, err := png.Decode(bytes.NewReader(q.Body))
		if err != nil {
			t.Fatal(err)
		}
		if got := decodeQR(t, img); got != testkit.PublicURL+"/staff/redeem?code="+out.Prize.Code {
			t.Fatalf("qr says %q", got)
		}
	}
	otherTok := e.Resident("13900000399").AccessToken
	testkit.Want(t, e.Call("GET", "/api/v1/me/prizes/"+codes["13900000301"]+"/qr.png", otherTok, nil), 404, "code_not_found")
	testkit.Want(t, e.Call("GET", "/api/v1/me/prizes/"+codes["13900000301"]+"/qr.png", worker, nil), 403)

	if n := getBoard(t, e, worker).count(t, "to_redeem"); n != 2 {
		t.Fatalf("to_redeem %d, want 2", n)
	}
	testkit.Want(t, e.Call("POST", "/api/v1/prizes/redeem", worker, map[string]string{"code": codes["13900000301"]}), 200)
	time.Sleep(5 * time.Millisecond)
	testkit.Want(t, e.Call("POST", "/api/v1/prizes/redeem", worker, map[string]string{"code": codes["13900000302"]}), 200)
	if n := getBoard(t, e, worker).count(t, "to_redeem"); n != 0 {
		t.Fatalf("to_redeem %d after redeeming, want 0", n)
	}

	var page struct {
		Items []struct {
			Name        string
			GridCode    string `json:"grid_code"`
			PhoneMasked string `json:"phone_masked"`
			ByMe        bool   `json:"by_me"`
		}
		NextCursor *string `json:"next_cursor"`
	}
	r = e.Call("GET", "/api/v1/prizes/redeemed?mine=true", worker, nil)
	testkit.Want(t, r, 200)
	r.JSON(t, &page)
	if len(page.Items) != 2 || page.Items[0].PhoneMasked != "139****0302" || page.Items[1].PhoneMasked != "139****0301" || !page.Items[0].ByMe || page.Items[0].GridCode != gridA || page.Items[0].Name != "反诈帆布袋" {
		t.Fatalf("redeemed: %s", r.Body)
	}
	if strings.Contains(string(r.Body), "13900000301") {
		t.Fatal("a full phone number in the redeemed list")
	}
	r = e.Call("GET", "/api/v1/prizes/redeemed?limit=1", worker, nil)
	r.JSON(t, &page)
	if len(page.Items) != 1 || page.NextCursor == nil || page.Items[0].PhoneMasked != "139****0302" {
		t.Fatalf("page 1: %s", r.Body)
	}
	r = e.Call("GET", "/api/v1/prizes/redeemed?limit=1&cursor="+*page.NextCursor, worker, nil)
	r.JSON(t, &page)
	if len(page.Items) != 1 || page.Items[0].PhoneMasked != "139****0301" {
		t.Fatalf("page 2: %s", r.Body)
	}
	// Outside the grid nothing shows; an admin above sees them, not as theirs.
	r = e.Call("GET", "/api/v1/prizes/redeemed", other, nil)
	r.JSON(t, &page)
	if len(page.Items) != 0 {
		t.Fatalf("another grid's worker sees: %s", r.Body)
	}
	admin := e.Staff("wb-rd-admin", auth.Admin, "330802")
	r = e.Call("GET", "/api/v1/prizes/redeemed", admin, nil)
	r.JSON(t, &page)
	if len(page.Items) != 2 || page.Items[0].ByMe {
		t.Fatalf("admin: %s", r.Body)
	}
	r = e.Call("GET", "/api/v1/prizes/redeemed?mine=true", admin, nil)
	r.JSON(t, &page)
	if len(page.Items) != 0 {
		t.Fatalf("admin's own: %s", r.Body)
	}
	testkit.Want(t, e.Call("GET", "/api/v1/prizes/redeemed?mine=maybe", worker, nil), 400)
	testkit.Want(t, e.Call("GET", "/api/v1/prizes/redeemed", e.Staff("wb-rd-assessor", auth.Assessor, "330800"), nil), 403)
}

// BenchmarkWorkbench measures the workbench and the door-to-door list with
// 3,000 residents registered in one grid (none of whom has answered, so
// every page is full), through the app without a network:
//
//	go test -run '^$' -bench Workbench -benchtime 3s ./api/
//	WUZHA_TEST_MYSQL_DSN='mysql://root@tcp(127.0.0.1:3306)/' go test -run '^$' -bench Workbench -benchtime 3s ./api/
func BenchmarkWorkbench(b *testing.B) {
	e := testkit.NewEnv(b)
	e.BulkResidents(3000, "60p", "retiree", gridA)
	worker := e.Staff("bench-worker", auth.GridWorker, gridA)
	admin := e.Staff("bench-admin", auth.Admin, "330800")
	for _, bc := range []struct{ name, path, token string }{
		{"unanswered page of 20", "/api/v1/grids/" + gridA + "/unanswered", worker},
		{"grid worker workbench", "/api/v1/workbench", worker},
		{"city admin workbench", "/api/v1/workbench", admin},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if r := e.Call("GET", bc.path, bc.token, nil); r.Status != 200 {
					b.Fatalf("%d %s", r.Status, r.Body)
				}
			}
		})
	}
}
