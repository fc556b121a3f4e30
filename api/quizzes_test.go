package api_test

import (
	"encoding/json"
	"fmt"
	"gorm.io/gorm"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"wuzha/internal/auth"
	"wuzha/internal/rule"
	"wuzha/internal/testkit"
)

// bankQuestion is a question the fixture wrote, to answer it by text.
type bankQuestion struct {
	ID      int64
	Kind    string
	Options []struct{ Key, Text string }
	Answer  []string
	Expl    string
}

type quizFixture struct {
	e         *testkit.Env
	editor    string
	reviewer  string
	questions map[int64]bankQuestion
	quizID    int64
}

// newQuizFixture publishes a 柯城区 resident quiz whose questions are exactly
// three the editor wrote: one single, one multiple, one true/false.
func newQuizFixture(t *testing.T, e *testkit.Env, extra map[string]any) *quizFixture {
	t.Helper()
	return newQuizFixtureN(t, e, 3, extra)
}

// newQuizFixtureN is newQuizFixture with n ≥ 3 questions: the three, then
// single-choice ones (the load benchmark's ten-question quiz).
func newQuizFixtureN(t *testing.T, e *testkit.Env, n int, extra map[string]any) *quizFixture {
	t.Helper()
	f := &quizFixture{e: e, questions: map[int64]bankQuestion{}}
	area := "330802"
	if a, ok := extra["area_code"].(string); ok {
		area = a // the editor and reviewer work where the quiz is
	}
	// The fixture's quizzes have three questions answered at once: the
	// city's rule here lets such quizzes count.
	lenient := rule.Default()
	lenient.MinQuestions, lenient.MinSecondsPerQuestion = 1, 0
	e.SetRule(lenient)
	f.editor = e.Staff(fmt.Sprintf("qe%d", time.Now().UnixNano()%1e9), auth.Editor, area)
	bodies := []map[string]any{
		{"kind": "single", "stem": "接到自称公安的电话要求把钱转到安全账户，应该怎么做？", "options": []map[string]string{{"key": "A", "text": "按要求转账"}, {"key": "B", "text": "挂断并拨打110核实"}, {"key": "C", "text": "先转一半"}, {"key": "D", "text": "告诉对方银行卡密码"}}, "answer": []string{"B"}, "explanation": "公安机关不会要求转账到所谓安全账户，挂断后拨打110核实。", "fraud_type": "police_impersonation", "difficulty": 1},
		{"kind": "multiple", "stem": "以下哪些是刷单诈骗的常见特征？", "options": []map[string]string{{"key": "A", "text": "先返小额佣金"}, {"key": "B", "text": "要求垫付资金"}, {"key": "C", "text": "正规公司劳动合同"}, {"key": "D", "text": "以卡单为由要求继续转账"}}, "answer": []string{"A", "B", "D"}, "explanation": "先给甜头、再要垫资、以卡单为由继续要钱，都是刷单诈骗的套路。", "fraud_type": "brushing", "difficulty": 2},
		{"kind": "true_false", "stem": "96110 是全国反诈预警劝阻专线。", "options": []map[string]string{{"key": "A", "text": "正确"}, {"key": "B", "text": "错误"}}, "answer": []string{"A"}, "explanation": "96110 来电多为反诈预警劝阻，请务必接听。", "fraud_type": "other", "difficulty": 1},
	}
	for i := len(bodies); i < n; i++ {
		bodies = append(bodies, map[string]any{"kind": "single", "stem": fmt.Sprintf("第 %d 题：陌生人发来链接说可以领取补贴，需要填写银行卡号和验证码，应该怎么做？", i+1),
			"options": []map[string]string{{"key": "A", "text": "立即填写领取"}, {"key": "B", "text": "不点链接，向官方渠道核实"}, {"key": "C", "text": "把验证码发给对方"}},
			"answer":  []string{"B"}, "explanation": "补贴不会通过陌生链接发放，验证码绝不能告诉他人。", "fraud_type": "other", "difficulty": 1})
	}
	var ids []int64
	for _, b := range bodies {
		r := e.Call("POST", "/api/v1/questions", f.editor, b)
		testkit.Want(t, r, 201)
		var q bankQuestion
		var raw struct {
			ID          int64
			Kind        string
			Options     []struct{ Key, Text string }
			Answer      []string
			Explanation string
		}
		r.JSON(t, &raw)
		q = bankQuestion{ID: raw.ID, Kind: raw.Kind, Options: raw.Options, Answer: raw.Answer, Expl: raw.Explanation}
		f.questions[q.ID] = q
		ids = append(ids, q.ID)
	}
	f.reviewer = e.Staff(fmt.Sprintf("qr%d", time.Now().UnixNano()%1e9), auth.Reviewer, area)
	for _, id := range ids {
		testkit.Want(t, e.Call("POST", fmt.Sprintf("/api/v1/questions/%d/approve", id), f.reviewer, nil), 200)
	}
	body := map[string]any{"title": "柯城反诈有奖问答", "area_code": "330802", "audience": "residents",
		"starts_at": time.Now().Add(-time.Hour).Format(time.RFC3339), "ends_at": time.Now().Add(24 * time.Hour).Format(time.RFC3339),
		"question_count": n, "pass_score": 60, "time_limit_s": 600, "max_attempts": 2, "core_question_ids": ids, "min_seconds_per_question": 0}
	for k, v := range extra {
		body[k] = v
	}
	r := e.Call("POST", "/api/v1/quizzes", f.editor, body)
	testkit.Want(t, r, 201)
	var q struct{ ID int64 }
	r.JSON(t, &q)
	f.quizID = q.ID
	testkit.Want(t, e.Call("POST", fmt.Sprintf("/api/v1/quizzes/%d/publish", q.ID), f.editor, nil), 200)
	return f
}

type servedQ struct {
	ID      int64
	Kind    string
	Stem    string
	Options []struct{ Key, Text string }
}

type started struct {
	AttemptID    int64     `json:"attempt_id"`
	Deadline     time.Time `json:"deadline"`
	Questions    []servedQ `json:"questions"`
	SavedAnswers []struct {
		QuestionID int64    `json:"question_id"`
		Keys       []string `json:"keys"`
	} `json:"saved_answers"`
	Resumed bool `json:"resumed"`
}

func (f *quizFixture) start(t *testing.T, token string, wantStatus int) started {
	t.Helper()
	r := f.e.Call("POST", fmt.Sprintf("/api/v1/quizzes/%d/attempts", f.quizID), token, map[string]any{})
	testkit.Want(t, r, wantStatus)
	var s started
	if wantStatus < 300 {
		r.JSON(t, &s)
	}
	return s
}

// answers answers every served question: right, or deliberately wrong.
func (f *quizFixture) answers(s started, right map[int64]bool) []map[string]any {
	var out []map[string]any
	for _, q := range s.Questions {
		bq := f.questions[q.ID]
		correctTexts := map[string]bool{}
		for _, o := range bq.Options {
			for _, a := range bq.Answer {
				if o.Key == a {
					correctTexts[o.Text] = true
				}
			}
		}
		var keys []string
		for _, o := range q.Options {
			if correctTexts[o.Text] == right[q.ID] {
				keys = append(keys, o.Key)
			}
		}
		if bq.Kind != "multiple" && len(keys) > 1 {
			keys = keys[:1]
		}
		out = append(out, map[string]any{"question_id": q.ID, "keys": keys})
	}
	return out
}

// allRight marks every question of the fixture as answered right.
func (f *quizFixture) allRight() map[int64]bool {
	all := map[int64]bool{}
	for id := range f.questions {
		all[id] = true
	}
	return all
}

// take has a new resident of grid (45–59, farmer) start the quiz and submit,
// answering right the questions in right; the submission must succeed.
func (f *quizFixture) take(t *testing.T, phone, grid string, right map[int64]bool) {
	t.Helper()
	tok := f.e.ResidentWithProfile(phone, "45_59", "farmer", grid).AccessToken
	s := f.start(t, tok, 201)
	testkit.Want(t, f.submit(t, tok, s.AttemptID, "k", f.answers(s, right)), 200)
}

func (f *quizFixture) submit(t *testing.T, token string, id int64, key string, answers any) testkit.Resp {
	t.Helper()
	h := map[string]string{}
	if key != "" {
		h["Idempotency-Key"] = key
	}
	return f.e.Do(testkit.Request{Method: "POST", Path: fmt.Sprintf("/api/v1/attempts/%d/submit", id), Token: token, Body: map[string]any{"answers": answers}, Header: h})
}

type result struct {
	AttemptID int64   `json:"attempt_id"`
	Score     float64 `json:"score"`
	Passed    bool    `json:"passed"`
	Invalid   bool    `json:"invalid"`
	Results   []struct {
		QuestionID  int64    `json:"question_id"`
		Correct     bool     `json:"correct"`
		Answer      []string `json:"answer"`
		Explanation string   `json:"explanation"`
		WarningIDs  []int64  `json:"warning_ids"`
	} `json:"results"`
	Prize *struct{ Name, Code string } `json:"prize"`
}

func TestGrading(t *testing.T) {
	e := testkit.NewEnv(t)
	f := newQuizFixture(t, e, nil)
	ids := []int64{}
	for id := range f.questions {
		ids = append(ids, id)
	}
	cases := []struct {
		name       string
		right      func(id int64) bool
		wantScore  float64
		wantPassed bool
	}{
		{"all right", func(int64) bool { return true }, 100, true},
		{"all wrong", func(int64) bool { return false }, 0, false},
		{"only the multiple right", func(id int64) bool { return f.questions[id].Kind == "multiple" }, 33.3, false},
		{"two of three", func(id int64) bool { return f.questions[id].Kind != "true_false" }, 66.7, true},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tok := e.ResidentWithProfile(fmt.Sprintf("1370000%04d", i), "60p", "retiree", "330802001001001").AccessToken
			s := f.start(t, tok, 201)
			right := map[int64]bool{}
			for _, id := range ids {
				right[id] = tc.right(id)
			}
			r := f.submit(t, tok, s.AttemptID, "k1", f.answers(s, right))
			testkit.Want(t, r, 200)
			var res result
			r.JSON(t, &res)
			if res.Score != tc.wantScore || res.Passed != tc.wantPassed || len(res.Results) != 3 {
				t.Fatalf("score %v passed %v, want %v %v: %s", res.Score, res.Passed, tc.wantScore, tc.wantPassed, r.Body)
			}
			for _, qr := range res.Results {
				if qr.Correct != right[qr.QuestionID] || qr.Explanation != f.questions[qr.QuestionID].Expl || len(qr.Answer) == 0 {
					t.Errorf("question %d: %+v", qr.QuestionID, qr)
				}
			}
		})
	}
	t.Run("multiple choice needs exactly the right set", func(t *testing.T) {
		tok := e.ResidentWithProfile("13700009001", "30_44", "company_staff", "330802001001001").AccessToken
		s := f.start(t, tok, 201)
		ans := f.answers(s, map[int64]bool{})
		for i, q := range s.Questions {
			if f.questions[q.ID].Kind == "multiple" {
				all := map[int64]bool{q.ID: true}
				full := f.answers(started{Questions: []servedQ{q}}, all)[0]["keys"].([]string)
				ans[i]["keys"] = full[:2] // two of the three right keys
			}
		}
		var res result
		r := f.submit(t, tok, s.AttemptID, "k", ans)
		testkit.Want(t, r, 200)
		r.JSON(t, &res)
		for _, qr := range res.Results {
			if f.questions[qr.QuestionID].Kind == "multiple" && qr.Correct {
				t.Fatal("a partial multiple-choice answer was graded correct")
			}
		}
	})
}

func TestAttemptBadInput(t *testing.T) {
	e := testkit.NewEnv(t)
	f := newQuizFixture(t, e, nil)
	alice := e.ResidentWithProfile("13800000001", "18_29", "student", "330802001001001").AccessToken
	bob := e.ResidentWithProfile("13800000002", "18_29", "student", "330802001001002").AccessToken
	s := f.start(t, alice, 201)
	q0 := s.Questions[0]
	good := f.answers(s, map[int64]bool{})

	t.Run("someone else's attempt", func(t *testing.T) {
		testkit.Want(t, f.submit(t, bob, s.AttemptID, "x", good), 404)
		testkit.Want(t, e.Call("GET", fmt.Sprintf("/api/v1/attempts/%d", s.AttemptID), bob, nil), 404)
		testkit.Want(t, e.Call("PUT", fmt.Sprintf("/api/v1/attempts/%d/answers", s.AttemptID), bob, map[string]any{"answers": good}), 404)
	})
	t.Run("no idempotency key", func(t *testing.T) {
		testkit.Want(t, f.submit(t, alice, s.AttemptID, "", good), 400, "idempotency_key_required")
	})
	// Submitting reads the attempt in the statement that checks the
	// sign-in: an attempt that is missing still leaves a live sign-in
	// signed in (404), and a dead sign-in is refused whether or not the
	// attempt is there (401), before anything is graded.
	t.Run("unknown attempt", func(t *testing.T) {
		testkit.Want(t, f.submit(t, alice, 999999999, "x", good), 404, "not_found")
		testkit.Want(t, f.submit(t, "", s.AttemptID, "x", good), 401)
	})
	t.Run("signed out or disabled", func(t *testing.T) {
		for i, how := range []string{"UPDATE sign_ins SET revoked_at = CURRENT_TIMESTAMP WHERE user_id = ?", "UPDATE users SET disabled = TRUE WHERE id = ?"} {
			r := e.ResidentWithProfile(fmt.Sprintf("1380000009%d", i), "18_29", "student", "330802001001001")
			own := f.start(t, r.AccessToken, 201)
			var uid int64
			e.DB.Raw("SELECT user_id FROM attempts WHERE id = ?", own.AttemptID).Scan(&uid)
			if err := e.DB.Exec(how, uid).Error; err != nil {
				t.Fatal(err)
			}
			testkit.Want(t, f.submit(t, r.AccessToken, own.AttemptID, "x", f.answers(own, nil)), 401, "invalid_token")
			testkit.Want(t, f.submit(t, r.AccessToken, 999999999, "x", good), 401, "invalid_token")
			var status string
			e.DB.Raw("SELECT status FROM attempts WHERE id = ?", own.AttemptID).Scan(&status)
			if status != "open" {
				t.Fatalf("%s: the attempt is %s after a refused submission", how, status)
			}
		}
	})
	for name, answers := range map[string]any{
		"unknown question":  []map[string]any{{"question_id": 999999, "keys": []string{"A"}}},
		"unknown key":       []map[string]any{{"question_id": q0.ID, "keys": []string{"Z"}}},
		"lower-case key":    []map[string]any{{"question_id": q0.ID, "keys": []string{"a"}}},
		"empty key":         []map[string]any{{"question_id": q0.ID, "keys": []string{""}}},
		"duplicate answers": []map[string]any{{"question_id": q0.ID, "keys": []string{"A"}}, {"question_id": q0.ID, "keys": []string{"B"}}},
		"duplicate keys":    []map[string]any{{"question_id": q0.ID, "keys": []string{"A", "A"}}},
	} {
		t.Run(name, func(t *testing.T) {
			testkit.Want(t, f.submit(t, alice, s.AttemptID, "x", answers), 422, "invalid_answers")
		})
	}
	for _, q := range s.Questions {
		if q.Kind == "single" {
			testkit.Want(t, f.submit(t, alice, s.AttemptID, "x", []map[string]any{{"question_id": q.ID, "keys": []string{"A", "B"}}}), 422, "invalid_answers")
		}
	}
	testkit.Want(t, f.submit(t, alice, s.AttemptID, "x", "not a list"), 400)
	// Nothing of the above graded the attempt.
	var v struct{ Status string }
	e.Call("GET", fmt.Sprintf("/api/v1/attempts/%d", s.AttemptID), alice, nil).JSON(t, &v)
	if v.Status != "open" {
		t.Fatalf("attempt status %s after bad submissions", v.Status)
	}

	t.Run("deadline passed", func(t *testing.T) {
		s2 := f.start(t, bob, 201)
		e.DB.Exec("UPDATE attempts SET deadline = ? WHERE id = ?", time.Now().UTC().Add(-time.Minute), s2.AttemptID)
		testkit.Want(t, f.submit(t, bob, s2.AttemptID, "late", f.answers(s2, nil)), 422, "deadline_passed")
	})
	t.Run("attempts exhausted", func(t *testing.T) {
		testkit.Want(t, f.submit(t, alice, s.AttemptID, "first", good), 200)
		s2 := f.start(t, alice, 201)
		testkit.Want(t, f.submit(t, alice, s2.AttemptID, "second", f.answers(s2, nil)), 200)
		f.start(t, alice, 409)
		r := e.Call("POST", fmt.Sprintf("/api/v1/quizzes/%d/attempts", f.quizID), alice, map[string]any{})
		testkit.Want(t, r, 409, "attempts_exhausted")
	})
	t.Run("profile required", func(t *testing.T) {
		carol := e.Resident("13800000003").AccessToken
		testkit.Want(t, e.Call("POST", fmt.Sprintf("/api/v1/quizzes/%d/attempts", f.quizID), carol, map[string]any{}), 422, "profile_required")
	})
	t.Run("outside the quiz's area", func(t *testing.T) {
		dave := e.ResidentWithProfile("13800000004", "18_29", "student", "330881001001001").AccessToken
		testkit.Want(t, e.Call("POST", fmt.Sprintf("/api/v1/quizzes/%d/attempts", f.quizID), dave, map[string]any{}), 403, "outside_area")
	})
	t.Run("outside the window", func(t *testing.T) {
		g := newQuizFixture(t, e, map[string]any{"starts_at": time.Now().Add(time.Hour).Format(time.RFC3339)})
		testkit.Want(t, e.Call("POST", fmt.Sprintf("/api/v1/quizzes/%d/attempts", g.quizID), bob, map[string]any{}), 409, "quiz_closed")
	})
	t.Run("draft quiz and unknown quiz", func(t *testing.T) {
		testkit.Want(t, e.Call("POST", "/api/v1/quizzes/999999/attempts", bob, map[string]any{}), 404)
	})
	t.Run("staff training quiz is not for residents", func(t *testing.T) {
		g := newQuizFixture(t, e, map[string]any{"audience": "staff"})
		testkit.Want(t, e.Call("POST", fmt.Sprintf("/api/v1/quizzes/%d/attempts", g.quizID), bob, map[string]any{}), 403, "wrong_audience")
		worker := e.Staff("gw_kc", auth.GridWorker, "330802001001001")
		testkit.Want(t, e.Call("POST", fmt.Sprintf("/api/v1/quizzes/%d/attempts", g.quizID), worker, map[string]any{}), 201)
	})
	t.Run("scoring rules are frozen once attempts exist", func(t *testing.T) {
		testkit.Want(t, e.Call("PATCH", fmt.Sprintf("/api/v1/quizzes/%d", f.quizID), f.editor, map[string]any{"pass_score": 10}), 409, "rules_locked")
		testkit.Want(t, e.Call("PATCH", fmt.Sprintf("/api/v1/quizzes/%d", f.quizID), f.editor, map[string]any{"title": "新标题也可以改"}), 200)
	})
}

func TestIdempotentAndConcurrentSubmits(t *testing.T) {
	e := testkit.NewEnv(t)
	f := newQuizFixture(t, e, nil)
	tok := e.ResidentWithProfile("13600000001", "45_59", "farmer", "330802001001001").AccessToken
	s := f.start(t, tok, 201)
	ans := f.answers(s, map[int64]bool{})

	// Ten concurrent submissions with different keys: one grades, the rest conflict.
	var wg sync.WaitGroup
	codes := make([]int, 10)
	graded := make([][]byte, 10)
	for i := range codes {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			r := f.submit(t, tok, s.AttemptID, fmt.Sprintf("key-%d", i), ans)
			codes[i], graded[i] = r.Status, r.Body
		}(i)
	}
	wg.Wait()
	ok, conflict := 0, 0
	for _, c := range codes {
		switch c {
		case 200:
			ok++
		case 409:
			conflict++
		}
	}
	if ok != 1 || conflict != 9 {
		t.Fatalf("concurrent submits: %v", codes)
	}
	var n int64
	e.DB.Table("attempt_answers").Where("attempt_id = ?", s.AttemptID).Count(&n)
	if n != 3 {
		t.Fatalf("%d graded answers stored, want 3", n)
	}
	// A retry with the winning key and the same answers returns the very
	// body the grading did.
	var winner string
	var original []byte
	for i, c := range codes {
		if c == 200 {
			winner, original = fmt.Sprintf("key-%d", i), graded[i]
		}
	}
	first := f.submit(t, tok, s.AttemptID, winner, ans)
	testkit.Want(t, first, 200)
	if string(first.Body) != string(original) {
		t.Fatalf("retry body differs:\n%s\n%s", original, first.Body)
	}
	testkit.Want(t, f.submit(t, tok, s.AttemptID, "another", ans), 409, "already_submitted")
	// Attempts submitted by earlier versions carry their result: a retry
	// answers that one.
	var legacy struct{ Score float64 }
	json.Unmarshal(original, &legacy)
	e.DB.Exec("UPDATE attempts SET result = ? WHERE id = ?", strings.Replace(string(original), fmt.Sprintf(`"score":%v`, legacy.Score), `"score":12.5`, 1), s.AttemptID)
	var replayed struct{ Score float64 }
	f.submit(t, tok, s.AttemptID, winner, ans).JSON(t, &replayed)
	if replayed.Score != 12.5 {
		t.Fatalf("replay of a stored result: score %v, want the stored 12.5", replayed.Score)
	}

	// Concurrent retries with one key all get the first result.
	// Two right, one wrong (the order served, hence which kinds, varies).
	s2 := f.start(t, tok, 201)
	ans2 := f.answers(s2, map[int64]bool{s2.Questions[0].ID: true, s2.Questions[1].ID: true})
	bodies := make([]string, 8)
	for i := range bodies {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			r := f.submit(t, tok, s2.AttemptID, "same-key", ans2)
			bodies[i] = fmt.Sprint(r.Status) + string(r.Body)
		}(i)
	}
	wg.Wait()
	for _, b := range bodies {
		if b != bodies[0] || !strings.HasPrefix(b, "200") {
			t.Fatalf("same-key retries differ: %q vs %q", b, bodies[0])
		}
	}
}

// A phone that went offline queues its answers and its submission with a
// key it made, and resends them when the network is back, perhaps twice.
func TestQueuedOfflineSubmission(t *testing.T) {
	e := testkit.NewEnv(t)
	f := newQuizFixture(t, e, nil)
	tok := e.ResidentWithProfile("13600000009", "60p", "retiree", "330802001001001").AccessToken
	s := f.start(t, tok, 201)
	ans := f.answers(s, map[int64]bool{s.Questions[0].ID: true})
	path := fmt.Sprintf("/api/v1/attempts/%d", s.AttemptID)
	// Answers saved while offline reach the server later: accepted while the attempt is open.
	testkit.Want(t, e.Call("PUT", path+"/answers", tok, map[string]any{"answers": ans[:2]}), 204)
	testkit.Want(t, e.Call("PUT", path+"/answers", tok, map[string]any{"answers": ans}), 204)
	first := f.submit(t, tok, s.AttemptID, "phone-made-key-0001", ans)
	testkit.Want(t, first, 200)
	type view struct {
		Status string
		Score  float64
	}
	var before view
	e.Call("GET", path, tok, nil).JSON(t, &before)
	countAnswers := func() (n int64) {
		e.DB.Table("attempt_answers").Where("attempt_id = ?", s.AttemptID).Count(&n)
		return n
	}
	// The same answers listed in another order (and keys of a multiple
	// choice in another order) are the same payload.
	reordered := make([]map[string]any, len(ans))
	for i, a := range ans {
		keys := append([]string(nil), a["keys"].([]string)...)
		slices.Reverse(keys)
		reordered[len(ans)-1-i] = map[string]any{"question_id": a["question_id"], "keys": keys}
	}
	other := f.answers(s, map[int64]bool{s.Questions[0].ID: true, s.Questions[1].ID: true, s.Questions[2].ID: true})
	cases := []struct {
		name    string
		key     string
		answers any
		status  int
		code    string
	}{
		{"same key, same answers: the first result", "phone-made-key-0001", ans, 200, ""},
		{"same key, same answers in another order: the first result", "phone-made-key-0001", reordered, 200, ""},
		{"same key, other answers: refused", "phone-made-key-0001", other, 409, "idempotency_key_reused"},
		{"same key, no answers: refused", "phone-made-key-0001", []map[string]any{}, 409, "idempotency_key_reused"},
		{"another key: already submitted", "phone-made-key-0002", ans, 409, "already_submitted"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := f.submit(t, tok, s.AttemptID, c.key, c.answers)
			if c.code == "" {
				testkit.Want(t, r, c.status)
				if string(r.Body) != string(first.Body) {
					t.Fatalf("resend body differs:\n%s\n%s", first.Body, r.Body)
				}
			} else {
				testkit.Want(t, r, c.status, c.code)
			}
			var after view
			e.Call("GET", path, tok, nil).JSON(t, &after)
			if after != before || countAnswers() != 3 {
				t.Fatalf("a resend changed the attempt: %+v -> %+v, %d answers", before, after, countAnswers())
			}
		})
	}
	t.Run("attempts submitted before the hash was kept replay for their key", func(t *testing.T) {
		e.DB.Exec("UPDATE attempts SET submit_hash = NULL WHERE id = ?", s.AttemptID)
		testkit.Want(t, f.submit(t, tok, s.AttemptID, "phone-made-key-0001", other), 200)
	})
	t.Run("a queued submission that arrives after the deadline is refused", func(t *testing.T) {
		// The server cannot trust the phone's clock: the deadline holds,
		// and the quiz page warns when it is offline near the deadline.
		s2 := f.start(t, tok, 201)
		late := f.answers(s2, nil)
		testkit.Want(t, e.Call("PUT", fmt.Sprintf("/api/v1/attempts/%d/answers", s2.AttemptID), tok, map[string]any{"answers": late}), 204)
		e.DB.Exec("UPDATE attempts SET deadline = ? WHERE id = ?", time.Now().UTC().Add(-time.Minute), s2.AttemptID)
		testkit.Want(t, f.submit(t, tok, s2.AttemptID, "phone-made-key-0003", late), 422, "deadline_passed")
	})
}

func TestResumeAfterDroppedConnection(t *testing.T) {
	e := testkit.NewEnv(t)
	f := newQuizFixture(t, e, nil)
	tok := e.ResidentWithProfile("13600000002", "60p", "retiree", "330802001001001").AccessToken
	s := f.start(t, tok, 201)
	partial := f.answers(s, map[int64]bool{s.Questions[0].ID: true})[:2]
	testkit.Want(t, e.Call("PUT", fmt.Sprintf("/api/v1/attempts/%d/answers", s.AttemptID), tok, map[string]any{"answers": partial}), 204)
	// The page was closed; the resident comes back and starts again: the same attempt.
	again := f.start(t, tok, 200)
	if again.AttemptID != s.AttemptID || !again.Resumed || len(again.SavedAnswers) != 2 {
		t.Fatalf("resume: %+v", again)
	}
	for i, q := range again.Questions {
		if q.ID != s.Questions[i].ID || q.Options[0].Text != s.Questions[i].Options[0].Text {
			t.Fatal("the resumed attempt shows different questions or option order")
		}
	}
	var v struct {
		Status  string
		Attempt *started
	}
	e.Call("GET", fmt.Sprintf("/api/v1/attempts/%d", s.AttemptID), tok, nil).JSON(t, &v)
	if v.Status != "open" || v.Attempt == nil || len(v.Attempt.SavedAnswers) != 2 {
		t.Fatalf("GET attempt: %+v", v)
	}
	testkit.Want(t, f.submit(t, tok, s.AttemptID, "resumed", f.answers(s, map[int64]bool{})), 200)
	testkit.Want(t, e.Call("PUT", fmt.Sprintf("/api/v1/attempts/%d/answers", s.AttemptID), tok, map[string]any{"answers": partial}), 409)
}

// No response before submission carries an answer, an explanation or a
// hint of correctness, over many drawn attempts on the seeded bank.
func TestNoAnswerKeyBeforeSubmission(t *testing.T) {
	e := testkit.NewEnv(t)
	ed := e.Staff("city_editor", auth.Editor, "330800")
	r := e.Call("POST", "/api/v1/quizzes", ed, map[string]any{"title": "全市题库抽题", "area_code": "330800", "audience": "residents",
		"starts_at": time.Now().Add(-time.Hour).Format(time.RFC3339), "ends_at": time.Now().Add(time.Hour).Format(time.RFC3339),
		"question_count": 20, "pass_score": 60, "time_limit_s": 900, "max_attempts": 1, "min_seconds_per_question": 0, "counts_for_awareness": false})
	testkit.Want(t, r, 201)
	var q struct{ ID int64 }
	r.JSON(t, &q)
	testkit.Want(t, e.Call("POST", fmt.Sprintf("/api/v1/quizzes/%d/publish", q.ID), ed, nil), 200)

	// The seeded explanations, to look for in the answers.
	var bank struct {
		Items []struct {
			ID          int64
			Explanation string
			Answer      []string
			Options     []struct{ Key, Text string }
		}
		NextCursor *string `json:"next_cursor"`
	}
	expl := map[int64]string{}
	correctFirst := 0
	cursor := ""
	for {
		path := "/api/v1/questions?limit=100"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		e.Call("GET", path, ed, nil).JSON(t, &bank)
		for _, it := range bank.Items {
			expl[it.ID] = it.Explanation
		}
		if bank.NextCursor == nil {
			break
		}
		cursor = *bank.NextCursor
	}
	if len(expl) < 150 {
		t.Fatalf("seeded bank has %d questions", len(expl))
	}
	servedSingles := 0
	for i := 0; i < 30; i++ {
		tok := e.ResidentWithProfile(fmt.Sprintf("1350000%04d", i), []string{"u18", "18_29", "30_44", "45_59", "60p"}[i%5], "other", "330802001001001").AccessToken
		r := e.Call("POST", fmt.Sprintf("/api/v1/quizzes/%d/attempts", q.ID), tok, map[string]any{})
		testkit.Want(t, r, 201)
		body := string(r.Body)
		for _, bad := range []string{`"answer"`, `"explanation"`, `"correct"`, `"warning_ids"`, `"difficulty"`, `"fraud_type"`} {
			if strings.Contains(body, bad) {
				t.Fatalf("start answer contains %s: %s", bad, body)
			}
		}
		var s started
		r.JSON(t, &s)
		for _, sq := range s.Questions {
			if strings.Contains(body, expl[sq.ID]) {
				t.Fatalf("an explanation leaked for question %d", sq.ID)
			}
			for j, o := range sq.Options {
				if o.Key != string(rune('A'+j)) {
					t.Fatalf("served keys are not A, B, C… in order: %+v", sq.Options)
				}
			}
		}
		// Where is the right answer served? Over many single-choice questions
		// it must not always be the same key.
		for _, sq := range s.Questions {
			if sq.Kind != "single" {
				continue
			}
			servedSingles++
			var full struct {
				Answer  []string
				Options []struct{ Key, Text string }
			}
			e.Call("GET", fmt.Sprintf("/api/v1/questions/%d", sq.ID), ed, nil).JSON(t, &full)
			var right string
			for _, o := range full.Options {
				if o.Key == full.Answer[0] {
					right = o.Text
				}
			}
			if sq.Options[0].Text == right {
				correctFirst++
			}
		}
		var v json.RawMessage
		e.Call("GET", fmt.Sprintf("/api/v1/attempts/%d", s.AttemptID), tok, nil).JSON(t, &v)
		if strings.Contains(string(v), `"answer"`) || strings.Contains(string(v), `"explanation"`) {
			t.Fatalf("GET attempt before submission leaks: %s", v)
		}
	}
	// With 3–4 options shuffled, "A is right" should happen about 25–33% of the time.
	if servedSingles < 100 || correctFirst > servedSingles/2 {
		t.Fatalf("right answer served as A in %d of %d single-choice questions", correctFirst, servedSingles)
	}
}

func TestPrizesAndRedemption(t *testing.T) {
	e := testkit.NewEnv(t)
	f := newQuizFixture(t, e, nil)
	path := fmt.Sprintf("/api/v1/quizzes/%d/prizes", f.quizID)
	testkit.Want(t, e.Call("POST", path, f.editor, map[string]any{"name": "", "stock": 0, "min_score": 0, "probability": 2}), 422)
	testkit.Want(t, e.Call("POST", path, f.editor, map[string]any{"name": "反诈帆布袋", "stock": 2, "min_score": 60, "probability": 1}), 201)
	winner := e.ResidentWithProfile("13300000001", "60p", "retiree", "330802001001001").AccessToken
	loser := e.ResidentWithProfile("13300000002", "60p", "retiree", "330802001001001").AccessToken
	all := map[int64]bool{}
	for id := range f.questions {
		all[id] = true
	}
	s := f.start(t, winner, 201)
	var res result
	r := f.submit(t, winner, s.AttemptID, "w1", f.answers(s, all))
	testkit.Want(t, r, 200)
	r.JSON(t, &res)
	if res.Prize == nil || len(res.Prize.Code) != 12 {
		t.Fatalf("a passing submission won nothing: %s", r.Body)
	}
	// A second pass by the same resident wins nothing more.
	s2 := f.start(t, winner, 201)
	var res2 result
	f.submit(t, winner, s2.AttemptID, "w2", f.answers(s2, all)).JSON(t, &res2)
	if res2.Prize != nil {
		t.Fatal("one resident won twice in one quiz")
	}
	// Failing wins nothing.
	s3 := f.start(t, loser, 201)
	var res3 result
	f.submit(t, loser, s3.AttemptID, "l1", f.answers(s3, nil)).JSON(t, &res3)
	if res3.Prize != nil {
		t.Fatal("a failing submission won")
	}
	var pools struct {
		Items []struct{ Remaining int }
	}
	e.Call("GET", path, f.editor, nil).JSON(t, &pools)
	if len(pools.Items) != 1 || pools.Items[0].Remaining != 1 {
		t.Fatalf("pools %+v", pools.Items)
	}
	var mine struct {
		Items []struct {
			Code     string
			Redeemed bool
		}
	}
	e.Call("GET", "/api/v1/me/prizes", winner, nil).JSON(t, &mine)
	if len(mine.Items) != 1 || mine.Items[0].Code != res.Prize.Code || mine.Items[0].Redeemed {
		t.Fatalf("my prizes %+v", mine.Items)
	}

	// Redemption: a grid worker of another county cannot; one in scope can, once.
	far := e.Staff("gw_js", auth.GridWorker, "330881001001001")
	near := e.Staff("gw_kc2", auth.GridWorker, "330802001001001")
	code := strings.ToLower(res.Prize.Code[:6]) + "-" + res.Prize.Code[6:] // typed loosely
	testkit.Want(t, e.Call("POST", "/api/v1/prizes/redeem", far, map[string]string{"code": code}), 403)
	testkit.Want(t, e.Call("POST", "/api/v1/prizes/lookup", near, map[string]string{"code": code}), 200)
	testkit.Want(t, e.Call("POST", "/api/v1/prizes/redeem", near, map[string]string{"code": code}), 200)
	testkit.Want(t, e.Call("POST", "/api/v1/prizes/redeem", near, map[string]string{"code": code}), 409, "already_redeemed")
	testkit.Want(t, e.Call("POST", "/api/v1/prizes/redeem", near, map[string]string{"code": "ABCDEFGHJKMN"}), 404, "code_not_found")
	testkit.Want(t, e.Call("POST", "/api/v1/prizes/redeem", winner, map[string]string{"code": code}), 403)
	e.Call("GET", "/api/v1/me/prizes", winner, nil).JSON(t, &mine)
	if !mine.Items[0].Redeemed {
		t.Fatal("redemption not shown to the resident")
	}
	// Guessing codes is rate limited.
	limited := false
	for i := 0; i < 70; i++ {
		r := e.Call("POST", "/api/v1/prizes/lookup", near, map[string]string{"code": fmt.Sprintf("ZZZZZZZZ%04d", i)})
		if r.Status == 429 {
			limited = true
			break
		}
	}
	if !limited {
		t.Fatal("70 guesses in a minute were not rate limited")
	}
	root := e.Staff("root", auth.Admin, "330800")
	var audit struct{ Items []any }
	e.Call("GET", "/api/v1/audit?action=prize.redeem", root, nil).JSON(t, &audit)
	if len(audit.Items) != 1 {
		t.Fatalf("redemptions audited: %d", len(audit.Items))
	}
}

// TestPrizeStockRace: 200 qualifying submissions from different residents at
// once against a pool of 10 always end with exactly 10 awards, stock 0, and
// nobody with two awards.
func TestPrizeStockRace(t *testing.T) {
	e := testkit.NewEnv(t)
	f := newQuizFixture(t, e, nil)
	testkit.Want(t, e.Call("POST", fmt.Sprintf("/api/v1/quizzes/%d/prizes", f.quizID), f.editor, map[string]any{"name": "限量奖品", "stock": 10, "min_score": 0, "probability": 1}), 201)
	const n = 200
	type taker struct {
		token string
		s     started
	}
	takers := make([]taker, n)
	for i := range takers {
		tok := e.ResidentWithProfile(fmt.Sprintf("1320000%04d", i), "30_44", "other", "330802001001001").AccessToken
		takers[i] = taker{tok, f.start(t, tok, 201)}
	}
	var wg sync.WaitGroup
	statuses := make([]int, n)
	start := make(chan struct{})
	for i := range takers {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			statuses[i] = f.submit(t, takers[i].token, takers[i].s.AttemptID, "race", f.answers(takers[i].s, nil)).Status
		}(i)
	}
	close(start)
	wg.Wait()
	for i, s := range statuses {
		if s != 200 {
			t.Fatalf("submission %d: %d", i, s)
		}
	}
	var awards, users, spentSlots, slots int64
	e.DB.Table("awards").Where("quiz_id = ?", f.quizID).Count(&awards)
	e.DB.Table("awards").Where("quiz_id = ?", f.quizID).Distinct("user_id").Count(&users)
	// Stock 10 is ten slots of one unit: every one spent, none below zero.
	stock := e.DB.Table("prize_stock").Joins("JOIN prize_pools ON prize_pools.id = prize_stock.pool_id").Where("prize_pools.quiz_id = ?", f.quizID)
	stock.Session(&gorm.Session{}).Count(&slots)
	stock.Session(&gorm.Session{}).Where("prize_stock.remaining = 0").Count(&spentSlots)
	if awards != 10 || users != 10 || slots != 10 || spentSlots != 10 {
		t.Fatalf("awards %d, distinct winners %d, slots spent %d of %d; want 10, 10, 10 of 10", awards, users, spentSlots, slots)
	}
}

// The question bank exports to CSV and XLSX in the form it imports, and an
// import is all-or-nothing with every bad row named.
func TestQuestionImportExport(t *testing.T) {
	e := testkit.NewEnv(t)
	ed := e.Staff("kc_ed", auth.Editor, "330802")
	count := func() int {
		n, cursor := 0, ""
		for {
			var p struct {
				Items      []any
				NextCursor *string `json:"next_cursor"`
			}
			path := "/api/v1/questions?limit=100"
			if cursor != "" {
				path += "&cursor=" + cursor
			}
			e.Call("GET", path, ed, nil).JSON(t, &p)
			n += len(p.Items)
			if p.NextCursor == nil {
				return n
			}
			cursor = *p.NextCursor
		}
	}
	before := count()
	bad := "kind,stem,option_a,option_b,option_c,answer,explanation,fraud_type,difficulty\n" +
		"single,冒充客服要求退款时应该怎么做？,按对方说的操作,挂断后通过官方渠道核实,下载对方发来的软件,B,官方客服不会要求转账退款，应自行通过官方渠道核实。,cs_impersonation,1\n" +
		"single,题干太短的题目有哪些问题？,A项,B项,C项,Z,解析说明为什么这样选。,cs_impersonation,1\n" +
		"triple,不存在的题型应该被拒绝吗？,是,否,,A,题型只能是单选、多选或判断。,other,1\n" +
		"single,诈骗类型写错时能导入吗？,能,不能,,B,诈骗类型必须来自代码表。,phishing,5\n"
	r := uploadTo(t, e, "/api/v1/questions/import", ed, "bank.csv", []byte(bad))
	if r.Status != 422 {
		t.Fatalf("bad import: %d %s", r.Status, r.Body)
	}
	var p struct {
		Code   string
		Errors []struct{ Row int }
	}
	r.JSON(t, &p)
	rows := map[int]bool{}
	for _, er := range p.Errors {
		rows[er.Row] = true
	}
	if p.Code != "import_invalid" || !rows[3] || !rows[4] || !rows[5] || rows[2] {
		t.Fatalf("import errors %+v", p)
	}
	if count() != before {
		t.Fatal("a failed import added questions")
	}
	// Export, then import the export: every question comes back as a new one.
	csvResp := e.Call("GET", "/api/v1/questions/export?format=csv", ed, nil)
	testkit.Want(t, csvResp, 200)
	if !strings.HasPrefix(string(csvResp.Body), "\xEF\xBB\xBFkind,stem,option_a") {
		t.Fatalf("export: %.100s", csvResp.Body)
	}
	r = uploadTo(t, e, "/api/v1/questions/import", ed, "bank.csv", csvResp.Body)
	testkit.Want(t, r, 200)
	if n := r.Map(t)["imported"]; n != float64(before) {
		t.Fatalf("re-imported %v of %d", n, before)
	}
	if count() != 2*before {
		t.Fatalf("bank has %d questions after re-import, want %d", count(), 2*before)
	}
	x := e.Call("GET", "/api/v1/questions/export?format=xlsx", ed, nil)
	testkit.Want(t, x, 200)
	testkit.Want(t, uploadTo(t, e, "/api/v1/questions/import", ed, "bank.xlsx", x.Body), 200)
}

// After submission the owner can read the result with the questions as they
// were served (another device has nothing cached).
func TestSubmittedAttemptShowsItsQuestions(t *testing.T) {
	e := testkit.NewEnv(t)
	f := newQuizFixture(t, e, nil)
	tok := e.ResidentWithProfile("13900001234", "60p", "retiree", "330802001001001").AccessToken
	s := f.start(t, tok, 201)
	testkit.Want(t, f.submit(t, tok, s.AttemptID, "k", f.answers(s, nil)), 200)
	var v struct {
		Status    string
		Questions []servedQ
		Result    *result
	}
	e.Call("GET", fmt.Sprintf("/api/v1/attempts/%d", s.AttemptID), tok, nil).JSON(t, &v)
	if v.Status != "submitted" || v.Result == nil || len(v.Questions) != 3 {
		t.Fatalf("submitted attempt view %+v", v)
	}
	for i, q := range v.Questions {
		if q.ID != s.Questions[i].ID || q.Options[0].Text != s.Questions[i].Options[0].Text {
			t.Fatal("the questions shown differ from those served")
		}
	}
}
