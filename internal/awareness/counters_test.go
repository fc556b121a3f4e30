package awareness_test

import (
	"context"
	"testing"
	"time"

	"wuzha/internal/area"
	"wuzha/internal/awareness"
	"wuzha/internal/quiz"
	"wuzha/internal/taxonomy"
	"wuzha/internal/testkit"
)

// A resident's second submission of a quarter, in a new month, is the
// month's first but not the quarter's: it counts for the month only. The
// submissions are folded one at a time and then two at once, so the markers
// work across batches and within one.
func TestFoldClaimsEachPeriodOnce(t *testing.T) {
	ctx := context.Background()
	db := testkit.OpenDB(t)
	svc := awareness.NewService(db, area.NewStore(db), taxonomy.NewStore(db))
	oct := time.Date(2026, 10, 10, 2, 0, 0, 0, time.UTC)
	nov := time.Date(2026, 11, 10, 2, 0, 0, 0, time.UTC)
	submit := func(no int, at time.Time) {
		t.Helper()
		grid, age, occ, score, passed := "/330800/g/", "60p", "retiree", 800, true
		a := quiz.Attempt{QuizID: 1, UserID: 7, AttemptNo: no, GridPath: &grid, AgeBand: &age, Occupation: &occ, Status: quiz.Submitted, Served: "[]",
			StartedAt: at.Add(-time.Minute), Deadline: at.Add(time.Hour), SubmittedAt: &at, ScoreTenths: &score, Passed: &passed, TallyPending: true}
		if err := db.Create(&a).Error; err != nil {
			t.Fatal(err)
		}
		answers := []quiz.AttemptAnswer{{AttemptID: a.ID, QuestionID: 1, AnswerKeys: "A", Correct: true, FraudType: "elderly"},
			{AttemptID: a.ID, QuestionID: 2, AnswerKeys: "B", Correct: false, FraudType: "elderly"}}
		if err := db.Create(&answers).Error; err != nil {
			t.Fatal(err)
		}
	}
	fold := func(want int) {
		t.Helper()
		n, err := svc.Fold(ctx)
		if err != nil || n != want {
			t.Fatalf("fold: %d attempts, %v; want %d", n, err, want)
		}
	}
	submit(1, oct)
	fold(1)
	submit(2, nov)
	submit(3, nov.Add(time.Hour))
	fold(2)
	fold(0)
	count := func(period string) int64 {
		var n int64
		db.Table("awareness_cells").Where("period = ? AND area_path = ?", period, "/330800/g/").Select("COALESCE(SUM(respondents), 0)").Scan(&n)
		return n
	}
	if count("2026Q4") != 1 || count("2026-10") != 1 || count("2026-11") != 1 {
		t.Fatalf("respondents: quarter %d, October %d, November %d; want 1 each", count("2026Q4"), count("2026-10"), count("2026-11"))
	}
	var answered, pending int64
	db.Table("awareness_answers").Where("period = ? AND area_path = ?", "2026-11", "/330800/").Select("COALESCE(SUM(answered), 0)").Scan(&answered)
	if answered != 2 {
		t.Fatalf("November answers %d, want 2", answered)
	}
	db.Table("attempts").Where("tally_pending = ?", true).Count(&pending)
	if pending != 0 {
		t.Fatalf("%d attempts still pending after folding", pending)
	}
}
