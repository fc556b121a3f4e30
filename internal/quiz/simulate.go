package quiz

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"time"

	"gorm.io/gorm"

	"wuzha/internal/rule"
)

// Simulated attempts: `wuzha seed --demo` fills a trial installation with a
// quarter of activity. Starting and submitting a few thousand attempts one
// request at a time would take minutes, so the demo builds each attempt here
// with the same draw and grading as Start and Submit, and RecordSimulated
// writes them in bulk with the same rows those two would have written: the
// served questions, the graded answers, the counting decision by the rule in
// force, the pending flag for the awareness fold and the prize draw.

// Simulated is one attempt a simulated respondent started and submitted.
type Simulated struct {
	Attempt Attempt
	Answers []AttemptAnswer
}

// Simulate draws q's questions for r as Start would, answers each one right
// when knows(fraud type) says so (otherwise with a plausible wrong choice),
// and grades the answers as Submit would. The attempt is started at started
// and submitted took later; it is invalid when took is below the quiz's
// minimum seconds per question. attemptNo is the resident's attempt number
// in q.
func (s *Service) Simulate(ctx context.Context, q Quiz, userID int64, attemptNo int, r Respondent, started time.Time, took time.Duration,
	knows func(fraudType string) bool, rng *rand.Rand) (Simulated, error) {
	srv, _, err := s.draw(ctx, q, r)
	if err != nil {
		return Simulated{}, err
	}
	answers := make([]Answer, 0, len(srv))
	for _, sv := range srv {
		answers = append(answers, Answer{QuestionID: sv.QuestionID, Keys: simulatedKeys(sv, knows(sv.FraudType), rng)})
	}
	given, err := checkAnswers(srv, answers, false)
	if err != nil {
		return Simulated{}, err
	}
	rows := make([]AttemptAnswer, len(srv))
	correct := 0
	for i, sv := range srv {
		qr, row, err := s.grade(ctx, 0, sv, given[sv.QuestionID])
		if err != nil {
			return Simulated{}, err
		}
		if qr.Correct {
			correct++
		}
		rows[i] = row
	}
	raw, _ := json.Marshal(srv)
	started = started.UTC()
	submitted := started.Add(took)
	tenths := int(math.Round(float64(correct) * 1000 / float64(len(srv))))
	passed := tenths >= q.PassScore*10
	a := Attempt{QuizID: q.ID, UserID: userID, AttemptNo: attemptNo, SessionID: r.SessionID, GridCode: optional(r.GridCode), GridPath: optional(r.GridPath),
		AgeBand: optional(r.AgeBand), Occupation: optional(r.Occupation), Status: Submitted, Served: string(raw),
		StartedAt: started, Deadline: started.Add(time.Duration(q.TimeLimitS) * time.Second), SubmittedAt: &submitted,
		ScoreTenths: &tenths, Passed: &passed}
	if minDur := time.Duration(int64(q.MinSecondsPerQuestion)*int64(len(srv))) * time.Second; took < minDur {
		a.Invalid, a.InvalidReason = true, fmt.Sprintf("用时过短：%d 道题用了 %.1f 秒，少于每题至少 %d 秒，本次作答不计入知晓率、不参与抽奖", len(srv), took.Seconds(), q.MinSecondsPerQuestion)
	}
	key := fmt.Sprintf("%016x%016x", rng.Uint64(), rng.Uint64()) // made on the phone, as the app makes it
	hash := answersHash(answers)
	a.IdempotencyKey, a.SubmitHash = &key, &hash
	return Simulated{Attempt: a, Answers: rows}, nil
}

// simulatedKeys is a respondent's choice, in served keys: the right one, or
// a wrong one near it (another option; for a multiple choice, one key too
// few or one too many).
func simulatedKeys(sv served, right bool, rng *rand.Rand) []string {
	var want, wrong []string
	for j, k := range sv.Order {
		if contains(sv.Answer, k) {
			want = append(want, optionKeys[j])
		} else {
			wrong = append(wrong, optionKeys[j])
		}
	}
	if right || len(wrong) == 0 && len(want) <= 1 {
		return want
	}
	var out []string
	switch {
	case sv.Kind != Multiple:
		out = []string{wrong[rng.IntN(len(wrong))]}
	case len(want) > 1 && (len(wrong) == 0 || rng.IntN(2) == 0):
		drop := rng.IntN(len(want))
		out = append(append(out, want[:drop]...), want[drop+1:]...)
	default:
		out = append(append(out, want...), wrong[rng.IntN(len(wrong))])
	}
	sort.Strings(out)
	return out
}

// CreateSimulatedQuiz stores a published quiz of the demo with its prize pools.
func (s *Service) CreateSimulatedQuiz(tx *gorm.DB, q *Quiz, pools []PrizePool) error {
	if err := tx.Create(q).Error; err != nil {
		return err
	}
	for i := range pools {
		pools[i].QuizID = q.ID
		if err := createPool(tx, &pools[i]); err != nil {
			return err
		}
	}
	s.quizzes.mu.Lock()
	delete(s.quizzes.items, q.ID)
	s.quizzes.mu.Unlock()
	return nil
}

// RecordSimulated writes simulated attempts of q, in submission order, as
// Submit would have: whether each counts is decided by the rule in force
// (read in tx), a counting one is left pending for the awareness fold, and
// each valid one draws for the quiz's prizes at its submission time. It sets
// the attempts' ids.
func (s *Service) RecordSimulated(tx *gorm.DB, q Quiz, sims []Simulated) error {
	r, err := rule.Load(tx)
	if err != nil {
		return err
	}
	counting := q.Audience == Residents && q.CountsForAwareness && r.Admits(q.PassScore, q.QuestionCount, q.MinSecondsPerQuestion)
	var pools []PrizePool
	if err := tx.Where("quiz_id = ?", q.ID).Order("min_score DESC, id").Find(&pools).Error; err != nil {
		return err
	}
	sort.SliceStable(sims, func(i, j int) bool { return sims[i].Attempt.SubmittedAt.Before(*sims[j].Attempt.SubmittedAt) })
	// Statements of about a thousand parameters: the SQLite driver binds
	// parameters in time that grows faster than their number.
	const batch = 40
	for from := 0; from < len(sims); from += batch {
		part := sims[from:min(from+batch, len(sims))]
		rows := make([]Attempt, len(part))
		for i := range part {
			part[i].Attempt.Counting, part[i].Attempt.TallyPending = counting, counting
			rows[i] = part[i].Attempt
		}
		if err := tx.Create(&rows).Error; err != nil {
			return fmt.Errorf("quiz: simulated attempts: %w", err)
		}
		var answers []AttemptAnswer
		for i := range part {
			part[i].Attempt.ID = rows[i].ID
			for j := range part[i].Answers {
				part[i].Answers[j].AttemptID = rows[i].ID
			}
			answers = append(answers, part[i].Answers...)
		}
		for a := 0; a < len(answers); a += 200 {
			if err := insertAnswers(tx, answers[a:min(a+200, len(answers))]); err != nil {
				return fmt.Errorf("quiz: simulated answers: %w", err)
			}
		}
		for _, sm := range part {
			if sm.Attempt.Invalid || len(pools) == 0 {
				continue
			}
			if _, err := s.drawPrize(tx, pools, sm.Attempt, *sm.Attempt.ScoreTenths, *sm.Attempt.SubmittedAt); err != nil {
				return err
			}
		}
	}
	return nil
}
