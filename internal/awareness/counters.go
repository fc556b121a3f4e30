package awareness

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
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
//
// Each counter is split over Shards rows picked by the attempt id, so
// batches folded at once by several instances seldom wait on one row;
// readers sum the shards.

// Shards is how many rows one counter is split over.
const Shards = 8

func shardOf(attemptID int64) int { return int(attemptID % Shards) }

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
	Shard       int    `gorm:"primaryKey"`
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
	Shard     int    `gorm:"primaryKey"`
	Answered  int64
	Correct   int64
}

// TableName is the answer counters table.
func (AnswerCell) TableName() string { return "awareness_answers" }

// InvalidCell counts attempts left out as invalid in one grid and period.
type InvalidCell struct {
	Period   string `gorm:"primaryKey"`
	GridPath string `gorm:"primaryKey"`
	Shard    int    `gorm:"primaryKey"`
	N        int64
}

// TableName is the invalid counters table.
func (InvalidCell) TableName() string { return "awareness_invalid" }

// PeriodsOf names the month and the quarter a submission falls in.
func PeriodsOf(t time.Time) []string {
	l := t.In(Shanghai)
	return []string{fmt.Sprintf("%d-%02d", l.Year(), int(l.Month())), fmt.Sprintf("%dQ%d", l.Year(), (int(l.Month())-1)/3+1)}
}

// excluded names the value an upsert tried to insert into col: VALUES(col)
// on MySQL, excluded.col on SQLite.
func excluded(tx *gorm.DB, col string) string {
	if tx.Dialector.Name() == "mysql" {
		return "VALUES(" + col + ")"
	}
	return "excluded." + col
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}


// attemptRow is what the counters need of a submitted attempt.
type attemptRow struct {
	ID          int64
	UserID      int64
	SubmittedAt time.Time
	GridPath    *string
	AgeBand     *string
	Occupation  *string
	Passed      bool
	ScoreTenths int
	Invalid     bool
	Pending     bool
}

const attemptColumns = "id, user_id, submitted_at, grid_path, age_band, occupation, passed, score_tenths, invalid, tally_pending AS pending"

type cellKey struct {
	period, grid, age, occ string
	shard                  int
}

type answerKey struct {
	period, grid, ft, age string
	shard                 int
}

type invalidKey struct {
	period, grid string
	shard        int
}

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
func (t *tally) add(r attemptRow, answers map[string][2]int64) {
	grid, shard := str(r.GridPath), shardOf(r.ID)
	for _, p := range PeriodsOf(r.SubmittedAt) {
		if r.Invalid {
			k := invalidKey{p, grid, shard}
			if t.invalid[k] == nil {
				t.invalid[k] = &InvalidCell{Period: p, GridPath: grid, Shard: shard}
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
		k := cellKey{p, grid, str(r.AgeBand), str(r.Occupation), shard}
		if t.cells[k] == nil {
			t.cells[k] = &Cell{Period: p, GridPath: grid, AgeBand: k.age, Occupation: k.occ, Shard: shard}
		}
		c := t.cells[k]
		c.Respondents++
		c.Passed += b2i(r.Passed)
		c.ScoreTenths += int64(r.ScoreTenths)
		for ft, a := range answers {
			ak := answerKey{p, grid, ft, k.age, shard}
			if t.answers[ak] == nil {
				t.answers[ak] = &AnswerCell{Period: p, GridPath: grid, FraudType: ft, AgeBand: ak.age, Shard: shard}
			}
			t.answers[ak].Answered += a[0]
			t.answers[ak].Correct += a[1]
		}
	}
}

// answersOf counts the answers of the given attempts (all when ids is nil)
// per attempt and fraud type: answered, correct.
func answersOf(tx *gorm.DB, ids []int64) (map[int64]map[string][2]int64, error) {
	var rows []struct {
		AttemptID int64
		FraudType string
		Answered  int64
		Correct   int64
	}
	q := tx.Table("attempt_answers").Select("attempt_id, fraud_type, COUNT(*) AS answered, SUM(CASE WHEN correct THEN 1 ELSE 0 END) AS correct")
	if ids != nil {
		q = q.Where("attempt_id IN ?", ids)
	}
	if err := q.Group("attempt_id, fraud_type").Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := map[int64]map[string][2]int64{}
	for _, a := range rows {
		if out[a.AttemptID] == nil {
			out[a.AttemptID] = map[string][2]int64{}
		}
		out[a.AttemptID][a.FraudType] = [2]int64{a.Answered, a.Correct}
	}
	return out, nil
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
		var rows []attemptRow
		if err := tx.Table("attempts").Select(attemptColumns).Where("tally_pending = ?", true).
			Order("submitted_at, id").Limit(FoldBatch).Scan(&rows).Error; err != nil {
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
		res := tx.Table("attempts").Where("id IN ? AND tally_pending = ?", ids, true).Update("tally_pending", false)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != int64(len(ids)) {
			return errContended
		}
		answers, err := answersOf(tx, ids)
		if err != nil {
			return err
		}
		var taken []First
		if err := tx.Where("user_id IN ? AND period IN ?", keys(users), keys(periods)).Find(&taken).Error; err != nil {
			return err
		}
		claimed := map[firstKey]bool{}
		for _, f := range taken {
			claimed[firstKey{f.Period, f.UserID}] = true
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
		if err := upsertCells(tx, sorted(t.cells, func(c *Cell) string {
			return fmt.Sprint(c.Period, "\x00", c.GridPath, "\x00", c.AgeBand, "\x00", c.Occupation, "\x00", c.Shard)
		})); err != nil {
			return err
		}
		if err := upsertAnswers(tx, sorted(t.answers, func(c *AnswerCell) string {
			return fmt.Sprint(c.Period, "\x00", c.GridPath, "\x00", c.FraudType, "\x00", c.AgeBand, "\x00", c.Shard)
		})); err != nil {
			return err
		}
		if err := upsertInvalid(tx, sorted(t.invalid, func(c *InvalidCell) string {
			return fmt.Sprint(c.Period, "\x00", c.GridPath, "\x00", c.Shard)
		})); err != nil {
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

// The upserts add deltas to the counters, a chunk of rows per statement,
// in key order (so concurrent folders lock rows in the same order).
const upsertChunk = 200

func upsertCells(tx *gorm.DB, rows []Cell) error {
	return upsert(tx, rows, []string{"period", "grid_path", "age_band", "occupation", "shard"}, "awareness_cells", "respondents", "passed", "score_tenths")
}

func upsertAnswers(tx *gorm.DB, rows []AnswerCell) error {
	return upsert(tx, rows, []string{"period", "grid_path", "fraud_type", "age_band", "shard"}, "awareness_answers", "answered", "correct")
}

func upsertInvalid(tx *gorm.DB, rows []InvalidCell) error {
	return upsert(tx, rows, []string{"period", "grid_path", "shard"}, "awareness_invalid", "n")
}

func upsert[T any](tx *gorm.DB, rows []T, key []string, table string, sums ...string) error {
	cols := make([]clause.Column, len(key))
	for i, k := range key {
		cols[i] = clause.Column{Name: k}
	}
	set := map[string]any{}
	for _, c := range sums {
		set[c] = gorm.Expr(table + "." + c + " + " + excluded(tx, c))
	}
	for i := 0; i < len(rows); i += upsertChunk {
		chunk := rows[i:min(i+upsertChunk, len(rows))]
		if err := tx.Clauses(clause.OnConflict{Columns: cols, DoUpdates: clause.Assignments(set)}).Create(&chunk).Error; err != nil {
			return err
		}
	}
	return nil
}

func sorted[K comparable, V any](m map[K]*V, key func(*V) string) []V {
	vs := make([]*V, 0, len(m))
	for _, v := range m {
		vs = append(vs, v)
	}
	sort.Slice(vs, func(i, j int) bool { return key(vs[i]) < key(vs[j]) })
	out := make([]V, len(vs))
	for i, v := range vs {
		out[i] = *v
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
		var rows []attemptRow
		err := tx.Table("attempts a").Select("a.id, a.user_id, a.submitted_at, a.grid_path, a.age_band, a.occupation, a.passed, a.score_tenths, a.invalid, a.tally_pending AS pending").
			Joins("JOIN quizzes q ON q.id = a.quiz_id").
			Where("a.status = 'submitted' AND q.audience = 'residents' AND q.counts_for_awareness = ?", true).
			Order("a.submitted_at, a.id").Scan(&rows).Error
		if err != nil {
			return err
		}
		answers, err := answersOf(tx, nil)
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
			res := tx.Table("attempts").Where("id IN ? AND tally_pending = ?", chunk, true).Update("tally_pending", false)
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected != int64(len(chunk)) {
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
