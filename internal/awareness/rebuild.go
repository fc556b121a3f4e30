package awareness

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"gorm.io/gorm"

	"wuzha/internal/quiz"
	"wuzha/internal/store"
)

// Rebuild (`wuzha awareness rebuild`) recomputes every counter from the raw
// attempts, without stopping submissions or reads:
//
//  1. It takes a lease in the state row. While the lease runs, folds fold
//     nothing, so the live generation stays as it was and the readers see
//     it, trailing the submissions by the rebuild's duration.
//  2. It deletes what an earlier rebuild cut short left behind (rows of any
//     generation but the live one; the markers table of the next
//     generation's parity is emptied whole), then reads the counting attempts twice
//     in primary-key order, in pages of RebuildBatch (sequential reads, no
//     statement over the whole table): first their user, submission time
//     and validity, to find each resident's first attempt of each period
//     (kept as a sorted slice of 24-byte entries, then written as the
//     markers of generation live+1); then whole, with their answers, to
//     count each winner in memory under small integer keys. The counters
//     are written when the second pass ends.
//  3. Attempts still pending that the first pass did not see (submitted after
//     it went by) are folded into the new generation; one submitted before
//     the attempt the pass counted for its resident and period takes that
//     one's place (foldInto with earlierWins).
//  4. One small transaction switches generations: it checks the lease is
//     still its own, folds the last pending attempts it has not counted,
//     marks pending every attempt the new generation holds as folded and
//     sets the live generation.
//  5. The old generation is deleted: its markers table emptied, its
//     rollups in batches.
//
// A rebuild that stops before step 4 (error, cancelled, killed) changes
// nothing the readers see, leaves the pending flags alone, and its rows are
// deleted by the next one. Every statement reads or writes a bounded page.

// RebuildBatch is how many attempts one page of the second pass reads (the
// first reads four times as many light rows).
const RebuildBatch = 5000

// LeaseFor is how long a rebuild's lease runs unless renewed; it is renewed
// with every page, so only a rebuild that died (or stalled this long) lets
// the folds take over again — and then cannot switch generations.
const LeaseFor = time.Minute

// deleteBatch is how many rows one DELETE of an old generation removes.
const deleteBatch = 10000

// Progress is how far a rebuild is.
type Progress struct {
	Phase   string // "cleanup", "scan", "count", "write", "catch-up", "switch", "done"
	Read    int64  // attempts read
	Total   int64  // attempts in the table when the rebuild began (a bound of those it reads)
	Elapsed time.Duration
}

// RebuildResult sums up a rebuild.
type RebuildResult struct {
	Gen      int64 // the generation now live
	Attempts int64 // counting attempts the first pass read
	Firsts   int64 // resident-periods counted
	CaughtUp int64 // pending attempts folded into the new generation after the stream
	Rows     int64 // counter rows written
	Duration time.Duration
}

var errLeaseLost = errors.New("awareness: rebuild: the lease ran out (folds took over); run it again")

// Rebuild recomputes the counters; progress, when not nil, is called after
// every page of both passes and at every phase. A cancelled ctx stops it
// before the switch with nothing the readers see changed.
func (s *Service) Rebuild(ctx context.Context, progress func(Progress)) (RebuildResult, error) {
	start := time.Now()
	var res RebuildResult
	report := func(p Progress) {
		if progress != nil {
			p.Elapsed = time.Since(start)
			progress(p)
		}
	}
	owner := newOwner()
	db := s.db.WithContext(ctx)
	live, err := s.takeLease(ctx, owner)
	if err != nil {
		return res, err
	}
	switched := false
	defer func() {
		if !switched {
			// Give the folds back their turn at once (best effort: the
			// lease runs out by itself otherwise).
			s.db.WithContext(context.WithoutCancel(ctx)).Exec("UPDATE awareness_state SET lease_owner = '', lease_until = NULL WHERE id = 1 AND lease_owner = ?", owner)
		}
	}()
	next := live + 1
	renew := func(tx *gorm.DB) error {
		r := tx.Exec("UPDATE awareness_state SET lease_until = ? WHERE id = 1 AND lease_owner = ?", time.Now().UTC().Add(LeaseFor), owner)
		if r.Error != nil {
			return r.Error
		}
		if r.RowsAffected != 1 {
			return errLeaseLost
		}
		return nil
	}
	report(Progress{Phase: "cleanup"})
	if err := s.emptyFirsts(ctx, next); err != nil {
		return res, fmt.Errorf("awareness: rebuild: clear leftovers: %w", err)
	}
	if err := s.deleteGens(ctx, "gen <> ?", live, renew); err != nil {
		return res, fmt.Errorf("awareness: rebuild: clear leftovers: %w", err)
	}
	total, err := quiz.CountAttempts(db)
	if err != nil {
		return res, fmt.Errorf("awareness: rebuild: %w", err)
	}

	// 2. The stream: two passes over the attempts in primary-key order
	// (sequential reads of the table, bounded pages).
	batch := s.RebuildBatch
	if batch <= 0 {
		batch = RebuildBatch
	}
	t := newTally(nil)
	// Pass 1 reads the light columns and finds each resident's first valid
	// attempt of each period: the earliest submission, then the lowest id,
	// as the fold counts them. The pending attempts it sees are the ones the
	// new generation holds; any other pending attempt (submitted after pass
	// 1 passed it) is left to the catch-up, as a fold would take it.
	read := map[int64]bool{}
	cands := make([]candidate, 0, 2*total+16)
	for after := int64(0); ; {
		rows, err := quiz.CountingPage(db, after, 4*batch, true)
		if err != nil {
			return res, fmt.Errorf("awareness: rebuild: read attempts: %w", err)
		}
		if len(rows) == 0 {
			break
		}
		for _, r := range rows {
			if r.Pending {
				read[r.ID] = true
			}
			if r.Invalid {
				continue
			}
			for _, p := range PeriodsOf(r.SubmittedAt) {
				cands = append(cands, candidate{key: winnerKey(r.UserID, t.words.id(p)), at: r.SubmittedAt.UnixNano(), id: r.ID})
			}
		}
		after = rows[len(rows)-1].ID
		res.Attempts += int64(len(rows))
		if err := renew(db); err != nil {
			return res, fmt.Errorf("awareness: rebuild: %w", err)
		}
		report(Progress{Phase: "scan", Read: res.Attempts, Total: total})
	}
	winners := firstsOf(cands)
	cands = nil
	res.Firsts = int64(len(winners))
	// The markers are written while pass 2 reads, and pass 2 reads its next
	// page while it counts this one: the database and the counting take
	// turns otherwise, and a city's rebuild is about as much of one as of
	// the other. Both stop when the rebuild returns.
	wctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() { stop(); wg.Wait() }()
	periods := slices.Clone(t.words.names) // pass 2 adds words as it counts
	firstsDone := make(chan error, 1)
	wg.Add(2)
	go func() {
		defer wg.Done()
		firstsDone <- s.writeFirsts(wctx, periods, winners, next, renew)
	}()
	pages := make(chan countPage, 1)
	go func() {
		defer wg.Done()
		s.readPages(wctx, batch, read, pages)
	}()
	// Pass 2 reads the attempts pass 1 saw again, whole, with their answers,
	// and counts each in the periods it won.
	t.first = func(user int64, period uint32, id int64) bool {
		k := winnerKey(user, period)
		i := sort.Search(len(winners), func(i int) bool { return winners[i].key >= k })
		return i < len(winners) && winners[i].key == k && winners[i].id == id
	}
	var counted int64
	for pg := range pages {
		if pg.err != nil {
			return res, fmt.Errorf("awareness: rebuild: %w", pg.err)
		}
		for _, r := range pg.held {
			t.add(r, pg.answers[r.ID])
		}
		counted += int64(pg.read)
		if err := renew(db); err != nil {
			return res, fmt.Errorf("awareness: rebuild: %w", err)
		}
		report(Progress{Phase: "count", Read: counted, Total: res.Attempts})
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	if err := <-firstsDone; err != nil {
		return res, fmt.Errorf("awareness: rebuild: write markers: %w", err)
	}
	winners = nil
	report(Progress{Phase: "write", Read: counted, Total: res.Attempts})
	n, err := s.writeTally(ctx, t, next, renew)
	if err != nil {
		return res, fmt.Errorf("awareness: rebuild: write counters: %w", err)
	}
	res.Rows = n
	t = nil

	// 3. Catch up with the submissions made while streaming.
	report(Progress{Phase: "catch-up", Read: res.Attempts, Total: total})
	for round := 0; round < 10; round++ {
		unread, err := s.unreadPending(db, read)
		if err != nil {
			return res, fmt.Errorf("awareness: rebuild: %w", err)
		}
		if len(unread) == 0 {
			break
		}
		for i := 0; i < len(unread); i += FoldBatch {
			chunk := unread[i:min(i+FoldBatch, len(unread))]
			err := s.db.Tx(ctx, func(tx *gorm.DB) error {
				if err := renew(tx); err != nil {
					return err
				}
				rows, err := quiz.AttemptsByID(tx, chunk)
				if err != nil {
					return err
				}
				return foldInto(tx, next, rows, true)
			})
			if err != nil {
				return res, fmt.Errorf("awareness: rebuild: catch up: %w", err)
			}
			for _, id := range chunk {
				read[id] = true
			}
			res.CaughtUp += int64(len(chunk))
		}
		if len(unread) < FoldBatch {
			break
		}
	}

	// 4. The switch.
	report(Progress{Phase: "switch", Read: res.Attempts, Total: total})
	err = s.db.Tx(ctx, func(tx *gorm.DB) error {
		r := tx.Exec("UPDATE awareness_state SET gen = ?, folds = folds + 1, lease_owner = '', lease_until = NULL WHERE id = 1 AND gen = ? AND lease_owner = ?", next, live, owner)
		if r.Error != nil {
			return r.Error
		}
		if r.RowsAffected != 1 {
			return errLeaseLost
		}
		pending, err := quiz.PendingIDs(tx)
		if err != nil {
			return err
		}
		var unread []int64
		for _, id := range pending {
			if !read[id] {
				unread = append(unread, id)
			}
		}
		rows, err := quiz.AttemptsByID(tx, unread)
		if err != nil {
			return err
		}
		if err := foldInto(tx, next, rows, true); err != nil {
			return err
		}
		res.CaughtUp += int64(len(rows))
		for i := 0; i < len(pending); i += FoldBatch {
			chunk := pending[i:min(i+FoldBatch, len(pending))]
			folded, err := quiz.MarkFolded(tx, chunk)
			if err != nil {
				return err
			}
			if folded != int64(len(chunk)) {
				return errors.New("awareness: rebuild: attempts were folded during the switch")
			}
		}
		return nil
	})
	if err != nil {
		return res, fmt.Errorf("awareness: rebuild: switch: %w", err)
	}
	switched = true
	res.Gen = next

	// 5. The old generation goes, in batches; a failure here leaves rows
	// nobody reads, deleted by the next rebuild.
	report(Progress{Phase: "cleanup", Read: res.Attempts, Total: total})
	if err := s.emptyFirsts(ctx, live); err != nil {
		return res, fmt.Errorf("awareness: rebuild: delete the old generation: %w", err)
	}
	if err := s.deleteGens(ctx, "gen = ?", live, nil); err != nil {
		return res, fmt.Errorf("awareness: rebuild: delete the old generation: %w", err)
	}
	res.Duration = time.Since(start)
	report(Progress{Phase: "done", Read: res.Attempts, Total: total})
	return res, nil
}

// candidate is a valid attempt of a resident in a period (key).
type candidate struct {
	key    uint64
	at, id int64
}

// winnerKey packs a resident and a period number.
func winnerKey(user int64, period uint32) uint64 { return uint64(user)<<16 | uint64(period) }

// firstsOf keeps each key's earliest candidate (by submission, then id),
// sorted by key, in place.
func firstsOf(cands []candidate) []candidate {
	slices.SortFunc(cands, func(a, b candidate) int {
		return cmp.Or(cmp.Compare(a.key, b.key), cmp.Compare(a.at, b.at), cmp.Compare(a.id, b.id))
	})
	out := cands[:0]
	for i, c := range cands {
		if i == 0 || c.key != cands[i-1].key {
			out = append(out, c)
		}
	}
	return slices.Clip(out)
}

// writeFirsts writes the markers of generation gen: plain inserts, ten
// statements a transaction.
func (s *Service) writeFirsts(ctx context.Context, periods []string, winners []candidate, gen int64, renew func(*gorm.DB) error) error {
	each := 10 * InsertChunk
	rows := make([]*First, 0, each)
	for i := 0; i < len(winners); i += each {
		rows = rows[:0]
		for _, w := range winners[i:min(i+each, len(winners))] {
			rows = append(rows, &First{Gen: gen, Period: periods[w.key&0xffff], UserID: int64(w.key >> 16), AttemptID: w.id})
		}
		err := s.db.Tx(ctx, func(tx *gorm.DB) error {
			if err := renew(tx); err != nil {
				return err
			}
			return insertRows(tx, firstTable(gen), firstCols, rows, firstValues)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// countPage is a page of pass 2: the attempts to count (those pass 1 saw)
// with their answers, how many the page read, or the error that ended the
// reading.
type countPage struct {
	held    []quiz.Counted
	answers map[int64][]quiz.TypeCount
	read    int
	err     error
}

// readPages reads pass 2's pages in primary-key order into pages, and
// closes it at the end, after an error or when ctx ends. Of the attempts
// still pending it keeps only those pass 1 saw (read): the catch-up folds
// the others, as a fold would take them.
func (s *Service) readPages(ctx context.Context, batch int, read map[int64]bool, pages chan<- countPage) {
	defer close(pages)
	db := s.db.WithContext(ctx)
	send := func(p countPage) bool {
		select {
		case pages <- p:
			return true
		case <-ctx.Done():
			return false
		}
	}
	for after := int64(0); ; {
		rows, err := quiz.CountingPage(db, after, batch, false)
		if err != nil {
			send(countPage{err: fmt.Errorf("read attempts: %w", err)})
			return
		}
		if len(rows) == 0 {
			return
		}
		after = rows[len(rows)-1].ID
		held := rows[:0]
		var ids []int64
		for _, r := range rows {
			if r.Pending && !read[r.ID] {
				continue
			}
			held = append(held, r)
			if !r.Invalid {
				ids = append(ids, r.ID)
			}
		}
		answers, err := quiz.AnswersInRange(db, ids)
		if err != nil {
			send(countPage{err: fmt.Errorf("read answers: %w", err)})
			return
		}
		if !send(countPage{held: held, answers: answers, read: len(rows)}) {
			return
		}
	}
}

func newOwner() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// takeLease takes the rebuild lease (refused while another rebuild holds
// one) and returns the live generation. It waits for a fold in progress:
// both lock the state row.
func (s *Service) takeLease(ctx context.Context, owner string) (int64, error) {
	var st State
	err := s.db.Tx(ctx, func(tx *gorm.DB) error {
		now := time.Now().UTC()
		r := tx.Exec("UPDATE awareness_state SET lease_owner = ?, lease_until = ? WHERE id = 1 AND (lease_until IS NULL OR lease_until < ?)", owner, now.Add(LeaseFor), now)
		if r.Error != nil {
			return r.Error
		}
		if err := tx.Where("id = 1").Take(&st).Error; err != nil {
			return err
		}
		if r.RowsAffected != 1 {
			return fmt.Errorf("awareness: rebuild: another rebuild holds the lease until %s", st.LeaseUntil.Format(time.RFC3339))
		}
		return nil
	})
	return st.Gen, err
}

// unreadPending lists the pending attempts the new generation does not
// hold yet.
func (s *Service) unreadPending(db *gorm.DB, read map[int64]bool) ([]int64, error) {
	pending, err := quiz.PendingIDs(db)
	if err != nil {
		return nil, err
	}
	var out []int64
	for _, id := range pending {
		if !read[id] {
			out = append(out, id)
		}
	}
	return out, nil
}

// writeTally writes a rebuild's counters into generation gen: plain
// inserts, InsertChunk rows a statement, ten statements a transaction,
// each rollup dropped from memory once written.
func (s *Service) writeTally(ctx context.Context, t *tally, gen int64, renew func(*gorm.DB) error) (int64, error) {
	t.rollUp()
	var written int64
	each := 10 * InsertChunk
	rows := make([]*Rollup, 0, each)
	flush := func() error {
		if len(rows) == 0 {
			return nil
		}
		err := s.db.Tx(ctx, func(tx *gorm.DB) error {
			if err := renew(tx); err != nil {
				return err
			}
			return insertRows(tx, "awareness_rollups", rollupCols, rows, rollupValues)
		})
		written += int64(len(rows))
		rows = rows[:0]
		return err
	}
	for k, x := range t.rolls {
		rows = append(rows, t.row(gen, k, x))
		delete(t.rolls, k)
		if len(rows) == each {
			if err := flush(); err != nil {
				return written, err
			}
		}
	}
	return written, flush()
}

// emptyFirsts empties the markers table of generation gen's parity. Only a
// rebuild holding the lease calls it, for a generation no fold uses: the
// next one before it is written, the old one after the switch.
func (s *Service) emptyFirsts(ctx context.Context, gen int64) error {
	q := "TRUNCATE TABLE " + firstTable(gen)
	if s.db.Dialect == store.SQLite {
		q = "DELETE FROM " + firstTable(gen) // SQLite's truncate optimization
	}
	return s.db.WithContext(ctx).Exec(q).Error
}

// deleteGens deletes the rollups matching cond (on gen) in batches,
// renewing the lease between them when renew is given.
func (s *Service) deleteGens(ctx context.Context, cond string, gen int64, renew func(*gorm.DB) error) error {
	for _, table := range []string{"awareness_rollups"} {
		q := "DELETE FROM " + table + " WHERE " + cond + " LIMIT ?"
		if s.db.Dialect == store.SQLite {
			q = "DELETE FROM " + table + " WHERE rowid IN (SELECT rowid FROM " + table + " WHERE " + cond + " LIMIT ?)"
		}
		for {
			var n int64
			err := s.db.Tx(ctx, func(tx *gorm.DB) error {
				if renew != nil {
					if err := renew(tx); err != nil {
						return err
					}
				}
				r := tx.Exec(q, gen, deleteBatch)
				n = r.RowsAffected
				return r.Error
			})
			if err != nil {
				return fmt.Errorf("%s: %w", table, err)
			}
			if n < deleteBatch {
				break
			}
		}
	}
	return nil
}
