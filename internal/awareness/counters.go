package awareness

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"gorm.io/gorm"

	"wuzha/internal/area"
	"wuzha/internal/quiz"
	"wuzha/internal/store"
)

// The maintained counters: per period, per grid, per age band × occupation,
// the respondents, passed and score sum of counted attempts; per fraud type
// the answers; the invalid attempts left out; and which attempt was each
// resident's first in the period. They can be rebuilt from the raw attempts
// at any time (Rebuild).
//
// The submit transaction does not touch them: it marks a counting attempt
// tally_pending, and Fold moves pending attempts into the counters in
// batches, oldest submission first — every second in the background and
// before every read of the figures, so a figure never misses a committed
// submission. Submitting stays a few short statements on rows nobody else
// writes, however busy a grid is.

// First marks a resident's counted attempt in a period.
type First struct {
	Period    string `gorm:"primaryKey"`
	UserID    int64  `gorm:"primaryKey"`
	AttemptID int64
}

// TableName is the first-attempt markers table.
func (First) TableName() string { return "awareness_first" }

// Cell counts respondents of one group in one grid and period.
type Cell struct {
	Period      string `gorm:"primaryKey"`
	GridPath    string `gorm:"primaryKey"`
	AgeBand     string `gorm:"primaryKey"`
	Occupation  string `gorm:"primaryKey"`
	Respondents int64
	Passed      int64
	ScoreTenths int64
}

// TableName is the cells table.
func (Cell) TableName() string { return "awareness_cells" }

// AnswerCell counts answers on one fraud type by one age band in one grid
// and period (the knowledge-gap heatmap reads fraud type × age band).
type AnswerCell struct {
	Period    string `gorm:"primaryKey"`
	GridPath  string `gorm:"primaryKey"`
	FraudType string `gorm:"primaryKey"`
	AgeBand   string `gorm:"primaryKey"`
	Answered  int64
	Correct   int64
}

// TableName is the answer counters table.
func (AnswerCell) TableName() string { return "awareness_answers" }

// InvalidCell counts attempts left out as invalid in one grid and period.
type InvalidCell struct {
	Period   string `gorm:"primaryKey"`
	GridPath string `gorm:"primaryKey"`
	N        int64
}

// TableName is the invalid counters table.
func (InvalidCell) TableName() string { return "awareness_invalid" }

// PeriodsOf names the month and the quarter a submission falls in.
func PeriodsOf(t time.Time) []string {
	l := t.In(area.Shanghai)
	return []string{fmt.Sprintf("%d-%02d", l.Year(), int(l.Month())), fmt.Sprintf("%dQ%d", l.Year(), (int(l.Month())-1)/3+1)}
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

type cellKey struct{ period, grid, age, occ string }

type answerKey struct{ period, grid, ft, age string }

type invalidKey struct{ period, grid string }

type firstKey struct {
	period string
	user   int64
}

// tally adds attempts, in submission order, to counter deltas. claimed
// holds the (period, resident) markers already taken, in the table or
// earlier in this tally.
type tally struct {
	claimed map[firstKey]bool
	firsts  []First
	cells   map[cellKey]*Cell
	answers map[answerKey]*AnswerCell
	invalid map[invalidKey]*InvalidCell
}

func newTally(claimed map[firstKey]bool) *tally {
	return &tally{claimed: claimed, cells: map[cellKey]*Cell{}, answers: map[answerKey]*AnswerCell{}, invalid: map[invalidKey]*InvalidCell{}}
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// add counts one attempt: an invalid one in the invalid counters; a valid
// one in each period where it is the resident's first.
func (t *tally) add(r quiz.Counted, answers map[string][2]int64) {
	grid := str(r.GridPath)
	for _, p := range PeriodsOf(r.SubmittedAt) {
		if r.Invalid {
			k := invalidKey{p, grid}
			if t.invalid[k] == nil {
				t.invalid[k] = &InvalidCell{Period: p, GridPath: grid}
			}
			t.invalid[k].N++
			continue
		}
		fk := firstKey{p, r.UserID}
		if t.claimed[fk] {
			continue // a retake in this period: learning, not measurement
		}
		t.claimed[fk] = true
		t.firsts = append(t.firsts, First{Period: p, UserID: r.UserID, AttemptID: r.ID})
		k := cellKey{p, grid, str(r.AgeBand), str(r.Occupation)}
		if t.cells[k] == nil {
			t.cells[k] = &Cell{Period: p, GridPath: grid, AgeBand: k.age, Occupation: k.occ}
		}
		c := t.cells[k]
		c.Respondents++
		c.Passed += b2i(r.Passed)
		c.ScoreTenths += int64(r.ScoreTenths)
		for ft, a := range answers {
			ak := answerKey{p, grid, ft, k.age}
			if t.answers[ak] == nil {
				t.answers[ak] = &AnswerCell{Period: p, GridPath: grid, FraudType: ft, AgeBand: ak.age}
			}
			t.answers[ak].Answered += a[0]
			t.answers[ak].Correct += a[1]
		}
	}
}

// FoldBatch is how many pending attempts one fold transaction takes.
const FoldBatch = 500

// errContended says another folder (another instance, or a rebuild) took
// some of the pending attempts first: this batch is rolled back and tried
// again.
var errContended = errors.New("awareness: pending attempts folded concurrently")

// Fold moves every pending attempt into the counters, oldest submission
// first, in transactions of FoldBatch attempts. Any number of instances may
// fold at once: a batch claims its attempts with one conditional update and
// is rolled back if another folder claimed any of them first; the markers'
// primary key keeps a resident counted once per period across batches. It
// returns the number of attempts folded.
func (s *Service) Fold(ctx context.Context) (int, error) {
	s.foldMu.Lock()
	defer s.foldMu.Unlock()
	total, contended := 0, 0
	for {
		n, err := s.foldBatch(ctx)
		total += n
		switch {
		case errors.Is(err, errContended) && contended < 20:
			contended++
			continue
		case err != nil:
			return total, fmt.Errorf("awareness: fold: %w", err)
		case n < FoldBatch:
			return total, nil
		}
	}
}

func (s *Service) foldBatch(ctx context.Context) (int, error) {
	var n int
	err := s.db.Tx(ctx, func(tx *gorm.DB) error {
		rows, err := quiz.PendingAttempts(tx, FoldBatch)
		if err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		ids := make([]int64, len(rows))
		users := map[int64]bool{}
		periods := map[string]bool{}
		for i, r := range rows {
			ids[i] = r.ID
			users[r.UserID] = true
			for _, p := range PeriodsOf(r.SubmittedAt) {
				periods[p] = true
			}
		}
		folded, err := quiz.MarkFolded(tx, ids)
		if err != nil {
			return err
		}
		if folded != int64(len(ids)) {
			return errContended
		}
		answers, err := quiz.AnswersByFraudType(tx, ids)
		if err != nil {
			return err
		}
		// The markers these residents hold already, one primary-key range
		// per period (a batch spans one or two months and quarters).
		claimed := map[firstKey]bool{}
		for p := range periods {
			var taken []int64
			if err := tx.Table(store.DialectOf(tx).ByPrimaryKey("awareness_first")).Where("period = ? AND user_id IN ?", p, keys(users)).Pluck("user_id", &taken).Error; err != nil {
				return err
			}
			for _, u := range taken {
				claimed[firstKey{p, u}] = true
			}
		}
		t := newTally(claimed)
		for _, r := range rows {
			t.add(r, answers[r.ID])
		}
		// A plain insert: a marker claimed meanwhile by another folder
		// fails the batch, which is then folded again.
		if err := insertAll(tx, t.firsts); err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return errContended
			}
			return err
		}
		if err := upsertCells(tx, t.cells); err != nil {
			return err
		}
		if err := upsertAnswers(tx, t.answers); err != nil {
			return err
		}
		if err := upsertInvalid(tx, t.invalid); err != nil {
			return err
		}
		n = len(rows)
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// FoldEvery is how often serve folds. Each batch costs a few statements
// whatever its size, so folding four times a second instead of once cost
// submissions throughput in a load run and smoothed nothing measurable.
const FoldEvery = time.Second

// Run folds pending attempts every interval until ctx ends: the figures
// then trail the submissions by about that much even when nobody reads.
func (s *Service) Run(ctx context.Context, every time.Duration, log *slog.Logger) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if _, err := s.Fold(ctx); err != nil && ctx.Err() == nil {
				log.Error("awareness fold", "err", err)
			}
		}
	}
}

// The upserts add deltas to the counters in key order (so concurrent
// folders lock rows in the same order).

func upsertCells(tx *gorm.DB, m map[cellKey]*Cell) error {
	rows := sortedBy(m, func(a, b cellKey) int {
		return cmp.Or(cmp.Compare(a.period, b.period), cmp.Compare(a.grid, b.grid), cmp.Compare(a.age, b.age), cmp.Compare(a.occ, b.occ))
	})
	return store.AddUpsert(tx, "awareness_cells", []string{"period", "grid_path", "age_band", "occupation"}, []string{"respondents", "passed", "score_tenths"}, rows,
		func(c *Cell) []any {
			return []any{c.Period, c.GridPath, c.AgeBand, c.Occupation, c.Respondents, c.Passed, c.ScoreTenths}
		})
}

func upsertAnswers(tx *gorm.DB, m map[answerKey]*AnswerCell) error {
	rows := sortedBy(m, func(a, b answerKey) int {
		return cmp.Or(cmp.Compare(a.period, b.period), cmp.Compare(a.grid, b.grid), cmp.Compare(a.ft, b.ft), cmp.Compare(a.age, b.age))
	})
	return store.AddUpsert(tx, "awareness_answers", []string{"period", "grid_path", "fraud_type", "age_band"}, []string{"answered", "correct"}, rows,
		func(c *AnswerCell) []any {
			return []any{c.Period, c.GridPath, c.FraudType, c.AgeBand, c.Answered, c.Correct}
		})
}

func upsertInvalid(tx *gorm.DB, m map[invalidKey]*InvalidCell) error {
	rows := sortedBy(m, func(a, b invalidKey) int {
		return cmp.Or(cmp.Compare(a.period, b.period), cmp.Compare(a.grid, b.grid))
	})
	return store.AddUpsert(tx, "awareness_invalid", []string{"period", "grid_path"}, []string{"n"}, rows,
		func(c *InvalidCell) []any { return []any{c.Period, c.GridPath, c.N} })
}

// sortedBy lists m's values in the order of their keys.
func sortedBy[K comparable, V any](m map[K]*V, compare func(a, b K) int) []*V {
	ks := make([]K, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.SortFunc(ks, compare)
	out := make([]*V, len(ks))
	for i, k := range ks {
		out[i] = m[k]
	}
	return out
}

func keys[K comparable](m map[K]bool) []K {
	out := make([]K, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// Rebuild recomputes every counter from the raw attempts, in one
// transaction: `wuzha awareness rebuild`. The attempts it reads as pending
// are marked folded in the same transaction, so nothing is counted twice;
// if a folder took some of them meanwhile, it fails and can be run again.
// Submissions may go on while it runs: those it did not read stay pending.
func (s *Service) Rebuild(ctx context.Context) (int, error) {
	s.foldMu.Lock()
	defer s.foldMu.Unlock()
	var firsts int
	err := s.db.Tx(ctx, func(tx *gorm.DB) error {
		// Whether an attempt counts was decided when it was submitted, by
		// its quiz and the assessment rule in force then (attempts.counting);
		// a rebuild never judges it again by today's rule.
		rows, err := quiz.CountingAttempts(tx)
		if err != nil {
			return err
		}
		answers, err := quiz.AnswersByFraudType(tx, nil)
		if err != nil {
			return err
		}
		t := newTally(map[firstKey]bool{})
		var pending []int64
		for _, r := range rows {
			t.add(r, answers[r.ID])
			if r.Pending {
				pending = append(pending, r.ID)
			}
		}
		for i := 0; i < len(pending); i += FoldBatch {
			chunk := pending[i:min(i+FoldBatch, len(pending))]
			folded, err := quiz.MarkFolded(tx, chunk)
			if err != nil {
				return err
			}
			if folded != int64(len(chunk)) {
				return errors.New("awareness: rebuild: attempts were folded while rebuilding; run it again")
			}
		}
		for _, table := range []string{"awareness_first", "awareness_cells", "awareness_answers", "awareness_invalid"} {
			if err := tx.Exec("DELETE FROM " + table).Error; err != nil {
				return err
			}
		}
		if err := insertAll(tx, t.firsts); err != nil {
			return err
		}
		if err := insertAll(tx, values(t.cells)); err != nil {
			return err
		}
		if err := insertAll(tx, values(t.answers)); err != nil {
			return err
		}
		firsts = len(t.firsts)
		return insertAll(tx, values(t.invalid))
	})
	if err != nil {
		return 0, fmt.Errorf("awareness: rebuild: %w", err)
	}
	return firsts, nil
}

func values[K comparable, V any](m map[K]*V) []V {
	out := make([]V, 0, len(m))
	for _, v := range m {
		out = append(out, *v)
	}
	return out
}

func insertAll[T any](tx *gorm.DB, rows []T) error {
	if len(rows) == 0 {
		return nil
	}
	return tx.CreateInBatches(&rows, 500).Error
}
