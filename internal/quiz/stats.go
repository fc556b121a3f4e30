package quiz

import (
	"context"
	"sort"

	"wuzha/internal/auth"
)

// QuestionStat is how one question fared in a quiz.
type QuestionStat struct {
	QuestionID int64   `json:"question_id"`
	Stem       string  `json:"stem"`
	FraudType  string  `json:"fraud_type"`
	Answered   int64   `json:"answered"`
	Correct    int64   `json:"correct"`
	Rate       float64 `json:"rate"`
}

// Stats are a quiz's figures for its editors.
type Stats struct {
	QuizID    int64          `json:"quiz_id"`
	Started   int64          `json:"started"`
	Submitted int64          `json:"submitted"`
	Invalid   int64          `json:"invalid"`
	Passed    int64          `json:"passed"`
	PassRate  *float64       `json:"pass_rate"` // passed ÷ valid submitted
	MeanScore *float64       `json:"mean_score"`
	Awards    int64          `json:"awards"`
	Redeemed  int64          `json:"redeemed"`
	Hardest   []QuestionStat `json:"hardest"`
}

// QuizStats counts attempts and finds the hardest questions of a quiz in
// scope (valid submitted attempts only for rates).
func (s *Service) QuizStats(ctx context.Context, c auth.Caller, quizID int64) (Stats, error) {
	q, err := s.loadQuiz(ctx, c, quizID)
	if err != nil {
		return Stats{}, err
	}
	db := s.db.WithContext(ctx)
	st := Stats{QuizID: q.ID, Hardest: []QuestionStat{}}
	var agg struct {
		Started, Submitted, Invalid, Passed int64
		ScoreSum                            *int64
	}
	err = db.Model(&Attempt{}).Select(`COUNT(*) AS started,
		SUM(CASE WHEN status = 'submitted' THEN 1 ELSE 0 END) AS submitted,
		SUM(CASE WHEN status = 'submitted' AND invalid THEN 1 ELSE 0 END) AS invalid,
		SUM(CASE WHEN status = 'submitted' AND NOT invalid AND passed THEN 1 ELSE 0 END) AS passed,
		SUM(CASE WHEN status = 'submitted' AND NOT invalid THEN score_tenths ELSE 0 END) AS score_sum`).
		Where("quiz_id = ?", q.ID).Scan(&agg).Error
	if err != nil {
		return st, err
	}
	st.Started, st.Submitted, st.Invalid, st.Passed = agg.Started, agg.Submitted, agg.Invalid, agg.Passed
	if valid := st.Submitted - st.Invalid; valid > 0 {
		r := float64(st.Passed) / float64(valid)
		st.PassRate = &r
		if agg.ScoreSum != nil {
			m := float64(*agg.ScoreSum) / 10 / float64(valid)
			st.MeanScore = &m
		}
	}
	if err := db.Model(&Award{}).Where("quiz_id = ?", q.ID).Count(&st.Awards).Error; err != nil {
		return st, err
	}
	if err := db.Model(&Award{}).Where("quiz_id = ? AND redeemed_at IS NOT NULL", q.ID).Count(&st.Redeemed).Error; err != nil {
		return st, err
	}
	var rows []struct {
		QuestionID int64
		Answered   int64
		Correct    int64
	}
	err = db.Table("attempt_answers").Select("attempt_answers.question_id, COUNT(*) AS answered, SUM(CASE WHEN attempt_answers.correct THEN 1 ELSE 0 END) AS correct").
		Joins("JOIN attempts ON attempts.id = attempt_answers.attempt_id").
		Where("attempts.quiz_id = ? AND NOT attempts.invalid", q.ID).Group("attempt_answers.question_id").Scan(&rows).Error
	if err != nil {
		return st, err
	}
	for _, r := range rows {
		qu, _, err := s.question(ctx, r.QuestionID)
		if err != nil {
			return st, err
		}
		st.Hardest = append(st.Hardest, QuestionStat{QuestionID: r.QuestionID, Stem: qu.Stem, FraudType: qu.FraudType, Answered: r.Answered, Correct: r.Correct, Rate: float64(r.Correct) / float64(r.Answered)})
	}
	sort.Slice(st.Hardest, func(i, j int) bool {
		if st.Hardest[i].Rate != st.Hardest[j].Rate {
			return st.Hardest[i].Rate < st.Hardest[j].Rate
		}
		return st.Hardest[i].QuestionID < st.Hardest[j].QuestionID
	})
	if len(st.Hardest) > 10 {
		st.Hardest = st.Hardest[:10]
	}
	return st, nil
}
