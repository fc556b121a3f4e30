package quiz

import (
	"context"
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
	var rows []Counted
	err := tx.Table("attempts").Select(countedColumns).Where("tally_pending = ?", true).
		Order("submitted_at, id").Limit(limit).Scan(&rows).Error
	return rows, err
}

// CountingAttempts lists every submitted attempt that counts for awareness,
// in submission order. Whether an attempt counts was decided when it was
// submitted, by its quiz and the assessment rule in force then
// (attempts.counting); it is never judged again by today's rule.
func CountingAttempts(tx *gorm.DB) ([]Counted, error) {
	var rows []Counted
	err := tx.Table("attempts").Select(countedColumns).
		Where("status = 'submitted' AND counting = ?", true).
		Order("submitted_at, id").Scan(&rows).Error
	return rows, err
}

// MarkFolded clears the pending flag of the attempts ids that still have
// it, and says how many did: fewer than len(ids) when another folder took
// some first.
func MarkFolded(tx *gorm.DB, ids []int64) (int64, error) {
	res := tx.Table("attempts").Where("id IN ? AND tally_pending = ?", ids, true).Update("tally_pending", false)
	return res.RowsAffected, res.Error
}

// AnswersByFraudType counts the answers of the given attempts (all when ids
// is nil) per attempt and fraud type: answered, correct. A batch's few
// thousand answers are read by primary key and counted here; a rebuild lets
// the database group the whole table.
func AnswersByFraudType(tx *gorm.DB, ids []int64) (map[int64]map[string][2]int64, error) {
	var rows []struct {
		AttemptID int64
		FraudType string
		Answered  int64
		Correct   int64
	}
	q := tx.Table("attempt_answers")
	if ids != nil {
		q = tx.Table(store.DialectOf(tx).ByPrimaryKey("attempt_answers")).Select("attempt_id, fraud_type, 1 AS answered, CASE WHEN correct THEN 1 ELSE 0 END AS correct").Where("attempt_id IN ?", ids)
	} else {
		q = q.Select("attempt_id, fraud_type, COUNT(*) AS answered, SUM(CASE WHEN correct THEN 1 ELSE 0 END) AS correct").Group("attempt_id, fraud_type")
	}
	if err := q.Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := map[int64]map[string][2]int64{}
	for _, a := range rows {
		if out[a.AttemptID] == nil {
			out[a.AttemptID] = map[string][2]int64{}
		}
		c := out[a.AttemptID][a.FraudType]
		out[a.AttemptID][a.FraudType] = [2]int64{c[0] + a.Answered, c[1] + a.Correct}
	}
	return out, nil
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
