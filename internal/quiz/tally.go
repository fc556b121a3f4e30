package quiz

import (
	"context"
	"database/sql"
	"time"

	"gorm.io/gorm"

	"wuzha/internal/store"
)

// The awareness counters are folded from submitted attempts. quiz owns the
// attempts and their answers, so the reads (and the one flag) the fold and
// the rebuild need are here; each takes the caller's transaction, so a
// batch is claimed, read and counted in one.

// Counted is what the awareness counters need of a submitted attempt.
type Counted struct {
	ID          int64
	UserID      int64
	SubmittedAt time.Time
	GridPath    *string
	AgeBand     *string
	Occupation  *string
	Passed      bool
	ScoreTenths int
	Invalid     bool
	Pending     bool // not yet folded into the counters
}

const countedColumns = "id, user_id, submitted_at, grid_path, age_band, occupation, passed, score_tenths, invalid, tally_pending AS pending"

// PendingAttempts lists up to limit attempts waiting to be folded into the
// counters, oldest submission first.
func PendingAttempts(tx *gorm.DB, limit int) ([]Counted, error) {
	return scanCounted(tx.Table("attempts").Select(countedColumns).Where("tally_pending = ?", true).
		Order("submitted_at, id").Limit(limit), false)
}

// scanCounted reads the attempts q selects (countedColumns, or with light
// only id, user_id, submitted_at, invalid and pending), scanned by hand
// rather than into structs by reflection: folds and rebuilds read every
// attempt of a city's quarter through here. Grid paths, age bands and
// occupations repeat across attempts and are kept once each.
func scanCounted(q *gorm.DB, light bool) ([]Counted, error) {
	rows, err := q.Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	words := map[string]*string{}
	word := func(b sql.RawBytes) *string {
		if b == nil { // NULL
			return nil
		}
		if p, ok := words[string(b)]; ok {
			return p
		}
		s := string(b)
		words[s] = &s
		return &s
	}
	var (
		out                   []Counted
		grid, age, occupation sql.RawBytes
		score                 sql.NullInt64
		passed                sql.NullBool
	)
	for rows.Next() {
		var c Counted
		if light {
			err = rows.Scan(&c.ID, &c.UserID, &c.SubmittedAt, &c.Invalid, &c.Pending)
		} else {
			err = rows.Scan(&c.ID, &c.UserID, &c.SubmittedAt, &grid, &age, &occupation, &passed, &score, &c.Invalid, &c.Pending)
			c.GridPath, c.AgeBand, c.Occupation = word(grid), word(age), word(occupation)
			c.Passed, c.ScoreTenths = passed.Bool, int(score.Int64)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// CountingPage lists up to limit counting attempts with ids above afterID,
// by id: the rebuild walks the table in primary-key order, in bounded pages.
// Whether an attempt counts was decided when it was submitted, by its quiz
// and the assessment rule in force then (attempts.counting); it is never
// judged again by today's rule. With light, only the columns that decide a
// resident's first attempt are read (id, user, submission time, invalid,
// pending).
func CountingPage(tx *gorm.DB, afterID int64, limit int, light bool) ([]Counted, error) {
	cols := countedColumns
	if light {
		cols = "id, user_id, submitted_at, invalid, tally_pending AS pending"
	}
	return scanCounted(tx.Table("attempts").Select(cols).Where("id > ? AND status = 'submitted' AND counting = ?", afterID, true).
		Order("id").Limit(limit), light)
}

// CountAttempts counts every attempt, submitted or not: a rebuild's
// progress total, an upper bound of the counting attempts it reads. The
// database counts it from the smallest index in a second at a city's size;
// counting only the counting attempts scanned the whole table (nine
// seconds at a million attempts).
func CountAttempts(tx *gorm.DB) (int64, error) {
	var n int64
	err := tx.Table("attempts").Count(&n).Error
	return n, err
}

// PendingIDs lists every attempt waiting to be folded.
func PendingIDs(tx *gorm.DB) ([]int64, error) {
	var ids []int64
	err := tx.Table("attempts").Where("tally_pending = ?", true).Pluck("id", &ids).Error
	return ids, err
}

// AnyPending says whether any attempt waits to be folded: one index probe.
func AnyPending(tx *gorm.DB) (bool, error) {
	var ids []int64
	err := tx.Table("attempts").Where("tally_pending = ?", true).Limit(1).Pluck("id", &ids).Error
	return len(ids) > 0, err
}

// AttemptsByID reads the given attempts, oldest submission first.
func AttemptsByID(tx *gorm.DB, ids []int64) ([]Counted, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	return scanCounted(tx.Table("attempts").Select(countedColumns).Where("id IN ?", ids).Order("submitted_at, id"), false)
}

// MarkFolded clears the pending flag of the attempts ids that still have
// it, and says how many did: fewer than len(ids) when another folder took
// some first.
func MarkFolded(tx *gorm.DB, ids []int64) (int64, error) {
	res := tx.Table("attempts").Where("id IN ? AND tally_pending = ?", ids, true).Update("tally_pending", false)
	return res.RowsAffected, res.Error
}

// TypeCount is how an attempt's answers on one fraud type went.
type TypeCount struct {
	FraudType         string
	Answered, Correct int64
}

// AnswersByFraudType counts the answers of the given attempts per attempt
// and fraud type. They are read by primary key and counted here.
func AnswersByFraudType(tx *gorm.DB, ids []int64) (map[int64][]TypeCount, error) {
	return answersByFraudType(tx, ids, false)
}

// AnswersInRange is AnswersByFraudType for ids sorted ascending, read as one
// range of the primary key from the first id to the last (the rebuild's
// pages are ranges of ids: one sequential read instead of an index dive per
// attempt); answers of other attempts in the range are skipped.
func AnswersInRange(tx *gorm.DB, ids []int64) (map[int64][]TypeCount, error) {
	return answersByFraudType(tx, ids, true)
}

func answersByFraudType(tx *gorm.DB, ids []int64, asRange bool) (map[int64][]TypeCount, error) {
	out := make(map[int64][]TypeCount, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	q := tx.Table(store.DialectOf(tx).ByPrimaryKey("attempt_answers")).Select("attempt_id, fraud_type, correct").Order("attempt_id")
	want := map[int64]bool{}
	if asRange {
		for _, id := range ids {
			want[id] = true
		}
		q = q.Where("attempt_id >= ? AND attempt_id <= ?", ids[0], ids[len(ids)-1])
	} else {
		q = q.Where("attempt_id IN ?", ids)
	}
	// Scanned by hand into one backing array, not into structs and a map
	// per attempt: a rebuild reads every answer of the city's quarter
	// (millions) through here. Rows come by attempt, so each attempt's
	// counts are one stretch of the array; the fraud types are a handful
	// of codes, each kept once.
	rows, err := q.Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	types := map[string]string{}
	all := make([]TypeCount, 0, 5*len(ids))
	var (
		id, cur int64 = 0, -1
		from    int
		ft      sql.RawBytes
		correct bool
	)
	flush := func() {
		if cur >= 0 {
			out[cur] = all[from:len(all):len(all)]
		}
	}
	for rows.Next() {
		if err := rows.Scan(&id, &ft, &correct); err != nil {
			return nil, err
		}
		if asRange && !want[id] {
			continue
		}
		if id != cur {
			flush()
			cur, from = id, len(all)
		}
		name, ok := types[string(ft)]
		if !ok {
			name = string(ft)
			types[name] = name
		}
		i := from
		for i < len(all) && all[i].FraudType != name {
			i++
		}
		if i == len(all) {
			all = append(all, TypeCount{FraudType: name})
		}
		all[i].Answered++
		if correct {
			all[i].Correct++
		}
	}
	flush()
	return out, rows.Err()
}

// SessionCount is what a grid session's worker sees of the attempts made
// through it.
type SessionCount struct {
	Participants int64 // attempts started through the session
	Submitted    int64
	Passed       int64 // submitted, passed and not left out as invalid
}

// SessionCounts counts the attempts made through session id.
func (s *Service) SessionCounts(ctx context.Context, sessionID int64) (SessionCount, error) {
	var c SessionCount
	err := s.db.WithContext(ctx).Table("attempts").Select(`COUNT(*) AS participants,
		SUM(CASE WHEN status = 'submitted' THEN 1 ELSE 0 END) AS submitted,
		SUM(CASE WHEN status = 'submitted' AND passed AND NOT invalid THEN 1 ELSE 0 END) AS passed`).
		Where("session_id = ?", sessionID).Scan(&c).Error
	return c, err
}
