package awareness

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"

	"wuzha/internal/area"
	"wuzha/internal/quiz"
	"wuzha/internal/store"
)

// The maintained counters, per generation and period, rolled up to every
// level of the area tree: a counted attempt adds to the row of its grid and
// of each area above it (community, town, county, city), so a view reads
// its own area's row and its children's, never its subtree's.
//
//   - awareness_rollups: one row per generation × period × area holding
//     the area's totals (respondents, passed, score sum, invalid attempts
//     left out) as columns, and its breakdowns packed in two text columns:
//     respondents, passed and score sum per age band × occupation, answers
//     per fraud type × age band (see packCells, packAnswers);
//   - awareness_first_0 and awareness_first_1: which attempt was each
//     resident's first in the period (the one that counts), for the even
//     and the odd generations (firstTable).
//
// One row per area and period keeps a fold's writes to about three rows per
// attempt in a batch (its grid's, and its share of the few areas above),
// where a row per breakdown cell made it thirty; it also keeps the tables
// small enough to stay in the buffer pool at a city's size.
//
// The submit transaction does not touch them: it marks a counting attempt
// tally_pending, and Fold moves pending attempts into the counters in
// batches, oldest submission first — every second in the background and
// before every read of the figures, so a figure never misses a committed
// submission. Every fold transaction first locks the one awareness_state
// row, which serializes the folders of all instances and names the
// generation the readers see: a fold reads the rows it changes, adds its
// deltas and writes them back whole, which only the lock makes exact. A
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

// TableName is the first-attempt markers table of the even generations
// (the model's columns are those of both, see firstTable).
func (First) TableName() string { return "awareness_first_0" }

// firstTable names the markers table of generation gen. Two tables take
// turns: a rebuild writes the next generation's markers (a row per resident
// and period, millions in a city) into the table the live generation does
// not use, and empties a table with one TRUNCATE where deleting a
// generation's markers row by row took a rebuild of a million attempts
// seconds at each end.
func firstTable(gen int64) string {
	if gen%2 == 0 {
		return "awareness_first_0"
	}
	return "awareness_first_1"
}

// Rollup is one area's counters in one period (a grid or any area above).
type Rollup struct {
	Gen         int64  `gorm:"primaryKey"`
	Period      string `gorm:"primaryKey"`
	AreaPath    string `gorm:"primaryKey"`
	Respondents int64
	Passed      int64
	ScoreTenths int64
	Invalid     int64
	Cells       string // packed: age band × occupation (packCells)
	Answers     string // packed: fraud type × age band (packAnswers)
}

// TableName is the rolled-up counters table.
func (Rollup) TableName() string { return "awareness_rollups" }

// Cell counts respondents of one age band and occupation, in a rollup.
type Cell struct {
	AgeBand     string
	Occupation  string
	Respondents int64
	Passed      int64
	ScoreTenths int64
}

// AnswerCell counts answers on one fraud type by one age band, in a rollup
// (the knowledge-gap heatmap reads fraud type × age band).
type AnswerCell struct {
	FraudType string
	AgeBand   string
	Answered  int64
	Correct   int64
}

// The packed breakdowns are lines of tab-separated fields, one per key:
// "age band, occupation, respondents, passed, score tenths" and "fraud
// type, age band, answered, correct". Codes are escaped (a backslash, tab
// or newline in one would otherwise split it), numbers are decimal.
var (
	escaper   = strings.NewReplacer(`\`, `\\`, "\t", `\t`, "\n", `\n`)
	unescaper = strings.NewReplacer(`\\`, `\`, `\t`, "\t", `\n`, "\n")
)

func unescape(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	return unescaper.Replace(s)
}

// unpackLines reads lines of two codes and n numbers (n ≤ 3), calling
// line for each. It parses in place: a fold reads every rollup it changes.
func unpackLines(s string, n int, line func(a, b string, nums *[3]int64)) error {
	var nums [3]int64
	for s != "" {
		l, rest, _ := strings.Cut(s, "\n")
		s = rest
		a, l, ok1 := strings.Cut(l, "\t")
		b, l, ok2 := strings.Cut(l, "\t")
		if !ok1 || !ok2 {
			return fmt.Errorf("awareness: a packed line without its codes: %q", l)
		}
		for i := range n {
			f, tail, more := strings.Cut(l, "\t")
			if more != (i < n-1) {
				return fmt.Errorf("awareness: a packed line with other than %d numbers", n)
			}
			v, err := strconv.ParseInt(f, 10, 64)
			if err != nil {
				return fmt.Errorf("awareness: a packed line: %w", err)
			}
			nums[i], l = v, tail
		}
		line(unescape(a), unescape(b), &nums)
	}
	return nil
}

// UnpackCells reads a rollup's age band × occupation cells, sorted.
func UnpackCells(s string) ([]Cell, error) {
	var out []Cell
	err := unpackLines(s, 3, func(a, b string, n *[3]int64) {
		out = append(out, Cell{AgeBand: a, Occupation: b, Respondents: n[0], Passed: n[1], ScoreTenths: n[2]})
	})
	slices.SortFunc(out, func(x, y Cell) int {
		return cmp.Or(cmp.Compare(x.AgeBand, y.AgeBand), cmp.Compare(x.Occupation, y.Occupation))
	})
	return out, err
}

// UnpackAnswers reads a rollup's fraud type × age band answers, sorted.
func UnpackAnswers(s string) ([]AnswerCell, error) {
	var out []AnswerCell
	err := unpackLines(s, 2, func(a, b string, n *[3]int64) {
		out = append(out, AnswerCell{FraudType: a, AgeBand: b, Answered: n[0], Correct: n[1]})
	})
	slices.SortFunc(out, func(x, y AnswerCell) int {
		return cmp.Or(cmp.Compare(x.FraudType, y.FraudType), cmp.Compare(x.AgeBand, y.AgeBand))
	})
	return out, err
}

// PeriodsOf names the month and the quarter a submission falls in. The
// result is shared: callers must not change it.
func PeriodsOf(t time.Time) []string {
	l := t.In(area.Shanghai)
	month := l.Year()*12 + int(l.Month()) - 1
	if p, ok := periodNames.Load(month); ok {
		return p.([]string)
	}
	p := []string{fmt.Sprintf("%d-%02d", l.Year(), int(l.Month())), fmt.Sprintf("%dQ%d", l.Year(), (int(l.Month())-1)/3+1)}
	periodNames.Store(month, p)
	return p
}

// periodNames caches PeriodsOf by month: a rebuild asks for every attempt.
var periodNames sync.Map

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
	ids     map[string]uint32
	names   []string
	escaped []string // names as packed lines write them
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
	d.escaped = append(d.escaped, escaper.Replace(s))
	return id
}

// rollKey names a rollup: an area and a period.
type rollKey struct {
	area   uint32
	period uint16
}

// pair packs two word numbers (age band and occupation, or fraud type and
// age band) into a breakdown key.
func pair(a, b uint32) uint32 { return a<<16 | b&0xffff }

// roll is a rollup's counts (or deltas) while they are tallied.
type roll struct {
	tot     [4]int64            // respondents, passed, score tenths, invalid
	cells   map[uint32][3]int64 // pair(age band, occupation): respondents, passed, score tenths
	answers map[uint32][3]int64 // pair(fraud type, age band): answered, correct (and a zero)
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
	first  func(user int64, period uint32, id int64) bool
	firsts []First
	rolls  map[rollKey]*roll
}

func newTally(claimed map[firstKey]bool) *tally {
	return &tally{claimed: claimed, levels: map[string][]uint32{}, rolls: map[rollKey]*roll{}}
}

// roll returns the rollup of area a in period pid, made empty if new.
func (t *tally) roll(a uint32, pid uint16) *roll {
	k := rollKey{a, pid}
	r := t.rolls[k]
	if r == nil {
		r = &roll{cells: map[uint32][3]int64{}, answers: map[uint32][3]int64{}}
		t.rolls[k] = r
	}
	return r
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
func (t *tally) add(r quiz.Counted, answers []quiz.TypeCount) {
	grid, ok := t.gridOf(r)
	if !ok {
		return // an attempt without a grid counts in no area
	}
	for _, p := range PeriodsOf(r.SubmittedAt) {
		pid := uint16(t.words.id(p))
		if r.Invalid {
			t.roll(grid, pid).tot[3]++
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

// gridOf names the area an attempt counts in first: its grid (rollUp adds
// the grid's counts to the areas above).
func (t *tally) gridOf(r quiz.Counted) (uint32, bool) {
	levels := t.areasOf(str(r.GridPath))
	if len(levels) == 0 {
		return 0, false
	}
	return levels[len(levels)-1], true
}

// count adds (sign 1) or takes back (sign -1) a valid attempt's share of
// period pid in its grid.
func (t *tally) count(r quiz.Counted, answers []quiz.TypeCount, pid uint16, sign int64) {
	grid, ok := t.gridOf(r)
	if !ok {
		return
	}
	ag, oc := t.words.id(str(r.AgeBand)), t.words.id(str(r.Occupation))
	passed, score := sign*b2i(r.Passed), sign*int64(r.ScoreTenths)
	x := t.roll(grid, pid)
	x.tot[0] += sign
	x.tot[1] += passed
	x.tot[2] += score
	ck := pair(ag, oc)
	c := x.cells[ck]
	x.cells[ck] = [3]int64{c[0] + sign, c[1] + passed, c[2] + score}
	for _, n := range answers {
		ak := pair(t.words.id(n.FraudType), ag)
		v := x.answers[ak]
		x.answers[ak] = [3]int64{v[0] + sign*n.Answered, v[1] + sign*n.Correct}
	}
}

// rollUp adds every grid's counts to each area above it (community, town,
// county, city), once the attempts are tallied: an attempt is counted in
// its grid alone, and five levels cost one pass over the grids instead of
// five map updates per attempt. Each tallied rollup is added to itself and
// to the areas above it in fresh rollups, so an area that holds attempts
// of its own and is above others' grids too counts each once.
func (t *tally) rollUp() {
	own := t.rolls
	t.rolls = make(map[rollKey]*roll, 2*len(own))
	for k, x := range own {
		for _, a := range t.areasOf(t.areas.names[k.area]) {
			up := t.roll(a, k.period)
			for i, v := range x.tot {
				up.tot[i] += v
			}
			addAll(up.cells, x.cells)
			addAll(up.answers, x.answers)
		}
		delete(own, k)
	}
}

func addAll(to, from map[uint32][3]int64) {
	for k, v := range from {
		c := to[k]
		to[k] = [3]int64{c[0] + v[0], c[1] + v[1], c[2] + v[2]}
	}
}

// merge adds the counts of a stored rollup (its totals and unpacked
// breakdowns) to x.
func (t *tally) merge(x *roll, stored *Rollup) error {
	x.tot[0] += stored.Respondents
	x.tot[1] += stored.Passed
	x.tot[2] += stored.ScoreTenths
	x.tot[3] += stored.Invalid
	// A stored rollup holds dozens of lines: make room for them at once
	// rather than growing the maps line by line.
	x.cells, x.answers = roomy(x.cells), roomy(x.answers)
	add := func(m map[uint32][3]int64) func(a, b string, n *[3]int64) {
		return func(a, b string, n *[3]int64) {
			k := pair(t.words.id(a), t.words.id(b))
			c := m[k]
			m[k] = [3]int64{c[0] + n[0], c[1] + n[1], c[2] + n[2]}
		}
	}
	if err := unpackLines(stored.Cells, 3, add(x.cells)); err != nil {
		return err
	}
	return unpackLines(stored.Answers, 2, add(x.answers))
}

// roomy returns m, or a copy of it with room for a stored rollup's lines.
func roomy(m map[uint32][3]int64) map[uint32][3]int64 {
	if len(m) >= 16 {
		return m
	}
	out := make(map[uint32][3]int64, 64)
	for k, v := range m {
		out[k] = v
	}
	return out
}

// pack writes a breakdown as packed lines of its first n numbers, in no
// particular order (readers sort what they show; a fold rewrites every
// rollup it touches, and sorting them cost it more than the rest of the
// encoding).
func (t *tally) pack(m map[uint32][3]int64, n int) string {
	w := t.words.escaped
	buf := make([]byte, 0, len(m)*32)
	for k, v := range m {
		buf = append(buf, w[k>>16]...)
		buf = append(buf, '\t')
		buf = append(buf, w[k&0xffff]...)
		for i := range n {
			buf = append(buf, '\t')
			buf = strconv.AppendInt(buf, v[i], 10)
		}
		buf = append(buf, '\n')
	}
	return string(buf)
}

// row makes the stored form of rollup k of generation gen.
func (t *tally) row(gen int64, k rollKey, x *roll) *Rollup {
	return &Rollup{Gen: gen, Period: t.words.names[k.period], AreaPath: t.areas.names[k.area],
		Respondents: x.tot[0], Passed: x.tot[1], ScoreTenths: x.tot[2], Invalid: x.tot[3], Cells: t.pack(x.cells, 3), Answers: t.pack(x.answers, 2)}
}

// sortedKeys lists the tally's rollups by period, then area path (so
// concurrent writers lock rows in the same order).
func (t *tally) sortedKeys() []rollKey {
	out := make([]rollKey, 0, len(t.rolls))
	for k := range t.rolls {
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b rollKey) int {
		return cmp.Or(cmp.Compare(t.words.names[a.period], t.words.names[b.period]), cmp.Compare(t.areas.names[a.area], t.areas.names[b.area]))
	})
	return out
}

var (
	rollupCols = []string{"gen", "period", "area_path", "respondents", "passed", "score_tenths", "invalid", "cells", "answers"}
	firstCols  = []string{"gen", "period", "user_id", "attempt_id"}
)

func rollupValues(r *Rollup) []any {
	return []any{r.Gen, r.Period, r.AreaPath, r.Respondents, r.Passed, r.ScoreTenths, r.Invalid, r.Cells, r.Answers}
}

func firstValues(f *First) []any { return []any{f.Gen, f.Period, f.UserID, f.AttemptID} }

// readChunk is how many rollups one SELECT of a fold reads.
const readChunk = 500

// addTo adds a tally's deltas to generation gen's counters in tx (rolled
// up first, see rollUp): it reads the rollups the deltas change (locking
// them on MySQL), adds the deltas and writes them back whole, in key order. The markers are plain inserts,
// so a marker taken meanwhile fails the transaction. The caller holds the
// state row's lock, which makes the read-add-write exact.
func (t *tally) addTo(tx *gorm.DB, gen int64) error {
	firsts := make([]*First, len(t.firsts))
	for i := range t.firsts {
		t.firsts[i].Gen = gen
		firsts[i] = &t.firsts[i]
	}
	slices.SortFunc(firsts, func(a, b *First) int { return cmp.Or(cmp.Compare(a.Period, b.Period), cmp.Compare(a.UserID, b.UserID)) })
	if err := insertRows(tx, firstTable(gen), firstCols, firsts, firstValues); err != nil {
		return err
	}
	t.rollUp()
	keys := t.sortedKeys()
	lock := ""
	if store.DialectOf(tx) == store.MySQL {
		lock = " FOR UPDATE"
	}
	for i := 0; i < len(keys); {
		// A chunk of one period's areas.
		j := i + 1
		for j < len(keys) && j-i < readChunk && keys[j].period == keys[i].period {
			j++
		}
		paths := make([]string, 0, j-i)
		for _, k := range keys[i:j] {
			paths = append(paths, t.areas.names[k.area])
		}
		var stored []Rollup
		if err := tx.Raw("SELECT * FROM awareness_rollups WHERE gen = ? AND period = ? AND area_path IN ?"+lock, gen, t.words.names[keys[i].period], paths).Scan(&stored).Error; err != nil {
			return err
		}
		for s := range stored {
			if err := t.merge(t.rolls[rollKey{t.areas.id(stored[s].AreaPath), keys[i].period}], &stored[s]); err != nil {
				return err
			}
		}
		rows := make([]*Rollup, 0, j-i)
		for _, k := range keys[i:j] {
			rows = append(rows, t.row(gen, k, t.rolls[k]))
		}
		if err := store.SetUpsert(tx, "awareness_rollups", rollupCols[:3], rollupCols[3:], rows, rollupValues); err != nil {
			return err
		}
		i = j
	}
	return nil
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

// FoldBatch is how many pending attempts one fold transaction takes at
// most. A batch rewrites each rollup it touches once, so a larger one
// writes the areas above the grids for more attempts at a time: catching
// up with 50,000 pending attempts over a city's 5,000 grids ran at 3,066
// attempts/s in batches of 1,000 and 5,610/s in batches of 5,000. At a
// steady rate a batch is what one second of submissions left.
const FoldBatch = 5000

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
		if err := tx.Table(store.DialectOf(tx).ByPrimaryKey(firstTable(gen))).Select("user_id", "attempt_id").Where("gen = ? AND period = ? AND user_id IN ?", gen, p, keys(users)).Scan(&taken).Error; err != nil {
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
		if err := tx.Exec("DELETE FROM "+firstTable(gen)+" WHERE gen = ? AND period = ? AND user_id = ?", gen, fk.period, fk.user).Error; err != nil {
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
