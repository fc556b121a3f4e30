package awareness

import "gorm.io/gorm"

// AnsweredBy is a subquery, correlated on the outer query's column
// userColumn (a column name from code, never from input), that finds the
// resident's counted attempt submitted in period p: submitted, counting for
// awareness when it was submitted, and not left out as invalid — the
// attempts the figures are made of, read from the attempts themselves, so
// it holds whatever the counters' state. Under NOT EXISTS it keeps the
// residents who have not answered in p (a grid worker's door-to-door
// list); each outer row is one look-up by the attempts' user index.
func AnsweredBy(db *gorm.DB, userColumn string, p Period) *gorm.DB {
	return db.Table("attempts AS answered").Select("1").
		Where("answered.user_id = "+userColumn+" AND answered.status = ? AND answered.counting = ? AND answered.invalid = ? AND answered.submitted_at >= ? AND answered.submitted_at < ?",
			"submitted", true, false, p.Start, p.End)
}
