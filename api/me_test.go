package api_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"wuzha/internal/auth"
	"wuzha/internal/awareness"
	"wuzha/internal/testkit"
)

type myAttempt struct {
	AttemptID     int64    `json:"attempt_id"`
	QuizID        int64    `json:"quiz_id"`
	QuizTitle     string   `json:"quiz_title"`
	Status        string   `json:"status"`
	Score         *float64 `json:"score"`
	Passed        *bool    `json:"passed"`
	Invalid       bool     `json:"invalid"`
	InvalidReason string   `json:"invalid_reason"`
	InvalidCode   string   `json:"invalid_code"`
}

type myAttemptPage struct {
	Items      []myAttempt `json:"items"`
	NextCursor *string     `json:"next_cursor"`
}

// TestMyAttemptsAndClosingTheAccount takes a resident through 我的答题 and
// 注销账户: their attempts newest first with the plain cause of an invalid
// one; closing leaves every published figure as it was, ends every
// sign-in, and the same phone then starts a new, empty account.
func TestMyAttemptsAndClosingTheAccount(t *testing.T) {
	e := testkit.NewEnv(t)
	all := map[int64]bool{}
	f := newQuizFixture(t, e, map[string]any{"max_attempts": 3})
	for id := range f.questions {
		all[id] = true
	}
	// Five seconds a question: answering at once is invalid (too fast).
	hasty := newQuizFixture(t, e, map[string]any{"min_seconds_per_question": 5, "title": "限时问答"})
	const phoneNo = "13600000077"
	alice := e.ResidentWithProfile(phoneNo, "60p", "retiree", "330802001001001")
	bob := e.ResidentWithProfile("13600000078", "30_44", "farmer", "330802001001001").AccessToken

	st := f.start(t, alice.AccessToken, 201)
	testkit.Want(t, f.submit(t, alice.AccessToken, st.AttemptID, "k1", f.answers(st, all)), 200)
	st2 := hasty.start(t, alice.AccessToken, 201)
	r := hasty.submit(t, alice.AccessToken, st2.AttemptID, "k2", hasty.answers(st2, nil))
	testkit.Want(t, r, 200)
	if m := r.Map(t); m["invalid_code"] != "too_fast" {
		t.Fatalf("submit of a hasty attempt: %v", m)
	}
	st3 := f.start(t, alice.AccessToken, 201) // left open
	bs := f.start(t, bob, 201)
	testkit.Want(t, f.submit(t, bob, bs.AttemptID, "b1", f.answers(bs, nil)), 200)

	var page myAttemptPage
	r = e.Call("GET", "/api/v1/me/attempts", alice.AccessToken, nil)
	testkit.Want(t, r, 200)
	r.JSON(t, &page)
	if len(page.Items) != 3 || page.NextCursor != nil {
		t.Fatalf("alice's attempts %+v", page)
	}
	open, invalid, passed := page.Items[0], page.Items[1], page.Items[2]
	if open.AttemptID != st3.AttemptID || open.Status != "open" || open.Score != nil || open.Passed != nil {
		t.Fatalf("newest (open) %+v", open)
	}
	if invalid.AttemptID != st2.AttemptID || !invalid.Invalid || invalid.InvalidCode != "too_fast" || !strings.Contains(invalid.InvalidReason, "用时过短") || invalid.QuizTitle != "限时问答" {
		t.Fatalf("invalid %+v", invalid)
	}
	if passed.AttemptID != st.AttemptID || passed.Status != "submitted" || passed.Score == nil || *passed.Score != 100 || passed.Passed == nil || !*passed.Passed || passed.Invalid || passed.InvalidCode != "" {
		t.Fatalf("passed %+v", passed)
	}
	// Paging: two, then the last one.
	r = e.Call("GET", "/api/v1/me/attempts?limit=2", alice.AccessToken, nil)
	r.JSON(t, &page)
	if len(page.Items) != 2 || page.NextCursor == nil {
		t.Fatalf("first page %+v", page)
	}
	r = e.Call("GET", "/api/v1/me/attempts?limit=2&cursor="+*page.NextCursor, alice.AccessToken, nil)
	r.JSON(t, &page)
	if len(page.Items) != 1 || page.Items[0].AttemptID != st.AttemptID {
		t.Fatalf("second page %+v", page)
	}
	for _, tc := range []struct {
		name, path, token string
		status            int
		code              string
	}{
		{"bad cursor", "/api/v1/me/attempts?cursor=zz", alice.AccessToken, 400, "bad_parameter"},
		{"bad limit", "/api/v1/me/attempts?limit=-1", alice.AccessToken, 400, "bad_parameter"},
		{"signed out", "/api/v1/me/attempts", "", 401, ""},
		{"staff", "/api/v1/me/attempts", f.editor, 403, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.code != "" {
				testkit.Want(t, e.Call("GET", tc.path, tc.token, nil), tc.status, tc.code)
			} else {
				testkit.Want(t, e.Call("GET", tc.path, tc.token, nil), tc.status)
			}
		})
	}

	admin := e.Staff("me_admin", auth.Admin, "330802")
	period := awareness.CurrentQuarter(time.Now())
	figures := func() (out []map[string]any) {
		for _, code := range []string{"330802", "330802001001", "330802001001001"} {
			r := e.Call("GET", "/api/v1/awareness/"+code+"?period="+period, admin, nil)
			testkit.Want(t, r, 200)
			out = append(out, r.Map(t))
		}
		return out
	}
	before := figures()
	if before[2]["respondents"] != float64(2) || before[2]["passed"] != float64(1) {
		t.Fatalf("grid figures before %v", before[2])
	}

	// Only residents close accounts; then alice closes hers.
	testkit.Want(t, e.Call("DELETE", "/api/v1/me", f.editor, nil), 403)
	testkit.Want(t, e.Call("DELETE", "/api/v1/me", "", nil), 401)
	testkit.Want(t, e.Call("DELETE", "/api/v1/me", alice.AccessToken, nil), 204)

	if after := figures(); !reflect.DeepEqual(before, after) {
		t.Fatalf("figures moved after closing:\nbefore %v\nafter  %v", before, after)
	}
	testkit.Want(t, e.Call("GET", "/api/v1/me", alice.AccessToken, nil), 401)
	testkit.Want(t, e.Call("GET", "/api/v1/me/attempts", alice.AccessToken, nil), 401)
	testkit.Want(t, e.Call("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": alice.RefreshToken}), 401)
	testkit.Want(t, e.Call("GET", "/api/v1/me", bob, nil), 200) // nobody else is signed out

	// The audit names the account and grid, never the phone.
	r = e.Call("GET", "/api/v1/audit?action=resident.close", admin, nil)
	testkit.Want(t, r, 200)
	var entries struct{ Items []map[string]any }
	r.JSON(t, &entries)
	if len(entries.Items) != 1 || strings.Contains(string(r.Body), phoneNo) || strings.Contains(string(r.Body), "0077") {
		t.Fatalf("audit %s", r.Body)
	}
	// The same phone now starts a new account: no profile, no attempts.
	// (A minute later: the per-phone SMS limit outlives the account.)
	if err := e.DB.Exec("DELETE FROM rate_counters WHERE bucket LIKE ?", "sms-phone-min:%").Error; err != nil {
		t.Fatal(err)
	}
	again := e.Resident(phoneNo).AccessToken
	var me struct {
		ID      int64
		Profile json.RawMessage
	}
	e.Call("GET", "/api/v1/me", again, nil).JSON(t, &me)
	if string(me.Profile) != "null" {
		t.Fatalf("new account has a profile: %s", me.Profile)
	}
	var cnt int64
	e.DB.Raw("SELECT COUNT(*) FROM users WHERE phone_hash IS NULL AND phone_enc IS NULL AND disabled = ? AND role = ?", true, "resident").Scan(&cnt)
	if cnt != 1 {
		t.Fatalf("closed accounts without a phone: %d", cnt)
	}
	var old int64
	e.DB.Raw("SELECT user_id FROM attempts WHERE id = ?", st.AttemptID).Scan(&old)
	if old == me.ID {
		t.Fatalf("the new account is the old one (%d)", old)
	}
	r = e.Call("GET", "/api/v1/me/attempts", again, nil)
	r.JSON(t, &page)
	if len(page.Items) != 0 {
		t.Fatalf("new account sees old attempts %+v", page.Items)
	}
	testkit.Want(t, e.Call("GET", fmt.Sprintf("/api/v1/attempts/%d", st.AttemptID), again, nil), 404)
}

// TestDrawingKeepsToTheResidentsAgeBand: over the seeded bank, a 60+
// retiree is never served a question tagged only for other age bands (a
// children's game-trading question) while the pool has enough for their own
// band or for everyone; when it has too few, the quiz still fills up from
// the rest, and only as many as needed.
func TestDrawingKeepsToTheResidentsAgeBand(t *testing.T) {
	e := testkit.NewEnv(t)
	f := newQuizFixture(t, e, nil)
	types := []string{"game_trading", "elderly"}
	var bank []struct {
		ID       int64
		AgeBands string
	}
	if err := e.DB.Raw("SELECT id, age_bands FROM questions WHERE status = ? AND fraud_type IN ?", "approved", types).Scan(&bank).Error; err != nil {
		t.Fatal(err)
	}
	foreign := func(band string) (map[int64]bool, int) {
		out, own := map[int64]bool{}, 0
		for _, q := range bank {
			if q.AgeBands != "" && !strings.Contains(","+q.AgeBands+",", ","+band+",") {
				out[q.ID] = true
			} else {
				own++
			}
		}
		return out, own
	}
	notForOld, ownOld := foreign("60p")
	if ownOld < 6 || len(notForOld) < 6 {
		t.Fatalf("the seeded bank has %d questions for 60+ and %d not, want several of each", ownOld, len(notForOld))
	}
	quiz := func(count int) int64 {
		body := map[string]any{"title": fmt.Sprintf("长者问答%d", count), "area_code": "330802", "audience": "residents",
			"starts_at": time.Now().Add(-time.Hour).Format(time.RFC3339), "ends_at": time.Now().Add(24 * time.Hour).Format(time.RFC3339),
			"question_count": count, "pass_score": 60, "time_limit_s": 600, "max_attempts": 20, "min_seconds_per_question": 0, "fraud_types": types}
		r := e.Call("POST", "/api/v1/quizzes", f.editor, body)
		testkit.Want(t, r, 201)
		var q struct{ ID int64 }
		r.JSON(t, &q)
		testkit.Want(t, e.Call("POST", fmt.Sprintf("/api/v1/quizzes/%d/publish", q.ID), f.editor, nil), 200)
		return q.ID
	}
	// take answers n attempts and counts the served questions in other.
	take := func(token string, quizID int64, n int, other map[int64]bool) (got []int) {
		for i := range n {
			r := e.Call("POST", fmt.Sprintf("/api/v1/quizzes/%d/attempts", quizID), token, map[string]any{})
			testkit.Want(t, r, 201)
			var st started
			r.JSON(t, &st)
			var answers []map[string]any
			k := 0
			for _, q := range st.Questions {
				if other[q.ID] {
					k++
				}
				answers = append(answers, map[string]any{"question_id": q.ID, "keys": []string{"A"}})
			}
			got = append(got, k)
			testkit.Want(t, f.submit(t, token, st.AttemptID, fmt.Sprintf("k%d-%d", quizID, i), answers), 200)
		}
		return got
	}
	retiree := e.ResidentWithProfile("13700000060", "60p", "retiree", "330802001001001").AccessToken
	t.Run("enough for the resident's own band", func(t *testing.T) {
		for i, k := range take(retiree, quiz(ownOld-1), 20, notForOld) {
			if k != 0 {
				t.Fatalf("attempt %d: a 60+ retiree was served %d questions for other age bands", i, k)
			}
		}
	})
	t.Run("too few: the quiz still fills, with as few as needed", func(t *testing.T) {
		for i, k := range take(retiree, quiz(ownOld+2), 3, notForOld) {
			if k != 2 {
				t.Fatalf("attempt %d: %d questions for other bands, want exactly 2", i, k)
			}
		}
	})
	t.Run("a child gets no questions meant only for adults", func(t *testing.T) {
		notForChild, ownChild := foreign("u18")
		child := e.ResidentWithProfile("13700000017", "u18", "student", "330802001001001").AccessToken
		for i, k := range take(child, quiz(min(ownChild, ownOld)-1), 10, notForChild) {
			if k != 0 {
				t.Fatalf("attempt %d: a child was served %d questions for other bands", i, k)
			}
		}
	})
}
