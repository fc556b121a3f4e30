package quiz_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"wuzha/internal/area"
	"wuzha/internal/auth"
	"wuzha/internal/quiz"
	"wuzha/internal/store"
	"wuzha/internal/taxonomy"
	"wuzha/internal/testkit"
)

// gradingBench is a real database with six single-choice questions (the
// right option's text starts with "对"), each linked to warning 7, and a
// grid to answer from; quizzes are made per case with the settings under test.
type gradingBench struct {
	db        *store.DB
	svc       *quiz.Service
	clock     time.Time
	questions []quiz.Question
	resident  int64
}

func newGradingBench(t *testing.T) *gradingBench {
	t.Helper()
	db := testkit.OpenDB(t)
	now := time.Date(2026, 5, 10, 9, 0, 0, 0, time.UTC)
	parent := "330800"
	for _, a := range []area.Area{
		{Code: "330800", Name: "衢州市", Level: area.City, Path: "/330800/", Depth: 0},
		{Code: "330800001", ParentCode: &parent, Name: "测试网格", Level: area.Grid, Path: "/330800/330800001/", Depth: 1},
	} {
		a.CreatedAt, a.UpdatedAt = now, now
		if err := db.Create(&a).Error; err != nil {
			t.Fatal(err)
		}
	}
	b := &gradingBench{db: db, clock: now}
	for i := 1; i <= 6; i++ {
		q := quiz.Question{OwnerAreaCode: "330800", OwnerPath: "/330800/", Kind: quiz.Single, Stem: fmt.Sprintf("第 %d 题", i),
			Options: `[{"key":"A","text":"错一"},{"key":"B","text":"对"},{"key":"C","text":"错二"},{"key":"D","text":"错三"}]`,
			Answer:  "B", Explanation: fmt.Sprintf("解析 %d", i), FraudType: "other", Difficulty: 1, WarningIDs: "7", Active: true, Status: quiz.QuestionApproved, CreatedAt: now, UpdatedAt: now}
		if err := db.Create(&q).Error; err != nil {
			t.Fatal(err)
		}
		b.questions = append(b.questions, q)
	}
	b.svc = quiz.NewService(db, area.NewStore(db), taxonomy.NewStore(db))
	quiz.SetClock(b.svc, func() time.Time { return b.clock })
	return b
}

// quiz makes a published residents' practice quiz of the first n questions.
func (b *gradingBench) quiz(t *testing.T, n, passScore, minSeconds int) quiz.Quiz {
	t.Helper()
	ids := ""
	for i := 0; i < n; i++ {
		if i > 0 {
			ids += ","
		}
		ids += fmt.Sprint(b.questions[i].ID)
	}
	q := quiz.Quiz{Title: "评分测试", AreaCode: "330800", AreaPath: "/330800/", Audience: quiz.Residents, Status: quiz.Published,
		StartsAt: b.clock.Add(-time.Hour), EndsAt: b.clock.Add(24 * time.Hour), QuestionCount: n, PassScore: passScore, TimeLimitS: 3600,
		MaxAttempts: 1, CoreQuestionIDs: ids, MinSecondsPerQuestion: minSeconds, CreatedAt: b.clock, UpdatedAt: b.clock}
	if err := b.db.Create(&q).Error; err != nil {
		t.Fatal(err)
	}
	return q
}

// take starts an attempt, answers the first `right` served questions
// correctly and the rest wrongly, and submits after elapsed.
func (b *gradingBench) take(t *testing.T, q quiz.Quiz, right int, elapsed time.Duration) (quiz.Result, quiz.StartedAttempt) {
	t.Helper()
	ctx := context.Background()
	b.resident++
	c := auth.Caller{UserID: b.resident, Role: auth.Resident}
	st, _, err := b.svc.Start(ctx, c, q.ID, quiz.Respondent{GridCode: "330800001", GridPath: "/330800/330800001/", AgeBand: "45_59", Occupation: "farmer"})
	if err != nil {
		t.Fatal(err)
	}
	var answers []quiz.Answer
	for i, sq := range st.Questions {
		for _, o := range sq.Options {
			if (o.Text == "对") == (i < right) {
				answers = append(answers, quiz.Answer{QuestionID: sq.ID, Keys: []string{o.Key}})
				break
			}
		}
	}
	start := b.clock
	b.clock = b.clock.Add(elapsed)
	defer func() { b.clock = start }()
	res, err := b.svc.Submit(ctx, c, st.AttemptID, fmt.Sprintf("k%d", b.resident), answers)
	if err != nil {
		t.Fatal(err)
	}
	return res, st
}

// The score is the share of questions answered fully right, one decimal,
// and an attempt passes when its score reaches the pass mark — at the
// mark exactly, too.
func TestGradingPassMark(t *testing.T) {
	b := newGradingBench(t)
	cases := []struct {
		name             string
		questions, right int
		passScore        int
		wantScore        float64
		wantPassed       bool
	}{
		{"all right", 5, 5, 60, 100, true},
		{"exactly at the pass mark", 5, 3, 60, 60, true},
		{"one point below the mark", 5, 3, 61, 60, false},
		{"one question short", 5, 2, 60, 40, false},
		{"80 at a pass mark of 80", 5, 4, 80, 80, true},
		{"full marks at a pass mark of 100", 5, 5, 100, 100, true},
		{"one wrong at a pass mark of 100", 5, 4, 100, 80, false},
		{"two of three, rounded to one decimal", 3, 2, 67, 66.7, false},
		{"two of three against 66", 3, 2, 66, 66.7, true},
		{"nothing right", 5, 0, 1, 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, _ := b.take(t, b.quiz(t, tc.questions, tc.passScore, 0), tc.right, time.Minute)
			if res.Score != tc.wantScore || res.Passed != tc.wantPassed || res.PassScore != tc.passScore {
				t.Fatalf("score %v passed %v (pass mark %d), want %v %v", res.Score, res.Passed, res.PassScore, tc.wantScore, tc.wantPassed)
			}
			if res.Invalid {
				t.Fatalf("a minute for %d questions marked too fast: %s", tc.questions, res.InvalidReason)
			}
		})
	}
}

// An attempt answered in less than the quiz's minimum seconds per question
// times its questions is invalid, with the reason kept; at the minimum it
// is valid.
func TestGradingTooFast(t *testing.T) {
	b := newGradingBench(t)
	cases := []struct {
		name        string
		questions   int
		perQuestion int
		elapsed     time.Duration
		wantInvalid bool
	}{
		{"at once", 5, 10, 0, true},
		{"a tenth of a second short", 5, 10, 49*time.Second + 900*time.Millisecond, true},
		{"a second short", 5, 10, 49 * time.Second, true},
		{"exactly the minimum", 5, 10, 50 * time.Second, false},
		{"a second over", 5, 10, 51 * time.Second, false},
		{"under what four questions would need", 5, 10, 41 * time.Second, true},
		{"three questions, 2 s each, in 5.9 s", 3, 2, 5*time.Second + 900*time.Millisecond, true},
		{"three questions, 2 s each, in 6 s", 3, 2, 6 * time.Second, false},
		{"no minimum", 5, 0, 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, _ := b.take(t, b.quiz(t, tc.questions, 60, tc.perQuestion), tc.questions, tc.elapsed)
			if res.Invalid != tc.wantInvalid {
				t.Fatalf("invalid %v (%q), want %v", res.Invalid, res.InvalidReason, tc.wantInvalid)
			}
			if tc.wantInvalid && res.InvalidReason == "" {
				t.Fatal("an invalid attempt without its reason")
			}
			var stored quiz.Attempt
			b.db.Where("id = ?", res.AttemptID).Take(&stored)
			if stored.Invalid != tc.wantInvalid {
				t.Fatalf("stored invalid %v, want %v", stored.Invalid, tc.wantInvalid)
			}
		})
	}
}

// The result shows, per question, whether it was right, the right keys as
// served, the keys given and the explanation; the warnings to read are
// linked only for questions answered wrongly.
func TestGradingResultShows(t *testing.T) {
	b := newGradingBench(t)
	for _, right := range []int{0, 2, 5} {
		t.Run(fmt.Sprintf("%d of 5 right", right), func(t *testing.T) {
			res, st := b.take(t, b.quiz(t, 5, 60, 0), right, time.Minute)
			if len(res.Results) != 5 {
				t.Fatalf("%d results", len(res.Results))
			}
			served := map[int64]quiz.ServedQuestion{}
			order := map[int64]int{}
			for i, q := range st.Questions {
				served[q.ID], order[q.ID] = q, i
			}
			for _, r := range res.Results {
				q := served[r.QuestionID]
				wantRight := order[r.QuestionID] < right
				if r.Correct != wantRight {
					t.Errorf("question %d correct %v, want %v", r.QuestionID, r.Correct, wantRight)
				}
				if len(r.Answer) != 1 || q.Options[slices.IndexFunc(q.Options, func(o quiz.Option) bool { return o.Key == r.Answer[0] })].Text != "对" {
					t.Errorf("question %d: right keys %v do not name the right option as served", r.QuestionID, r.Answer)
				}
				if wantRight != slices.Equal(r.YourAnswer, r.Answer) {
					t.Errorf("question %d: given %v, right %v", r.QuestionID, r.YourAnswer, r.Answer)
				}
				if r.Explanation == "" {
					t.Errorf("question %d: no explanation", r.QuestionID)
				}
				if wantRight && len(r.WarningIDs) != 0 {
					t.Errorf("question %d answered right links warnings %v", r.QuestionID, r.WarningIDs)
				}
				if !wantRight && !slices.Equal(r.WarningIDs, []int64{7}) {
					t.Errorf("question %d answered wrong links warnings %v, want [7]", r.QuestionID, r.WarningIDs)
				}
			}
		})
	}
}
