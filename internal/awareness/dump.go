package awareness

import (
	"context"
	"fmt"
	"sort"

	"gorm.io/gorm"
)

// Dump lists the live generation's counters (every level of the area tree,
// the markers too) as sorted lines without their generation number,
// leaving out counts that are all zero (a rebuild that counts a resident's
// earlier attempt instead of a later one can leave them): two dumps are
// equal when the figures they make are. Tests and the city benchmark
// compare maintained counters with rebuilt ones through it.
func Dump(ctx context.Context, db *gorm.DB) ([]string, error) {
	db = db.WithContext(ctx)
	var st State
	if err := db.Where("id = 1").Take(&st).Error; err != nil {
		return nil, err
	}
	var out []string
	var rolls []Rollup
	if err := db.Where("gen = ?", st.Gen).Find(&rolls).Error; err != nil {
		return nil, err
	}
	for _, r := range rolls {
		cells, err := UnpackCells(r.Cells)
		if err != nil {
			return nil, err
		}
		for _, c := range cells {
			if c.Respondents != 0 {
				out = append(out, fmt.Sprintf("cell %s %s %+v", r.Period, r.AreaPath, c))
			}
		}
		answers, err := UnpackAnswers(r.Answers)
		if err != nil {
			return nil, err
		}
		for _, a := range answers {
			if a.Answered != 0 {
				out = append(out, fmt.Sprintf("answers %s %s %+v", r.Period, r.AreaPath, a))
			}
		}
		if r.Respondents != 0 || r.Invalid != 0 {
			out = append(out, fmt.Sprintf("total %s %s %d %d %d %d", r.Period, r.AreaPath, r.Respondents, r.Passed, r.ScoreTenths, r.Invalid))
		}
	}
	rows, err := db.Table(firstTable(st.Gen)).Select("period", "user_id", "attempt_id").Where("gen = ?", st.Gen).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var f First
		if err := rows.Scan(&f.Period, &f.UserID, &f.AttemptID); err != nil {
			return nil, err
		}
		out = append(out, fmt.Sprintf("first %s %d %d", f.Period, f.UserID, f.AttemptID))
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sort.Strings(out)
	return out, nil
}
