package awareness_test

import (
	"testing"
	"time"

	"wuzha/internal/awareness"
	"wuzha/internal/testkit"
)

// A resident's second submission of a quarter, in a new month, is the
// month's first but not the quarter's: it counts for the month only.
func TestRecordClaimsEachPeriodOnce(t *testing.T) {
	db := testkit.OpenDB(t)
	oct := time.Date(2026, 10, 10, 2, 0, 0, 0, time.UTC)
	nov := time.Date(2026, 11, 10, 2, 0, 0, 0, time.UTC)
	sub := func(id int64, at time.Time) awareness.Submission {
		return awareness.Submission{AttemptID: id, UserID: 7, SubmittedAt: at, GridPath: "/330800/g/", AgeBand: "60p", Occupation: "retiree",
			Passed: true, ScoreTenths: 800, Answers: map[string][2]int64{"elderly": {2, 1}}}
	}
	for _, s := range []awareness.Submission{sub(1, oct), sub(2, nov), sub(3, nov)} {
		if err := awareness.Record(db.DB, s); err != nil {
			t.Fatal(err)
		}
	}
	count := func(period string) int64 {
		var n int64
		db.Table("awareness_cells").Where("period = ?", period).Select("COALESCE(SUM(respondents), 0)").Scan(&n)
		return n
	}
	if count("2026Q4") != 1 || count("2026-10") != 1 || count("2026-11") != 1 {
		t.Fatalf("respondents: quarter %d, October %d, November %d; want 1 each", count("2026Q4"), count("2026-10"), count("2026-11"))
	}
	var answered int64
	db.Table("awareness_answers").Where("period = ?", "2026-11").Select("COALESCE(SUM(answered), 0)").Scan(&answered)
	if answered != 2 {
		t.Fatalf("November answers %d, want 2", answered)
	}
}
