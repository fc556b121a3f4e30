package awareness_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"wuzha/internal/area"
	"wuzha/internal/awareness"
	"wuzha/internal/quiz"
	"wuzha/internal/store"
	"wuzha/internal/taxonomy"
	"wuzha/internal/testkit"
)

// counterService opens a test database and an awareness service on it.
func counterService(t *testing.T) (context.Context, *store.DB, *awareness.Service) {
	db := testkit.OpenDB(t)
	return context.Background(), db, awareness.NewService(db, area.NewStore(db), taxonomy.NewStore(db))
}

// putAttempt stores a submitted, counting, pending attempt of resident user
// in grid, with two answers on one fraud type.
func putAttempt(t *testing.T, db *store.DB, user int64, no int, grid string, at time.Time, invalid bool) int64 {
	t.Helper()
	age, occ, score, passed := []string{"u18", "18_29", "30_44", "45_59", "60p"}[user%5], []string{"retiree", "farmer"}[user%2], 500+int(user%6)*100, user%3 != 0
	a := quiz.Attempt{QuizID: 1, UserID: user, AttemptNo: no, GridPath: &grid, AgeBand: &age, Occupation: &occ, Status: quiz.Submitted, Served: "[]",
		StartedAt: at.Add(-time.Minute), Deadline: at.Add(time.Hour), SubmittedAt: &at, ScoreTenths: &score, Passed: &passed, Invalid: invalid, Counting: true, TallyPending: true}
	if err := db.Create(&a).Error; err != nil {
		t.Fatal(err)
	}
	answers := []quiz.AttemptAnswer{{AttemptID: a.ID, QuestionID: 1, AnswerKeys: "A", Correct: true, FraudType: "elderly"},
		{AttemptID: a.ID, QuestionID: 2, AnswerKeys: "B", Correct: user%2 == 0, FraudType: []string{"elderly", "investment"}[user%2]}}
	if err := db.Create(&answers).Error; err != nil {
		t.Fatal(err)
	}
	return a.ID
}

// A rebuild cancelled in the middle of its stream changes nothing the
// readers see: the live counters, the live generation and the pending flags
// stay as they were, and the folds take their turn again at once. The next
// rebuild deletes what the cancelled one wrote and makes counters equal to
// the ones folded.
func TestCancelledRebuildLeavesTheFiguresAlone(t *testing.T) {
	ctx := context.Background()
	db := testkit.OpenDB(t)
	svc := awareness.NewService(db, area.NewStore(db), taxonomy.NewStore(db))
	svc.RebuildBatch = 7
	oct := time.Date(2026, 10, 10, 2, 0, 0, 0, time.UTC)
	grids := []string{"/330800/330802/330802001/330802001001/330802001001001/", "/330800/330802/330802001/330802001001/330802001001002/", "/330800/330881/330881101/330881101001/330881101001001/"}
	for user := int64(1); user <= 40; user++ {
		for no := 1; no <= 1+int(user%3); no++ {
			putAttempt(t, db, user, no, grids[int(user+int64(no))%len(grids)], oct.Add(time.Duration(user*int64(no))*time.Hour*7), user%11 == 0 && no == 1)
		}
	}
	if n, err := svc.Fold(ctx); err != nil || n == 0 {
		t.Fatalf("fold: %d, %v", n, err)
	}
	// Some submissions are still pending when the rebuild starts.
	for user := int64(41); user <= 45; user++ {
		putAttempt(t, db, user, 1, grids[user%3], oct.Add(time.Duration(user)*time.Hour), false)
	}
	before := testkit.Counters(t, db.DB)
	pending := func() int64 {
		var n int64
		db.Table("attempts").Where("tally_pending = ?", true).Count(&n)
		return n
	}
	cctx, cancel := context.WithCancel(ctx)
	pages := 0
	_, err := svc.Rebuild(cctx, func(p awareness.Progress) {
		if p.Phase == "count" {
			if pages++; pages == 3 {
				cancel()
			}
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled rebuild: %v, want context.Canceled", err)
	}
	var st awareness.State
	db.Where("id = 1").Take(&st)
	var leftovers int64
	db.Table("awareness_first_1").Count(&leftovers)
	if st.Gen != 0 || st.LeaseOwner != "" || leftovers == 0 {
		t.Fatalf("after the cancelled rebuild: state %+v, %d rows of the next generation; want generation 0, no lease, some leftovers", st, leftovers)
	}
	if after := testkit.Counters(t, db.DB); fmt.Sprint(after) != fmt.Sprint(before) || pending() != 5 {
		t.Fatalf("the cancelled rebuild changed the live counters or the pending flags (%d pending):\nbefore %v\nafter  %v", pending(), before, after)
	}
	// Folds go on, then a rebuild finishes and agrees with them.
	if n, err := svc.Fold(ctx); err != nil || n != 5 {
		t.Fatalf("fold after the cancelled rebuild: %d, %v; want 5", n, err)
	}
	folded := testkit.Counters(t, db.DB)
	res, err := svc.Rebuild(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Where("id = 1").Take(&st)
	var others int64
	for _, table := range []string{"awareness_first_0", "awareness_first_1", "awareness_rollups"} {
		var n int64
		db.Table(table).Where("gen <> ?", st.Gen).Count(&n)
		others += n
	}
	if st.Gen != 1 || res.Gen != 1 || others != 0 {
		t.Fatalf("after the rebuild: state %+v, result %+v, %d rows of other generations", st, res, others)
	}
	if rebuilt := testkit.Counters(t, db.DB); fmt.Sprint(rebuilt) != fmt.Sprint(folded) {
		t.Fatalf("rebuilt counters differ from folded ones:\nfolded  %v\nrebuilt %v", folded, rebuilt)
	}
}

// The rebuild's first pass walks the attempts by id while residents submit:
// it can see a resident's later attempt but not an earlier one (started
// before, with a lower id, submitted after the pass went by). The catch-up
// then counts the earlier one instead, as folding in submission order does.
func TestRebuildCountsTheEarlierAttemptItFirstMissed(t *testing.T) {
	ctx, db, svc := counterService(t)
	oct := time.Date(2026, 10, 10, 2, 0, 0, 0, time.UTC)
	grid, other := "/330800/330802/g1/", "/330800/330881/g2/"
	for user := int64(1); user <= 5; user++ {
		putAttempt(t, db, user, 1, grid, oct, false)
	}
	if _, err := svc.Fold(ctx); err != nil {
		t.Fatal(err)
	}
	// Resident 9 starts attempt 1 (lower id), then attempt 2, which is
	// submitted first as far as the pass can tell.
	early := putAttempt(t, db, 9, 1, other, oct.Add(time.Hour), false)
	putAttempt(t, db, 9, 2, grid, oct.Add(2*time.Hour), false)
	db.Exec("UPDATE attempts SET status = 'started' WHERE id = ?", early)
	_, err := svc.Rebuild(ctx, func(p awareness.Progress) {
		if p.Phase == "count" {
			db.Exec("UPDATE attempts SET status = 'submitted' WHERE id = ?", early)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	var first int64
	db.Table("awareness_first_1").Where("gen = 1 AND period = '2026Q4' AND user_id = 9").Pluck("attempt_id", &first)
	var inOther int64
	db.Table("awareness_rollups").Where("gen = 1 AND period = '2026Q4' AND area_path = ?", other).Pluck("respondents", &inOther)
	if first != early || inOther != 1 {
		t.Fatalf("resident 9 counted with attempt %d (want %d), %d respondents in the earlier attempt's grid (want 1)", first, early, inOther)
	}
	rebuilt := testkit.Counters(t, db.DB)
	if _, err := svc.Rebuild(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if quiet := testkit.Counters(t, db.DB); fmt.Sprint(quiet) != fmt.Sprint(rebuilt) {
		t.Fatalf("a quiet rebuild differs:\nafter the catch-up %v\nquiet %v", rebuilt, quiet)
	}
}

// A resident's second submission of a quarter, in a new month, is the
// month's first but not the quarter's: it counts for the month only. The
// submissions are folded one at a time and then two at once, so the markers
// work across batches and within one.
func TestFoldClaimsEachPeriodOnce(t *testing.T) {
	ctx, db, svc := counterService(t)
	oct := time.Date(2026, 10, 10, 2, 0, 0, 0, time.UTC)
	nov := time.Date(2026, 11, 10, 2, 0, 0, 0, time.UTC)
	submit := func(no int, at time.Time) {
		t.Helper()
		putAttempt(t, db, 7, no, "/330800/g/", at, false)
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
		for _, c := range rollup(t, db, period, "/330800/g/").cells {
			n += c.Respondents
		}
		return n
	}
	if count("2026Q4") != 1 || count("2026-10") != 1 || count("2026-11") != 1 {
		t.Fatalf("respondents: quarter %d, October %d, November %d; want 1 each", count("2026Q4"), count("2026-10"), count("2026-11"))
	}
	var answered, pending int64
	for _, a := range rollup(t, db, "2026-11", "/330800/").answers {
		answered += a.Answered
	}
	if answered != 2 {
		t.Fatalf("November answers %d, want 2", answered)
	}
	db.Table("attempts").Where("tally_pending = ?", true).Count(&pending)
	if pending != 0 {
		t.Fatalf("%d attempts still pending after folding", pending)
	}
}

// unpacked is a rollup's breakdowns, read back.
type unpacked struct {
	cells   []awareness.Cell
	answers []awareness.AnswerCell
}

// rollup reads the live generation's rollup of an area in a period
// (empty when there is none) and unpacks its breakdowns.
func rollup(t *testing.T, db *store.DB, period, path string) unpacked {
	t.Helper()
	var rows []awareness.Rollup
	if err := db.Where("gen = (SELECT gen FROM awareness_state WHERE id = 1) AND period = ? AND area_path = ?", period, path).Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	var u unpacked
	for _, r := range rows {
		cells, err := awareness.UnpackCells(r.Cells)
		if err != nil {
			t.Fatal(err)
		}
		answers, err := awareness.UnpackAnswers(r.Answers)
		if err != nil {
			t.Fatal(err)
		}
		u.cells, u.answers = append(u.cells, cells...), append(u.answers, answers...)
	}
	return u
}
