package awareness

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"wuzha/internal/area"
	"wuzha/internal/quiz"
	"wuzha/internal/store"
)

// The maintained counters, per generation and period, rolled up to every
// level of the area tree: a counted attempt adds to a row of its grid and
// of each area above it (community, town, county, city), so a view reads
// its own area's rows and its children's totals, never its subtree's cells.
//
//   - awareness_cells: respondents, passed and score sum per area × age
//     band × occupation;
//   - awareness_answers: answers per area × fraud type × age band;
//   - awareness_totals: per area, the same sums and the invalid attempts
//     left out;
//   - awareness_first: which attempt was each resident's first in the
//     period (the one that counts).
//
// The submit transaction does not touch them: it marks a counting attempt
// tally_pending, and Fold moves pending attempts into the counters in
// batches, oldest submission first — every second in the background and
// before every read of the figures, so a figure never misses a committed
// submission. Every fold transaction first locks the one awareness_state
// row, which serializes the folders of all instances (they would contend on
// the city's rows anyway) and names the generation the readers see. A
// rebuild (Rebuild) writes the next generation beside the live one under a
// lease that makes folds wait, then switches generations by updating that
// row.

// State is the counters' one state row (id 1): the generation readers and
// folds use, a count of fold transactions, and a rebuild's lease.
type State struct {
	ID         int64 `gorm:"primaryKey"`
	Gen        int64
	Folds      int64
	LeaseOwner string
	LeaseUntil *time.Time
}

// TableName is the state table.
func (State) TableName() string { return "awareness_state" }

// First marks a resident's counted attempt in a period.
type First struct {
	Gen       int64  `gorm:"primaryKey"`
	Period    string `gorm:"primaryKey"`
	UserID    int64  `gorm:"primaryKey"`
	AttemptID int64
}

// TableName is the first-attempt markers table.
func (First) TableName() string { return "awareness_first" }

// Cell counts respondents of one group in one area (a grid or any area
// above) and period.
type Cell struct {
	Gen         int64  `gorm:"primaryKey"`
	Period      string `gorm:"primaryKey"`
	AreaPath    string `gorm:"primaryKey"`
	AgeBand     string `gorm:"primaryKey"`
	Occupation  string `gorm:"primaryKey"`
	Respondents int64
	Passed      int64
	ScoreTenths int64
}

// TableName is the cells table.
func (Cell) TableName() string { return "awareness_cells" }

// AnswerCell counts answers on one fraud type by one age band in one area
// and period (the knowledge-gap heatmap reads fraud type × age band).
type AnswerCell struct {
	Gen       int64  `gorm:"primaryKey"`
	Period    string `gorm:"primaryKey"`
	AreaPath  string `gorm:"primaryKey"`
	FraudType string `gorm:"primaryKey"`
	AgeBand   string `gorm:"primaryKey"`
	Answered  int64
	Correct   int64
}

// TableName is the answer counters table.
func (AnswerCell) TableName() string { return "awareness_answers" }

// Total is one area's totals in a period, invalid attempts included.
type Total struct {
	Gen         int64  `gorm:"primaryKey"`
	Period      string `gorm:"primaryKey"`
	AreaPath    string `gorm:"primaryKey"`
	Respondents int64
	Passed      int64
	ScoreTenths int64
	Invalid     int64
}

// TableName is the totals table.
func (Total) TableName() string { return "awareness_totals" }

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

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// dict numbers strings, so the counters' keys are a few small integers:
// a rebuild holds a whole city's counters in memory.
type dict struct {
	ids   map[string]uint32
	names []string
}

func (d *dict) id(s string) uint32 {
	if id, ok := d.ids[s]; ok {
		return id
	}
	if d.ids == nil {
		d.ids = map[string]uint32{}
	}
	id := uint32(len(d.names))
	d.ids[s] = id
	d.names = append(d.names, s)
	return id
}

type cellKey struct {
	area           uint32
	period, ag, oc uint16
}

type answerKey struct {
	area           uint32
	period, ft, ag uint16
}

type totalKey struct {
	area   uint32
	period uint16
}

type firstKey struct {
	period string
	user   int64
}

// tally adds attempts, in submission order, to counter deltas. claimed
// holds the (period, resident) markers already taken, in the table or
// earlier in this tally.
type tally struct {
	areas   dict                // area paths
	words   dict                // periods, age bands, occupations, fraud types
	levels  map[string][]uint32 // a grid path's areas, city first
	claimed map[firstKey]bool
	// first, when set, says whether an attempt is its resident's first of
	// a period (decided beforehand: the rebuild); claimed is then unused.
	first   func(user int64, period uint32, id int64) bool
	firsts  []First
	cells   map[cellKey][3]int64   // respondents, passed, score tenths
	answers map[answerKey][2]int64 // answered, correct
	totals  map[totalKey][4]int64  // respondents, passed, score tenths, invalid
}

func newTally(claimed map[firstKey]bool) *tally {
	return &tally{claimed: claimed, levels: map[string][]uint32{},
		cells: map[cellKey][3]int64{}, answers: map[answerKey][2]int64{}, totals: map[totalKey][4]int64{}}
}

// areasOf lists the areas a grid path rolls up to: every prefix of the
// path that ends in "/" (city, county, town, community, the grid itself).
// An attempt without a grid counts in none.
func (t *tally) areasOf(grid string) []uint32 {
	if l, ok := t.levels[grid]; ok {
		return l
	}
	var out []uint32
	for i := 1; i < len(grid); i++ {
		if grid[i] == '/' {
			out = append(out, t.areas.id(grid[:i+1]))
		}
	}
	t.levels[grid] = out
	return out
}

// add counts one attempt: an invalid one in the invalid totals; a valid one
// in each period where it is the resident's first.
func (t *tally) add(r quiz.Counted, answers map[string][2]int64) {
	levels := t.areasOf(str(r.GridPath))
	for _, p := range PeriodsOf(r.SubmittedAt) {
		pid := uint16(t.words.id(p))
		if r.Invalid {
			for _, a := range levels {
				k := totalKey{a, pid}
				v := t.totals[k]
				v[3]++
				t.totals[k] = v
			}
			continue
		}
		if t.first != nil {
			if !t.first(r.UserID, uint32(pid), r.ID) {
				continue
			}
		} else {
			fk := firstKey{p, r.UserID}
			if t.claimed[fk] {
				continue // a retake in this period: learning, not measurement
			}
			t.claimed[fk] = true
			t.firsts = append(t.firsts, First{Period: p, UserID: r.UserID, AttemptID: r.ID})
		}
		t.count(r, answers, pid, 1)
	}
}

// count adds (sign 1) or takes back (sign -1) a valid attempt's share of
// period pid in every area it rolls up to.
func (t *tally) count(r quiz.Counted, answers map[string][2]int64, pid uint16, sign int64) {
	ag, oc := uint16(t.words.id(str(r.AgeBand))), uint16(t.words.id(str(r.Occupation)))
	passed, score := sign*b2i(r.Passed), sign*int64(r.ScoreTenths)
	for _, a := range t.areasOf(str(r.GridPath)) {
		ck := cellKey{a, pid, ag, oc}
		c := t.cells[ck]
		t.cells[ck] = [3]int64{c[0] + sign, c[1] + passed, c[2] + score}
		tk := totalKey{a, pid}
		v := t.totals[tk]
		t.totals[tk] = [4]int64{v[0] + sign, v[1] + passed, v[2] + score, v[3]}
		for ft, n := range answers {
			ak := answerKey{a, pid, uint16(t.words.id(ft)), ag}
			x := t.answers[ak]
			t.answers[ak] = [2]int64{x[0] + sign*n[0], x[1] + sign*n[1]}
		}
	}
}

// The rows of a tally, sorted by key (so concurrent writers lock rows in
// the same order).

func (t *tally) cellRow(gen int64, k cellKey, v [3]int64) *Cell {
	return &Cell{Gen: gen, Period: t.words.names[k.period], AreaPath: t.areas.names[k.area], AgeBand: t.words.names[k.ag], Occupation: t.words.names[k.oc],
		Respondents: v[0], Passed: v[1], ScoreTenths: v[2]}
}

func (t *tally) answerRow(gen int64, k answerKey, v [2]int64) *AnswerCell {
	return &AnswerCell{Gen: gen, Period: t.words.names[k.period], AreaPath: t.areas.names[k.area], FraudType: t.words.names[k.ft], AgeBand: t.words.names[k.ag],
		Answered: v[0], Correct: v[1]}
}

func (t *tally) totalRow(gen int64, k totalKey, v [4]int64) *Total {
	return &Total{Gen: gen, Period: t.words.names[k.period], AreaPath: t.areas.names[k.area], Respondents: v[0], Passed: v[1], ScoreTenths: v[2], Invalid: v[3]}
}

// sortedRows makes a row of every entry of m and sorts them with compare.
func sortedRows[K comparable, V, R any](m map[K]V, row func(K, V) *R, compare func(a, b *R) int) []*R {
	out := make([]*R, 0, len(m))
	for k, v := range m {
		out = append(out, row(k, v))
	}
	slices.SortFunc(out, compare)
	return out
}

func (t *tally) cellRows(gen int64) []*Cell {
	return sortedRows(t.cells, func(k cellKey, v [3]int64) *Cell { return t.cellRow(gen, k, v) }, func(a, b *Cell) int {
		return cmp.Or(cmp.Compare(a.Period, b.Period), cmp.Compare(a.AreaPath, b.AreaPath), cmp.Compare(a.AgeBand, b.AgeBand), cmp.Compare(a.Occupation, b.Occupation))
	})
}

func (t *tally) answerRows(gen int64) []*AnswerCell {
	return sortedRows(t.answers, func(k answerKey, v [2]int64) *AnswerCell { return t.answerRow(gen, k, v) }, func(a, b *AnswerCell) int {
		return cmp.Or(cmp.Compare(a.Period, b.Period), cmp.Compare(a.AreaPath, b.AreaPath), cmp.Compare(a.FraudType, b.FraudType), cmp.Compare(a.AgeBand, b.AgeBand))
	})
}

func (t *tally) totalRows(gen int64) []*Total {
	return sortedRows(t.totals, func(k totalKey, v [4]int64) *Total { return t.totalRow(gen, k, v) }, func(a, b *Total) int {
		return cmp.Or(cmp.Compare(a.Period, b.Period), cmp.Compare(a.AreaPath, b.AreaPath))
	})
}

var (
	cellCols   = []string{"gen", "period", "area_path", "age_band", "occupation", "respondents", "passed", "score_tenths"}
	answerCols = []string{"gen", "period", "area_path", "fraud_type", "age_band", "answered", "correct"}
	totalCols  = []string{"gen", "period", "area_path", "respondents", "passed", "score_tenths", "invalid"}
	firstCols  = []string{"gen", "period", "user_id", "attempt_id"}
)

func cellValues(c *Cell) []any {
	return []any{c.Gen, c.Period, c.AreaPath, c.AgeBand, c.Occupation, c.Respondents, c.Passed, c.ScoreTenths}
}

func answerValues(c *AnswerCell) []any {
	return []any{c.Gen, c.Period, c.AreaPath, c.FraudType, c.AgeBand, c.Answered, c.Correct}
}

func totalValues(c *Total) []any {
	return []any{c.Gen, c.Period, c.AreaPath, c.Respondents, c.Passed, c.ScoreTenths, c.Invalid}
}

func firstValues(f *First) []any { return []any{f.Gen, f.Period, f.UserID, f.AttemptID} }

// addTo adds a tally's deltas to generation gen's counters in tx, in key
// order; the markers are plain inserts, so a marker taken meanwhile fails
// the transaction.
func (t *tally) addTo(tx *gorm.DB, gen int64) error {
	firsts := make([]*First, len(t.firsts))
	for i := range t.firsts {
		t.firsts[i].Gen = gen
		firsts[i] = &t.firsts[i]
	}
	slices.SortFunc(firsts, func(a, b *First) int { return cmp.Or(cmp.Compare(a.Period, b.Period), cmp.Compare(a.UserID, b.UserID)) })
	if err := insertRows(tx, "awareness_first", firstCols, firsts, firstValues); err != nil {
		return err
	}
	if err := store.AddUpsert(tx, "awareness_cells", cellCols[:5], cellCols[5:], t.cellRows(gen), cellValues); err != nil {
		return err
	}
	if err := store.AddUpsert(tx, "awareness_answers", answerCols[:5], answerCols[5:], t.answerRows(gen), answerValues); err != nil {
		return err
	}
	return store.AddUpsert(tx, "awareness_totals", totalCols[:3], totalCols[3:], t.totalRows(gen), totalValues)
}

// InsertChunk is how many rows one plain INSERT carries.
const InsertChunk = 1000

// insertRows inserts rows into table, InsertChunk rows per statement.
func insertRows[T any](tx *gorm.DB, table string, cols []string, rows []*T, values func(*T) []any) error {
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	for i := 0; i < len(rows); i += InsertChunk {
		chunk := rows[i:min(i+InsertChunk, len(rows))]
		args := make([]any, 0, len(chunk)*len(cols))
		for _, r := range chunk {
			args = append(args, values(r)...)
		}
		q := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES " + strings.TrimSuffix(strings.Repeat(one+", ", len(chunk)), ", ")
		if err := tx.Exec(q, args...).Error; err != nil {
			return err
		}
	}
	return nil
}

// FoldBatch is how many pending attempts one fold transaction takes.
const FoldBatch = 1000

var (
	// errContended says another folder took some of the pending attempts
	// first: this batch is rolled back and tried again.
	errContended = errors.New("awareness: pending attempts folded concurrently")
	// errLeased says a rebuild holds the lease: folds wait for it.
	errLeased = errors.New("awareness: a rebuild holds the counters")
)

// Fold moves every pending attempt into the counters, oldest submission
// first, in transactions of FoldBatch attempts. Any number of instances may
// fold at once: each transaction first locks the state row, so they take
// turns; a batch still claims its attempts with a conditional update and
// the markers' primary key keeps a resident counted once per period. While
// a rebuild holds its lease, Fold folds nothing (the readers then see the
// live counters as they were when the rebuild began). With nothing pending
// it costs one index probe and takes no lock. It returns the number of
// attempts folded.
func (s *Service) Fold(ctx context.Context) (int, error) {
	s.foldMu.Lock()
	defer s.foldMu.Unlock()
	total, contended := 0, 0
	batch := s.foldBatchSize()
	for {
		pending, err := quiz.AnyPending(s.db.WithContext(ctx))
		if err != nil || !pending {
			return total, err
		}
		n, err := s.foldBatch(ctx)
		total += n
		switch {
		case errors.Is(err, errLeased):
			return total, nil
		case errors.Is(err, errContended) && contended < 20:
			contended++
			continue
		case err != nil:
			return total, fmt.Errorf("awareness: fold: %w", err)
		case n < batch:
			return total, nil
		}
	}
}

// lockForFold locks the state row for a fold transaction and returns the
// live generation; errLeased while a rebuild's lease runs. A lease run out
// (its rebuild died or stalled) is cleared, so that rebuild can no longer
// switch generations.
func lockForFold(tx *gorm.DB) (int64, error) {
	now := time.Now().UTC()
	res := tx.Exec("UPDATE awareness_state SET folds = folds + 1, lease_owner = '', lease_until = NULL WHERE id = 1 AND (lease_until IS NULL OR lease_until < ?)", now)
	if res.Error != nil {
		return 0, res.Error
	}
	if res.RowsAffected != 1 {
		return 0, errLeased
	}
	var st State
	if err := tx.Where("id = 1").Take(&st).Error; err != nil {
		return 0, err
	}
	return st.Gen, nil
}

func (s *Service) foldBatchSize() int {
	if s.FoldBatch > 0 {
		return s.FoldBatch
	}
	return FoldBatch
}

func (s *Service) foldBatch(ctx context.Context) (int, error) {
	var n int
	err := s.db.Tx(ctx, func(tx *gorm.DB) error {
		gen, err := lockForFold(tx)
		if err != nil {
			return err
		}
		rows, err := quiz.PendingAttempts(tx, s.foldBatchSize())
		if err != nil || len(rows) == 0 {
			return err
		}
		ids := make([]int64, len(rows))
		for i, r := range rows {
			ids[i] = r.ID
		}
		folded, err := quiz.MarkFolded(tx, ids)
		if err != nil {
			return err
		}
		if folded != int64(len(ids)) {
			return errContended
		}
		if err := foldInto(tx, gen, rows, false); err != nil {
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

// foldInto adds rows (in submission order) to generation gen's counters in
// tx: it reads their answers and the markers their residents already hold.
//
// With earlierWins (a rebuild catching up with the attempts its first pass
// did not see), a marker may name an attempt submitted after one of rows:
// the pass walked the table by id while residents submitted, and can have
// seen a resident's later attempt but not the earlier one. That attempt's
// share of the period is then taken back and the earlier one counted, so
// the result is what folding every attempt in submission order gives.
func foldInto(tx *gorm.DB, gen int64, rows []quiz.Counted, earlierWins bool) error {
	if len(rows) == 0 {
		return nil
	}
	var ids []int64
	users := map[int64]bool{}
	periods := map[string]bool{}
	for _, r := range rows {
		if !r.Invalid {
			ids = append(ids, r.ID)
		}
		users[r.UserID] = true
		for _, p := range PeriodsOf(r.SubmittedAt) {
			periods[p] = true
		}
	}
	answers, err := quiz.AnswersByFraudType(tx, ids)
	if err != nil {
		return err
	}
	// The markers these residents hold already, one primary-key range per
	// period (a batch spans one or two months and quarters).
	claimed := map[firstKey]bool{}
	held := map[firstKey]int64{}
	for p := range periods {
		var taken []First
		if err := tx.Table(store.DialectOf(tx).ByPrimaryKey("awareness_first")).Select("user_id", "attempt_id").Where("gen = ? AND period = ? AND user_id IN ?", gen, p, keys(users)).Scan(&taken).Error; err != nil {
			return err
		}
		for _, f := range taken {
			claimed[firstKey{p, f.UserID}] = true
			held[firstKey{p, f.UserID}] = f.AttemptID
		}
	}
	t := newTally(claimed)
	var replaced []firstKey
	if earlierWins {
		var heldIDs []int64
		for _, id := range held {
			heldIDs = append(heldIDs, id)
		}
		counted, err := quiz.AttemptsByID(tx, heldIDs)
		if err != nil {
			return err
		}
		byID := map[int64]quiz.Counted{}
		for _, c := range counted {
			byID[c.ID] = c
		}
		countedAnswers, err := quiz.AnswersByFraudType(tx, heldIDs)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if r.Invalid {
				continue
			}
			for _, p := range PeriodsOf(r.SubmittedAt) {
				fk := firstKey{p, r.UserID}
				w, ok := byID[held[fk]]
				if !ok || !claimed[fk] || cmp.Or(r.SubmittedAt.Compare(w.SubmittedAt), cmp.Compare(r.ID, w.ID)) >= 0 {
					continue
				}
				t.count(w, countedAnswers[w.ID], uint16(t.words.id(p)), -1)
				delete(claimed, fk)
				delete(held, fk)
				replaced = append(replaced, fk)
			}
		}
	}
	for _, fk := range replaced {
		if err := tx.Exec("DELETE FROM awareness_first WHERE gen = ? AND period = ? AND user_id = ?", gen, fk.period, fk.user).Error; err != nil {
			return err
		}
	}
	for _, r := range rows {
		t.add(r, answers[r.ID])
	}
	if err := t.addTo(tx, gen); err != nil {
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return errContended
		}
		return err
	}
	return nil
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

func keys[K comparable](m map[K]bool) []K {
	out := make([]K, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// liveGen is the generation readers see.
func (s *Service) liveGen(ctx context.Context) (int64, error) {
	var st State
	if err := s.db.WithContext(ctx).Where("id = 1").Take(&st).Error; err != nil {
		return 0, fmt.Errorf("awareness: state: %w", err)
	}
	return st.Gen, nil
}
