package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"wuzha/internal/auth"
	"wuzha/internal/awareness"
	"wuzha/internal/testkit"
)

// ruleBody is a full rule as PUT /assessment/rule takes it.
func ruleBody(changes map[string]any) map[string]any {
	b := map[string]any{"target_rate": 0.9, "target_coverage": 0.05, "min_respondents": 30, "pass_score": 60, "min_questions": 5, "min_seconds_per_question": 2}
	for k, v := range changes {
		b[k] = v
	}
	return b
}

type ruleView struct {
	TargetRate            float64    `json:"target_rate"`
	TargetCoverage        float64    `json:"target_coverage"`
	MinRespondents        int        `json:"min_respondents"`
	PassScore             int        `json:"pass_score"`
	MinQuestions          int        `json:"min_questions"`
	MinSecondsPerQuestion int        `json:"min_seconds_per_question"`
	UpdatedAt             *time.Time `json:"updated_at"`
	UpdatedBy             *string    `json:"updated_by"`
}

func getRule(t *testing.T, e *testkit.Env, token string) ruleView {
	t.Helper()
	r := e.Call("GET", "/api/v1/assessment/rule", token, nil)
	testkit.Want(t, r, 200)
	var v ruleView
	r.JSON(t, &v)
	return v
}

// The rule is read by any staff member and API key, and changed only by
// an admin at the root area; bad values change nothing; every change is
// audited with the old and the new values.
func TestAssessmentRuleOnlyFromTheRoot(t *testing.T) {
	e := testkit.NewEnv(t)
	root := e.Staff("city_admin", auth.Admin, "330800")
	county := e.Staff("kc_admin", auth.Admin, "330802")
	editor := e.Staff("city_editor", auth.Editor, "330800")
	worker := e.Staff("gw_1", auth.GridWorker, "330802001001001")
	resident := e.ResidentWithProfile("13100000001", "45_59", "farmer", "330802001001001").AccessToken

	if v := getRule(t, e, worker); v.TargetRate != 0.9 || v.TargetCoverage != 0.05 || v.MinRespondents != 30 || v.PassScore != 60 || v.MinQuestions != 5 || v.MinSecondsPerQuestion != 2 || v.UpdatedAt != nil {
		t.Fatalf("default rule %+v", v)
	}
	testkit.Want(t, e.Call("GET", "/api/v1/assessment/rule", resident, nil), 403)

	for _, tc := range []struct {
		name, token, code string
	}{
		{"a county admin", county, "root_admin_required"},
		{"an editor at the root", editor, "forbidden"},
		{"a grid worker", worker, "forbidden"},
	} {
		t.Run("refused: "+tc.name, func(t *testing.T) {
			testkit.Want(t, e.Call("PUT", "/api/v1/assessment/rule", tc.token, ruleBody(map[string]any{"pass_score": 10})), 403, tc.code)
		})
	}
	for _, tc := range []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"rate above 1", ruleBody(map[string]any{"target_rate": 1.5}), "target_rate"},
		{"rate 0", ruleBody(map[string]any{"target_rate": 0}), "target_rate"},
		{"negative coverage", ruleBody(map[string]any{"target_coverage": -0.1}), "target_coverage"},
		{"negative sample", ruleBody(map[string]any{"min_respondents": -1}), "min_respondents"},
		{"pass mark over 100", ruleBody(map[string]any{"pass_score": 101}), "pass_score"},
		{"negative seconds", ruleBody(map[string]any{"min_seconds_per_question": -2}), "min_seconds_per_question"},
		{"no questions", ruleBody(map[string]any{"min_questions": 0}), "min_questions"},
		{"a field missing", map[string]any{"target_rate": 0.8}, "target_coverage"},
	} {
		t.Run("422: "+tc.name, func(t *testing.T) {
			r := e.Call("PUT", "/api/v1/assessment/rule", root, tc.body)
			testkit.Want(t, r, 422, "validation_failed")
			if !strings.Contains(string(r.Body), `"field":"`+tc.field+`"`) {
				t.Fatalf("the error does not name %s: %s", tc.field, r.Body)
			}
		})
	}
	if v := getRule(t, e, root); v.PassScore != 60 || v.TargetRate != 0.9 || v.UpdatedAt != nil {
		t.Fatalf("refusals changed the rule: %+v", v)
	}

	r := e.Call("PUT", "/api/v1/assessment/rule", root, ruleBody(map[string]any{"target_rate": 0.85, "pass_score": 70}))
	testkit.Want(t, r, 200)
	v := getRule(t, e, editor)
	if v.TargetRate != 0.85 || v.PassScore != 70 || v.UpdatedAt == nil || v.UpdatedBy == nil || *v.UpdatedBy != "city_admin" {
		t.Fatalf("rule after the change %+v", v)
	}
	// The assessment states the rule in force.
	var sh struct{ Rule ruleView }
	e.Call("GET", "/api/v1/assessment/"+awareness.CurrentQuarter(time.Now())+"/330802", root, nil).JSON(t, &sh)
	if sh.Rule.TargetRate != 0.85 || sh.Rule.PassScore != 70 {
		t.Fatalf("the sheet states %+v", sh.Rule)
	}
	csv := e.Call("GET", "/api/v1/assessment/"+awareness.CurrentQuarter(time.Now())+"/330802/export?format=csv", root, nil)
	testkit.Want(t, csv, 200)
	for _, line := range []string{"目标知晓率,0.85", "计入问答最低及格分,70", "计入问答最少题数,5", "计入问答每题最短用时（秒）,2"} {
		if !strings.Contains(string(csv.Body), line) {
			t.Fatalf("the export does not state %q:\n%s", line, csv.Body)
		}
	}
	var audit struct {
		Items []struct {
			ActorName string `json:"actor_name"`
			Detail    *string
		}
	}
	e.Call("GET", "/api/v1/audit?action=assessment.rule_update", root, nil).JSON(t, &audit)
	if len(audit.Items) != 1 || audit.Items[0].ActorName != "city_admin" {
		t.Fatalf("audit %+v", audit.Items)
	}
	var detail struct{ Old, New ruleView }
	if err := json.Unmarshal([]byte(*audit.Items[0].Detail), &detail); err != nil {
		t.Fatal(err)
	}
	if detail.Old.PassScore != 60 || detail.New.PassScore != 70 || detail.Old.TargetRate != 0.9 || detail.New.TargetRate != 0.85 {
		t.Fatalf("audited old/new %+v", detail)
	}
}

// A county editor cannot create, change or publish a counting quiz below
// the rule; a practice quiz is free.
func TestCountingQuizBelowTheRuleIsRefused(t *testing.T) {
	e := testkit.NewEnv(t)
	root := e.Staff("city_admin", auth.Admin, "330800")
	ed := e.Staff("kc_ed", auth.Editor, "330802")
	base := func(changes map[string]any) map[string]any {
		b := map[string]any{"title": "柯城有奖问答", "area_code": "330802", "audience": "residents",
			"starts_at": time.Now().Add(-time.Hour).Format(time.RFC3339), "ends_at": time.Now().Add(24 * time.Hour).Format(time.RFC3339),
			"question_count": 5, "pass_score": 60, "time_limit_s": 600, "max_attempts": 2, "min_seconds_per_question": 2, "counts_for_awareness": true}
		for k, v := range changes {
			b[k] = v
		}
		return b
	}
	for _, tc := range []struct {
		name    string
		changes map[string]any
		field   string
	}{
		{"pass mark 0", map[string]any{"pass_score": 0}, "pass_score"},
		{"pass mark 59", map[string]any{"pass_score": 59}, "pass_score"},
		{"three questions", map[string]any{"question_count": 3}, "question_count"},
		{"one second per question", map[string]any{"min_seconds_per_question": 1}, "min_seconds_per_question"},
	} {
		t.Run("create: "+tc.name, func(t *testing.T) {
			r := e.Call("POST", "/api/v1/quizzes", ed, base(tc.changes))
			testkit.Want(t, r, 422, "below_assessment_rule")
			var p struct {
				Detail string
				Errors []struct{ Field string }
			}
			r.JSON(t, &p)
			if len(p.Errors) != 1 || p.Errors[0].Field != tc.field || !strings.Contains(p.Detail, "考核规则") {
				t.Fatalf("problem %s", r.Body)
			}
		})
	}
	// Practice quizzes are free, and say they do not count.
	r := e.Call("POST", "/api/v1/quizzes", ed, base(map[string]any{"pass_score": 0, "counts_for_awareness": false}))
	testkit.Want(t, r, 201)
	var practice struct {
		CountsNow         *bool  `json:"counts_now"`
		NotCountingReason string `json:"not_counting_reason"`
	}
	r.JSON(t, &practice)
	if practice.CountsNow == nil || *practice.CountsNow || !strings.Contains(practice.NotCountingReason, "练习") {
		t.Fatalf("practice quiz %s", r.Body)
	}

	// Change: a counting draft cannot be lowered below the rule.
	r = e.Call("POST", "/api/v1/quizzes", ed, base(nil))
	testkit.Want(t, r, 201)
	var q struct {
		ID        int64
		CountsNow *bool `json:"counts_now"`
	}
	r.JSON(t, &q)
	if q.CountsNow == nil || !*q.CountsNow {
		t.Fatalf("a quiz meeting the rule: %s", r.Body)
	}
	testkit.Want(t, e.Call("PATCH", fmt.Sprintf("/api/v1/quizzes/%d", q.ID), ed, map[string]any{"pass_score": 30}), 422, "below_assessment_rule")
	testkit.Want(t, e.Call("PATCH", fmt.Sprintf("/api/v1/quizzes/%d", q.ID), ed, map[string]any{"counts_for_awareness": true, "min_seconds_per_question": 0}), 422, "below_assessment_rule")

	// Publish: the root raises the rule above the draft; publishing it is refused.
	testkit.Want(t, e.Call("PUT", "/api/v1/assessment/rule", root, ruleBody(map[string]any{"pass_score": 75})), 200)
	r = e.Call("POST", fmt.Sprintf("/api/v1/quizzes/%d/publish", q.ID), ed, nil)
	testkit.Want(t, r, 422, "below_assessment_rule")
	if !strings.Contains(string(r.Body), `"field":"pass_score"`) {
		t.Fatalf("publish refusal %s", r.Body)
	}
	var got struct {
		Status            string
		CountsNow         *bool  `json:"counts_now"`
		NotCountingReason string `json:"not_counting_reason"`
		BelowRuleField    string `json:"below_rule_field"`
	}
	e.Call("GET", fmt.Sprintf("/api/v1/quizzes/%d", q.ID), ed, nil).JSON(t, &got)
	if got.Status != "draft" || got.CountsNow == nil || *got.CountsNow || got.BelowRuleField != "pass_score" || !strings.Contains(got.NotCountingReason, "75") {
		t.Fatalf("the refused quiz: %+v", got)
	}
}

// A counting quiz that falls below a later rule stops counting from that
// moment: attempts submitted before keep counting, later ones do not, and
// a rebuild of the counters gives the same figures.
func TestQuizStopsCountingUnderALaterRule(t *testing.T) {
	e := testkit.NewEnv(t)
	f := newQuizFixture(t, e, nil) // pass mark 60, three questions, rule relaxed to allow them
	root := e.Staff("city_admin", auth.Admin, "330800")
	take := func(phone string) { f.take(t, phone, "330802001001001", f.allRight()) }
	period := awareness.CurrentQuarter(time.Now())
	figures := func() (respondents, passed int64) {
		var fig struct{ Respondents, Passed int64 }
		e.Call("GET", "/api/v1/awareness/330802?period="+period, root, nil).JSON(t, &fig)
		return fig.Respondents, fig.Passed
	}
	take("13100000001")
	take("13100000002")
	if n, p := figures(); n != 2 || p != 2 {
		t.Fatalf("before the change: %d respondents, %d passed", n, p)
	}
	testkit.Want(t, e.Call("PUT", "/api/v1/assessment/rule", root, ruleBody(map[string]any{"pass_score": 70, "min_questions": 1, "min_seconds_per_question": 0})), 200)
	take("13100000003")
	take("13100000004")
	if n, p := figures(); n != 2 || p != 2 {
		t.Fatalf("after the rule rose above the quiz: %d respondents, %d passed; want the two earlier ones only", n, p)
	}
	var q struct {
		CountsNow         *bool  `json:"counts_now"`
		NotCountingReason string `json:"not_counting_reason"`
	}
	e.Call("GET", fmt.Sprintf("/api/v1/quizzes/%d", f.quizID), f.editor, nil).JSON(t, &q)
	if q.CountsNow == nil || *q.CountsNow || !strings.Contains(q.NotCountingReason, "不再计入知晓率") {
		t.Fatalf("the quiz's page does not say it stopped counting: %+v", q)
	}
	if _, err := e.Aware.Rebuild(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if n, p := figures(); n != 2 || p != 2 {
		t.Fatalf("after a rebuild: %d respondents, %d passed", n, p)
	}
	// Lowering the rule again makes later attempts count again (not the
	// ones submitted while it was below).
	testkit.Want(t, e.Call("PUT", "/api/v1/assessment/rule", root, ruleBody(map[string]any{"pass_score": 60, "min_questions": 1, "min_seconds_per_question": 0})), 200)
	take("13100000005")
	if n, _ := figures(); n != 3 {
		t.Fatalf("after the rule came back: %d respondents, want 3", n)
	}
}

type versionView struct {
	Version      int        `json:"version"`
	LockedBy     string     `json:"locked_by"`
	LockReason   string     `json:"lock_reason"`
	Checksum     string     `json:"checksum"`
	Current      bool       `json:"current"`
	SupersededAt *time.Time `json:"superseded_at"`
	SupersededBy *string    `json:"superseded_by"`
	UnlockReason *string    `json:"unlock_reason"`
}

// Locks are lawful: only after the period has ended, except by a root
// admin giving a reason; unlocks only from above, with a reason, keeping
// every version; a stored snapshot altered afterwards is detected.
func TestLocksUnlocksHistoryAndTampering(t *testing.T) {
	e := testkit.NewEnv(t)
	f := newQuizFixture(t, e, nil)
	for i, grid := range []string{"330802001001001", "330802001001002", "330802002001001", "330802002001002"} {
		f.take(t, fmt.Sprintf("1310000000%d", i), grid, f.allRight())
	}
	// Two of them were in fact submitted last quarter (moved there in the
	// database, and the counters rebuilt from the raw attempts).
	now := time.Now()
	current := awareness.CurrentQuarter(now)
	last := awareness.CurrentQuarter(now.AddDate(0, -3, 0))
	lp, _ := awareness.ParsePeriod(last, now)
	if err := e.DB.Exec("UPDATE attempts SET submitted_at = ? WHERE grid_code IN ?", lp.Start.Add(24*time.Hour), []string{"330802001001001", "330802002001001"}).Error; err != nil {
		t.Fatal(err)
	}
	if _, err := e.Aware.Rebuild(context.Background(), nil); err != nil {
		t.Fatal(err)
	}

	rootA := e.Staff("city_a", auth.Admin, "330800")
	rootB := e.Staff("city_b", auth.Admin, "330800")
	county := e.Staff("kc_admin", auth.Admin, "330802")
	otherCounty := e.Staff("js_admin", auth.Admin, "330881")
	assessor := e.Staff("city_assessor", auth.Assessor, "330800")
	at := func(period, code string) string { return "/api/v1/assessment/" + period + "/" + code }

	// Locking: the running quarter is refused to a county admin even with a
	// reason, and to a root admin without one; a bogus or future period is
	// refused; a past period without data has nothing to lock.
	testkit.Want(t, e.Call("POST", at(current, "330802")+"/lock", county, map[string]any{"reason": "提前"}), 409, "period_not_ended")
	testkit.Want(t, e.Call("POST", at(current, "330800")+"/lock", rootA, nil), 409, "period_not_ended")
	testkit.Want(t, e.Call("POST", at(current, "330800")+"/lock", rootA, map[string]any{"reason": "  "}), 409, "period_not_ended")
	testkit.Want(t, e.Call("POST", at("2000Q1", "330802")+"/lock", county, nil), 409, "period_without_data")
	testkit.Want(t, e.Call("POST", at(fmt.Sprintf("%dQ1", now.Year()+1), "330802")+"/lock", rootA, map[string]any{"reason": "未来"}), 422, "invalid_period")
	testkit.Want(t, e.Call("POST", at("2026Q5", "330802")+"/lock", rootA, map[string]any{"reason": "x"}), 422, "invalid_period")
	testkit.Want(t, e.Call("POST", at(last, "330881")+"/lock", county, nil), 403, "out_of_scope")

	// Last quarter has ended: the county admin locks its own sheet.
	r := e.Call("POST", at(last, "330802")+"/lock", county, nil)
	testkit.Want(t, r, 200)
	var sh struct {
		Locked   bool
		Version  int
		Checksum *string
		LockedBy *string `json:"locked_by"`
		Rows     []struct {
			AreaCode    string `json:"area_code"`
			Respondents int64
		}
		Rule ruleView
	}
	r.JSON(t, &sh)
	if !sh.Locked || sh.Version != 1 || sh.LockedBy == nil || *sh.LockedBy != "kc_admin" || sh.Rule.PassScore != 60 {
		t.Fatalf("locked sheet %s", r.Body)
	}
	// Unlocking the county: not by the county itself, nor a neighbour;
	// the root (strictly above) may, with a reason.
	testkit.Want(t, e.Call("POST", at(last, "330802")+"/unlock", county, map[string]any{"reason": "数据有误"}), 403, "unlock_from_above")
	testkit.Want(t, e.Call("POST", at(last, "330802")+"/unlock", otherCounty, map[string]any{"reason": "数据有误"}), 403, "out_of_scope")
	testkit.Want(t, e.Call("POST", at(last, "330802")+"/unlock", assessor, map[string]any{"reason": "数据有误"}), 403, "forbidden")
	testkit.Want(t, e.Call("POST", at(last, "330802")+"/unlock", rootA, map[string]any{}), 422, "validation_failed")
	testkit.Want(t, e.Call("POST", at(last, "330802")+"/unlock", rootA, nil), 400)
	testkit.Want(t, e.Call("POST", at(last, "330802")+"/unlock", rootA, map[string]any{"reason": "柯城区人口数据更正后重新锁定"}), 200)
	testkit.Want(t, e.Call("POST", at(last, "330802")+"/unlock", rootA, map[string]any{"reason": "再解一次"}), 409, "not_locked")

	// The city's own sheet: root admin A locks the running quarter with a
	// reason; A cannot unlock it, B can; A locks again; the history keeps both.
	r = e.Call("POST", at(current, "330800")+"/lock", rootA, map[string]any{"reason": "省考核组提前抽查"})
	testkit.Want(t, r, 200)
	testkit.Want(t, e.Call("POST", at(current, "330800")+"/unlock", rootA, map[string]any{"reason": "自己解锁"}), 403, "unlock_from_above")
	testkit.Want(t, e.Call("POST", at(current, "330800")+"/unlock", county, map[string]any{"reason": "下级解锁"}), 403, "out_of_scope")
	testkit.Want(t, e.Call("POST", at(current, "330800")+"/unlock", rootB, map[string]any{"reason": "江山市补录答卷后重新锁定"}), 200)
	var live struct{ Locked bool }
	e.Call("GET", at(current, "330800"), rootA, nil).JSON(t, &live)
	if live.Locked {
		t.Fatal("still locked after the unlock")
	}
	r = e.Call("POST", at(current, "330800")+"/lock", rootA, map[string]any{"reason": "补录后重新锁定"})
	testkit.Want(t, r, 200)
	r.JSON(t, &sh)
	if sh.Version != 2 {
		t.Fatalf("relock wrote version %d, want 2", sh.Version)
	}
	var hist struct{ Items []versionView }
	r = e.Call("GET", at(current, "330800")+"/history", assessor, nil)
	testkit.Want(t, r, 200)
	r.JSON(t, &hist)
	if len(hist.Items) != 2 {
		t.Fatalf("history %s", r.Body)
	}
	v1, v2 := hist.Items[0], hist.Items[1]
	if v1.Version != 1 || v1.Current || v1.SupersededAt == nil || v1.SupersededBy == nil || *v1.SupersededBy != "city_b" ||
		v1.UnlockReason == nil || *v1.UnlockReason != "江山市补录答卷后重新锁定" || v1.LockedBy != "city_a" || v1.LockReason != "省考核组提前抽查" {
		t.Fatalf("version 1 %+v", v1)
	}
	if v2.Version != 2 || !v2.Current || v2.SupersededAt != nil || v2.Checksum != *sh.Checksum {
		t.Fatalf("version 2 %+v", v2)
	}

	// Verify: the stored rows hash to the stored checksum.
	var ver struct {
		Version    int
		Valid      bool
		Checksum   string
		Recomputed string
	}
	r = e.Call("GET", at(current, "330800")+"/verify", assessor, nil)
	testkit.Want(t, r, 200)
	r.JSON(t, &ver)
	if !ver.Valid || ver.Version != 2 || ver.Checksum != ver.Recomputed || ver.Checksum != *sh.Checksum {
		t.Fatalf("verify %s", r.Body)
	}
	testkit.Want(t, e.Call("GET", at(current, "330800")+"/verify?version=1", assessor, nil), 200)
	testkit.Want(t, e.Call("GET", at(current, "330800")+"/verify?version=9", assessor, nil), 404, "snapshot_not_found")
	testkit.Want(t, e.Call("GET", at(current, "330881")+"/verify", rootA, nil), 409, "not_locked")

	// Somebody alters a stored row in the database: reading and exporting
	// refuse with snapshot_corrupted, verify says invalid.
	var rowsJSON string
	e.DB.Raw("SELECT rows_json FROM assessment_snapshots WHERE period = ? AND area_code = ? AND version = 2", current, "330800").Scan(&rowsJSON)
	tampered := strings.Replace(rowsJSON, `"passed":0`, `"passed":1`, 1)
	if tampered == rowsJSON {
		tampered = strings.Replace(rowsJSON, `"respondents":`, `"respondents":9`, 1)
	}
	if err := e.DB.Exec("UPDATE assessment_snapshots SET rows_json = ? WHERE period = ? AND area_code = ? AND version = 2", tampered, current, "330800").Error; err != nil {
		t.Fatal(err)
	}
	testkit.Want(t, e.Call("GET", at(current, "330800"), rootA, nil), 409, "snapshot_corrupted")
	testkit.Want(t, e.Call("GET", at(current, "330800")+"/export?format=csv", assessor, nil), 409, "snapshot_corrupted")
	r = e.Call("GET", at(current, "330800")+"/verify", assessor, nil)
	testkit.Want(t, r, 200)
	r.JSON(t, &ver)
	if ver.Valid || ver.Recomputed == ver.Checksum || ver.Recomputed == "" {
		t.Fatalf("verify of an altered snapshot %s", r.Body)
	}
	// The older version was not touched and still verifies.
	r = e.Call("GET", at(current, "330800")+"/verify?version=1", assessor, nil)
	r.JSON(t, &ver)
	if !ver.Valid {
		t.Fatalf("version 1 %s", r.Body)
	}

	// An API key reads history and verifies, and cannot unlock.
	r = e.Call("POST", "/api/v1/api-keys", rootA, map[string]any{"name": "平安考核系统", "area_code": "330800"})
	testkit.Want(t, r, 201)
	var key struct{ Key string }
	r.JSON(t, &key)
	withKey := func(method, p string) testkit.Resp {
		return e.Do(testkit.Request{Method: method, Path: p, Header: map[string]string{"X-API-Key": key.Key}, Body: map[string]any{"reason": "x"}})
	}
	testkit.Want(t, withKey("GET", at(current, "330800")+"/history"), 200)
	testkit.Want(t, withKey("GET", "/api/v1/assessment/rule"), 200)
	testkit.Want(t, withKey("POST", at(current, "330800")+"/unlock"), 403, "read_only_key")

	// Every lock and unlock is in the audit log with its reason.
	var audit struct {
		Items []struct {
			Action string
			Detail *string
		}
	}
	e.Call("GET", "/api/v1/audit?action=assessment.unlock", rootA, nil).JSON(t, &audit)
	if len(audit.Items) != 2 || !strings.Contains(*audit.Items[0].Detail, "重新锁定") {
		t.Fatalf("unlocks audited %+v", audit.Items)
	}
	e.Call("GET", "/api/v1/audit?action=assessment.lock", rootA, nil).JSON(t, &audit)
	if len(audit.Items) != 3 {
		t.Fatalf("locks audited: %d, want 3", len(audit.Items))
	}
}

// Racing locks write one version, and racing unlocks supersede it once.
func TestConcurrentLocksAndUnlocks(t *testing.T) {
	e := testkit.NewEnv(t)
	f := newQuizFixture(t, e, nil)
	tok := e.ResidentWithProfile("13100000009", "45_59", "farmer", "330802001001001").AccessToken
	s := f.start(t, tok, 201)
	testkit.Want(t, f.submit(t, tok, s.AttemptID, "k", f.answers(s, nil)), 200)
	root := e.Staff("city_admin", auth.Admin, "330800")
	path := "/api/v1/assessment/" + awareness.CurrentQuarter(time.Now()) + "/330802"
	race := func(action string) map[int]int {
		var wg sync.WaitGroup
		statuses := make(chan int, 8)
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses <- e.Call("POST", path+"/"+action, root, map[string]any{"reason": fmt.Sprintf("并发 %d", i)}).Status
			}()
		}
		wg.Wait()
		close(statuses)
		got := map[int]int{}
		for st := range statuses {
			got[st]++
		}
		return got
	}
	for round := 1; round <= 2; round++ {
		if got := race("lock"); got[200] != 1 || got[409] != 7 {
			t.Fatalf("round %d: racing locks answered %v, want one 200 and seven 409", round, got)
		}
		if got := race("unlock"); got[200] != 1 || got[409] != 7 {
			t.Fatalf("round %d: racing unlocks answered %v, want one 200 and seven 409", round, got)
		}
	}
	var hist struct{ Items []versionView }
	e.Call("GET", path+"/history", root, nil).JSON(t, &hist)
	if len(hist.Items) != 2 || hist.Items[0].Current || hist.Items[1].Current || hist.Items[1].Version != 2 {
		t.Fatalf("history after two rounds %+v", hist.Items)
	}
}
