package awareness

import "gorm.io/gorm"

// AnsweredIn is the subquery of the residents (user ids) who have a counted
// attempt submitted in period p: submitted, counting for awareness when it
// was submitted, and not left out as invalid — the attempts the figures are
// made of, read from the attempts themselves, so it holds whatever the
// counters' state. A resident it does not name has not answered in p (a
// grid worker's door-to-door list).
func AnsweredIn(db *gorm.DB, p Period) *gorm.DB {
	return db.Table("attempts").Select("user_id").
		Where("status = ? AND counting = ? AND invalid = ? AND user_id IS NOT NULL AND submitted_at >= ? AND submitted_at < ?",
			"submitted", true, false, p.Start, p.End)
}
