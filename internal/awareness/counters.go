package awareness

import (
	"context"
	"fmt"
	"sort"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// The maintained counters: per period, per grid, per age band × occupation,
// the respondents, passed and score sum of counted attempts; per fraud type
// the answers; the invalid attempts left out; and which attempt was each
// resident's first in the period. They are kept in the submit transaction
// and can be rebuilt from the raw attempts at any time (Rebuild).
//
// Each counter is split over Shards rows picked by the attempt id: a busy
// grid's submissions then lock different rows instead of queueing on one,
// and readers sum the shards.

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

// Submission is what the counters need of a graded attempt.
type Submission struct {
	AttemptID   int64
	UserID      int64
	SubmittedAt time.Time
	GridPath    string
	AgeBand     string
	Occupation  string
	Passed      bool
	ScoreTenths int
	Invalid     bool
	Answers     map[string][2]int64 // fraud type → answered, correct
}

// Record updates the counters for one submission of a counting resident
// quiz, inside the submit transaction tx. A resident's first valid
// submission in a period claims the period's marker (a primary key, so
// concurrent submissions on any number of instances cannot both claim it);
// only the claimant is counted.
func Record(tx *gorm.DB, s Submission) error {
	periods := PeriodsOf(s.SubmittedAt)
	if s.Invalid {
		rows := make([]InvalidCell, len(periods))
		for i, p := range periods {
			rows[i] = InvalidCell{Period: p, GridPath: s.GridPath, Shard: shardOf(s.AttemptID), N: 1}
		}
		return tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "period"}, {Name: "grid_path"}, {Name: "shard"}},
			DoUpdates: clause.Assignments(map[string]any{"n": gorm.Expr("awareness_invalid.n + " + excluded(tx, "n"))})}).Create(&rows).Error
	}
	// Claim both periods' markers in one statement; the count of rows
	// inserted says which were claimed, except when it is one of two.
	markers := make([]First, len(periods))
	for i, p := range periods {
		markers[i] = First{Period: p, UserID: s.UserID, AttemptID: s.AttemptID}
	}
	res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&markers)
	if res.Error != nil {
		return res.Error
	}
	claimed := periods
	switch res.RowsAffected {
	case 0:
		return nil // a retake in both periods: not counted
	case int64(len(periods)):
	default:
		claimed = nil
		if err := tx.Model(&First{}).Where("user_id = ? AND attempt_id = ? AND period IN ?", s.UserID, s.AttemptID, periods).Pluck("period", &claimed).Error; err != nil {
			return err
		}
	}
	var cells []Cell
	var answers []AnswerCell
	for _, p := range claimed {
		cells = append(cells, Cell{Period: p, GridPath: s.GridPath, AgeBand: s.AgeBand, Occupation: s.Occupation, Shard: shardOf(s.AttemptID), Respondents: 1, Passed: b2i(s.Passed), ScoreTenths: int64(s.ScoreTenths)})
		answers = append(answers, answerCells(p, s.GridPath, s.AgeBand, shardOf(s.AttemptID), s.Answers)...)
	}
	// One multi-row upsert each for the cells and the answers of both periods.
	if len(cells) > 0 {
		err := tx.Clauses(clause.OnConflict{
			Columns: []clause.Column{{Name: "period"}, {Name: "grid_path"}, {Name: "age_band"}, {Name: "occupation"}, {Name: "shard"}},
			DoUpdates: clause.Assignments(map[string]any{
				"respondents": gorm.Expr("awareness_cells.respondents + " + excluded(tx, "respondents")), "passed": gorm.Expr("awareness_cells.passed + " + excluded(tx, "passed")),
				"score_tenths": gorm.Expr("awareness_cells.score_tenths + " + excluded(tx, "score_tenths"))}),
		}).Create(&cells).Error
		if err != nil {
			return err
		}
	}
	if len(answers) > 0 {
		return tx.Clauses(clause.OnConflict{
			Columns: []clause.Column{{Name: "period"}, {Name: "grid_path"}, {Name: "fraud_type"}, {Name: "age_band"}, {Name: "shard"}},
			DoUpdates: clause.Assignments(map[string]any{"answered": gorm.Expr("awareness_answers.answered + " + excluded(tx, "answered")),
				"correct": gorm.Expr("awareness_answers.correct + " + excluded(tx, "correct"))}),
		}).Create(&answers).Error
	}
	return nil
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

// answerCells are the answer counters of one submission, in a fixed order
// (so concurrent upserts lock rows in the same order and cannot deadlock).
func answerCells(period, grid, ageBand string, shard int, answers map[string][2]int64) []AnswerCell {
	types := make([]string, 0, len(answers))
	for ft := range answers {
		types = append(types, ft)
	}
	sort.Strings(types)
	out := make([]AnswerCell, 0, len(types))
	for _, ft := range types {
		a := answers[ft]
		out = append(out, AnswerCell{Period: period, GridPath: grid, FraudType: ft, AgeBand: ageBand, Shard: shard, Answered: a[0], Correct: a[1]})
	}
	return out
}

// Rebuild recomputes every counter from the raw attempts, in one
// transaction: `wuzha awareness rebuild`. Run it when no one is submitting
// (it replaces the counters wholesale).
func (s *Service) Rebuild(ctx context.Context) (int, error) {
	var rows []struct {
		ID          int64
		UserID      int64
		SubmittedAt time.Time
		GridPath    *string
		AgeBand     *string
		Occupation  *string
		Passed      bool
		ScoreTenths int
		Invalid     bool
	}
	err := s.db.WithContext(ctx).Table("attempts a").Select("a.id, a.user_id, a.submitted_at, a.grid_path, a.age_band, a.occupation, a.passed, a.score_tenths, a.invalid").
		Joins("JOIN quizzes q ON q.id = a.quiz_id").
		Where("a.status = 'submitted' AND q.audience = 'residents' AND q.counts_for_awareness = ?", true).
		Order("a.submitted_at, a.id").Scan(&rows).Error
	if err != nil {
		return 0, fmt.Errorf("awareness: rebuild: %w", err)
	}
	answers := map[int64]map[string][2]int64{}
	var ans []struct {
		AttemptID int64
		FraudType string
		Answered  int64
		Correct   int64
	}
	err = s.db.WithContext(ctx).Table("attempt_answers").Select("attempt_id, fraud_type, COUNT(*) AS answered, SUM(CASE WHEN correct THEN 1 ELSE 0 END) AS correct").
		Group("attempt_id, fraud_type").Scan(&ans).Error
	if err != nil {
		return 0, err
	}
	for _, a := range ans {
		if answers[a.AttemptID] == nil {
			answers[a.AttemptID] = map[string][2]int64{}
		}
		answers[a.AttemptID][a.FraudType] = [2]int64{a.Answered, a.Correct}
	}
	firsts := map[[2]any]bool{}
	var fs []First
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
	cells := map[cellKey]*Cell{}
	acells := map[answerKey]*AnswerCell{}
	inv := map[invalidKey]*InvalidCell{}
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	for _, r := range rows {
		grid, shard := str(r.GridPath), shardOf(r.ID)
		for _, p := range PeriodsOf(r.SubmittedAt) {
			if r.Invalid {
				k := invalidKey{p, grid, shard}
				if inv[k] == nil {
					inv[k] = &InvalidCell{Period: p, GridPath: grid, Shard: shard}
				}
				inv[k].N++
				continue
			}
			if firsts[[2]any{p, r.UserID}] {
				continue
			}
			firsts[[2]any{p, r.UserID}] = true
			fs = append(fs, First{Period: p, UserID: r.UserID, AttemptID: r.ID})
			k := cellKey{p, grid, str(r.AgeBand), str(r.Occupation), shard}
			if cells[k] == nil {
				cells[k] = &Cell{Period: p, GridPath: grid, AgeBand: k.age, Occupation: k.occ, Shard: shard}
			}
			c := cells[k]
			c.Respondents++
			c.Passed += b2i(r.Passed)
			c.ScoreTenths += int64(r.ScoreTenths)
			for ft, a := range answers[r.ID] {
				ak := answerKey{p, grid, ft, str(r.AgeBand), shard}
				if acells[ak] == nil {
					acells[ak] = &AnswerCell{Period: p, GridPath: grid, FraudType: ft, AgeBand: ak.age, Shard: shard}
				}
				acells[ak].Answered += a[0]
				acells[ak].Correct += a[1]
			}
		}
	}
	err = s.db.Tx(ctx, func(tx *gorm.DB) error {
		for _, t := range []string{"awareness_first", "awareness_cells", "awareness_answers", "awareness_invalid"} {
			if err := tx.Exec("DELETE FROM " + t).Error; err != nil {
				return err
			}
		}
		if err := insertAll(tx, fs); err != nil {
			return err
		}
		if err := insertAll(tx, values(cells)); err != nil {
			return err
		}
		if err := insertAll(tx, values(acells)); err != nil {
			return err
		}
		return insertAll(tx, values(inv))
	})
	return len(fs), err
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
