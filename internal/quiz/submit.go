package quiz

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"wuzha/internal/auth"
	"wuzha/internal/rule"
)

// Submitting: grading on the server, the prize draw, and the answer to
// every retry of a submission.

// QuestionResult is one graded question of a submitted attempt.
type QuestionResult struct {
	QuestionID  int64    `json:"question_id"`
	Correct     bool     `json:"correct"`
	Answer      []string `json:"answer"`      // the right keys, as served
	YourAnswer  []string `json:"your_answer"` // the keys given, as served
	Explanation string   `json:"explanation"`
	WarningIDs  []int64  `json:"warning_ids"`
}

// PrizeWon is the prize a submission won.
type PrizeWon struct {
	Name string `json:"name"`
	Code string `json:"code"`
}

// Result is what submitting answers (and every retry of it) answers.
type Result struct {
	AttemptID     int64            `json:"attempt_id"`
	Score         float64          `json:"score"`
	Passed        bool             `json:"passed"`
	PassScore     int              `json:"pass_score"`
	Invalid       bool             `json:"invalid"`
	InvalidReason string           `json:"invalid_reason,omitempty"`
	InvalidCode   string           `json:"invalid_code,omitempty"` // too_fast; stable for clients
	Results       []QuestionResult `json:"results"`
	Prize         *PrizeWon        `json:"prize"`
}

// Submit grades an attempt on the server. A retry with the same
// Idempotency-Key and the same answers gets the first result; the same key
// with other answers gets idempotency_key_reused; any other second submission
// gets already_submitted. Grading, the prize draw and the attempt's update are one
// transaction, and the update is conditional on the attempt still being
// open, so concurrent submissions grade it exactly once.
func (s *Service) Submit(ctx context.Context, c auth.Caller, id int64, key string, answers []Answer) (Result, error) {
	if key == "" || len(key) > 100 {
		return Result{}, ErrKeyRequired
	}
	a, err := s.ownAttempt(ctx, c, id)
	if err != nil {
		return Result{}, err
	}
	return s.submit(ctx, c, a, key, answers)
}

// SubmitRead is Submit of an attempt read with the caller's sign-in
// (AttemptRow); found says whether the caller has it (a may be nil when
// not).
func (s *Service) SubmitRead(ctx context.Context, c auth.Caller, a *Attempt, found bool, key string, answers []Answer) (Result, error) {
	if key == "" || len(key) > 100 {
		return Result{}, ErrKeyRequired
	}
	if !found || a.UserID != c.UserID {
		return Result{}, ErrNotFound
	}
	return s.submit(ctx, c, *a, key, answers)
}

func (s *Service) submit(ctx context.Context, c auth.Caller, a Attempt, key string, answers []Answer) (Result, error) {
	if a.Status != Open {
		return s.replay(ctx, a, key, answers)
	}
	now := s.now().UTC()
	if now.After(a.Deadline.Add(submitGrace)) {
		return Result{}, ErrDeadlinePassed
	}
	cq, err := s.cachedQuiz(ctx, a.QuizID)
	if err != nil {
		return Result{}, err
	}
	q := cq.quiz
	var srv []served
	if err := json.Unmarshal([]byte(a.Served), &srv); err != nil {
		return Result{}, err
	}
	given, err := checkAnswers(srv, answers, false)
	if err != nil {
		return Result{}, err
	}
	res := Result{AttemptID: a.ID, PassScore: q.PassScore, Results: make([]QuestionResult, len(srv))}
	rows := make([]AttemptAnswer, len(srv))
	correct := 0
	for i, sv := range srv {
		qr, row, err := s.grade(ctx, a.ID, sv, given[sv.QuestionID])
		if err != nil {
			return Result{}, err
		}
		if qr.Correct {
			correct++
		}
		res.Results[i], rows[i] = qr, row
	}
	// Score: the percentage of questions answered fully correctly, one decimal.
	tenths := int(math.Round(float64(correct) * 1000 / float64(len(srv))))
	res.Score = float64(tenths) / 10
	res.Passed = tenths >= q.PassScore*10
	if minDur := time.Duration(int64(q.MinSecondsPerQuestion)*int64(len(srv))) * time.Second; now.Sub(a.StartedAt) < minDur {
		res.Invalid, res.InvalidReason = true, fmt.Sprintf("用时过短：%d 道题用了 %.1f 秒，少于每题至少 %d 秒，本次作答不计入知晓率、不参与抽奖", len(srv), now.Sub(a.StartedAt).Seconds(), q.MinSecondsPerQuestion)
		res.InvalidCode = invalidCode(true, res.InvalidReason)
	}
	// The result is not stored: a replay grades the stored answers again
	// (resultOf), which gives the same result, and reads the prize from the
	// awards table. Writing the result JSON (600 bytes for three questions,
	// more with longer explanations) grew the attempt's row in place, and
	// under load that update cost more than all the rest.
	err = s.db.Tx(ctx, func(tx *gorm.DB) error {
		// Whether the attempt counts is decided here, by the assessment rule
		// in force as this transaction reads it, and kept on the attempt: a
		// counting quiz that falls below a later rule stops counting from
		// that moment, and a rebuild of the counters gives the same answer.
		// The rule is read by the UPDATE itself (one round trip less per
		// submission): the same row rule.Load reads, or the default rule
		// when none is stored.
		counting := clause.Expr{SQL: "FALSE"}
		if q.Audience == Residents && q.CountsForAwareness {
			counting = clause.Expr{SQL: `COALESCE((SELECT pass_score <= ? AND min_questions <= ? AND min_seconds_per_question <= ? FROM assessment_rules WHERE id = 1), ?)`,
				Vars: []any{q.PassScore, q.QuestionCount, q.MinSecondsPerQuestion, rule.Default().Admits(q.PassScore, q.QuestionCount, q.MinSecondsPerQuestion)}}
		}
		// A counting attempt is left pending for the awareness counters,
		// which awareness.Fold keeps off this transaction.
		upd := tx.Exec(`UPDATE attempts SET status = ?, submitted_at = ?, score_tenths = ?, passed = ?, invalid = ?, invalid_reason = ?,
idempotency_key = ?, submit_hash = ?, counting = ?, tally_pending = ? WHERE id = ? AND status = ?`, Submitted, now, tenths, res.Passed, res.Invalid, res.InvalidReason,
			key, answersHash(answers), counting, counting, a.ID, Open)
		if upd.Error != nil {
			return upd.Error
		}
		if upd.RowsAffected != 1 {
			return errLostRace
		}
		if err := insertAnswers(tx, rows); err != nil {
			return err
		}
		if res.Invalid || len(cq.pools) == 0 {
			return nil
		}
		prize, err := s.drawPrize(tx, cq.pools, a, tenths, now)
		res.Prize = prize
		return err
	})
	if errors.Is(err, errLostRace) {
		// Another submission of this attempt committed first.
		a, err := s.ownAttempt(ctx, c, a.ID)
		if err != nil {
			return Result{}, err
		}
		return s.replay(ctx, a, key, answers)
	}
	if err != nil {
		return Result{}, fmt.Errorf("quiz: submit %d: %w", a.ID, err)
	}
	return res, nil
}

// grade grades one served question given the keys chosen (as served,
// sorted): the result shown, with the right keys as served, and the row
// stored, with the chosen keys in the question's own letters.
func (s *Service) grade(ctx context.Context, attemptID int64, sv served, got []string) (QuestionResult, AttemptAnswer, error) {
	want := make([]string, 0, len(sv.Answer))
	for j, k := range sv.Order {
		if contains(sv.Answer, k) {
			want = append(want, optionKeys[j])
		}
	}
	if got == nil {
		got = []string{}
	}
	ok := strings.Join(got, ",") == strings.Join(want, ",")
	qu, err := s.servedContent(ctx, sv)
	if err != nil {
		return QuestionResult{}, AttemptAnswer{}, err
	}
	wids := splitIDs(qu.WarningIDs)
	if wids == nil || ok {
		wids = []int64{}
	}
	original := make([]string, 0, len(got))
	for _, k := range got {
		original = append(original, sv.Order[strings.Index("ABCDEF", k)])
	}
	sort.Strings(original)
	return QuestionResult{QuestionID: sv.QuestionID, Correct: ok, Answer: want, YourAnswer: got, Explanation: qu.Explanation, WarningIDs: wids},
		AttemptAnswer{AttemptID: attemptID, QuestionID: sv.QuestionID, AnswerKeys: strings.Join(original, ","), Correct: ok, FraudType: sv.FraudType}, nil
}

// resultOf is a submitted attempt's result: the one stored with it by
// earlier versions, else its stored answers graded again against what was
// served, exactly as Submit graded them; the explanations are the bank's.
func (s *Service) resultOf(ctx context.Context, a Attempt) (Result, error) {
	if a.Result != nil {
		var r Result
		if err := json.Unmarshal([]byte(*a.Result), &r); err != nil {
			return Result{}, fmt.Errorf("quiz: stored result of %d: %w", a.ID, err)
		}
		return r, nil
	}
	var srv []served
	if err := json.Unmarshal([]byte(a.Served), &srv); err != nil {
		return Result{}, fmt.Errorf("quiz: attempt %d served: %w", a.ID, err)
	}
	var rows []AttemptAnswer
	if err := s.db.WithContext(ctx).Where("attempt_id = ?", a.ID).Find(&rows).Error; err != nil {
		return Result{}, err
	}
	chosen := map[int64]string{}
	for _, r := range rows {
		chosen[r.QuestionID] = r.AnswerKeys
	}
	cq, err := s.cachedQuiz(ctx, a.QuizID)
	if err != nil {
		return Result{}, err
	}
	res := Result{AttemptID: a.ID, PassScore: cq.quiz.PassScore, Invalid: a.Invalid, InvalidReason: a.InvalidReason, InvalidCode: invalidCode(a.Invalid, a.InvalidReason), Results: make([]QuestionResult, len(srv))}
	if a.ScoreTenths != nil {
		res.Score = float64(*a.ScoreTenths) / 10
	}
	if a.Passed != nil {
		res.Passed = *a.Passed
	}
	for i, sv := range srv {
		got := []string{}
		if keys := chosen[sv.QuestionID]; keys != "" {
			for _, k := range strings.Split(keys, ",") {
				if j := slices.Index(sv.Order, k); j >= 0 {
					got = append(got, optionKeys[j])
				}
			}
		}
		sort.Strings(got)
		qr, _, err := s.grade(ctx, a.ID, sv, got)
		if err != nil {
			return Result{}, err
		}
		res.Results[i] = qr
	}
	return res, nil
}

// insertAnswers writes an attempt's graded answers in one statement.
func insertAnswers(tx *gorm.DB, rows []AttemptAnswer) error {
	if len(rows) == 0 {
		return nil
	}
	var q strings.Builder
	q.WriteString("INSERT INTO attempt_answers (attempt_id, question_id, answer_keys, correct, fraud_type) VALUES ")
	args := make([]any, 0, 5*len(rows))
	for i, r := range rows {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(?, ?, ?, ?, ?)")
		args = append(args, r.AttemptID, r.QuestionID, r.AnswerKeys, r.Correct, r.FraudType)
	}
	return tx.Exec(q.String(), args...).Error
}

var errLostRace = errors.New("quiz: attempt already submitted by a concurrent request")

// replay answers a repeated submission: the stored first result when the
// Idempotency-Key and the answers match, idempotency_key_reused when only the
// key does, else already_submitted. A phone that queued its submission
// offline resends it with the key it made then, so a resend is harmless.
func (s *Service) replay(ctx context.Context, a Attempt, key string, answers []Answer) (Result, error) {
	if a.Status != Submitted || a.IdempotencyKey == nil || *a.IdempotencyKey != key {
		return Result{}, ErrAlreadySubmitted
	}
	if a.SubmitHash != nil && *a.SubmitHash != answersHash(answers) {
		return Result{}, ErrKeyReused
	}
	return s.storedResult(ctx, a)
}

// answersHash is the SHA-256 (hex) of the answers in a canonical form: by
// question, each answer's keys sorted, so the order a client lists them in
// does not matter. Unanswered questions (no keys) are left out, as grading
// treats a missing answer and an empty one alike.
func answersHash(answers []Answer) string {
	canon := make([]Answer, 0, len(answers))
	for _, a := range answers {
		if len(a.Keys) == 0 {
			continue
		}
		keys := append([]string(nil), a.Keys...)
		sort.Strings(keys)
		canon = append(canon, Answer{QuestionID: a.QuestionID, Keys: keys})
	}
	sort.Slice(canon, func(i, j int) bool { return canon[i].QuestionID < canon[j].QuestionID })
	b, _ := json.Marshal(canon)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// storedResult is a submitted attempt's result with its prize, if any.
func (s *Service) storedResult(ctx context.Context, a Attempt) (Result, error) {
	r, err := s.resultOf(ctx, a)
	if err != nil {
		return Result{}, err
	}
	var won []struct {
		Name string
		Code string
	}
	err = s.db.WithContext(ctx).Table("awards").Select("prize_pools.name, awards.code").
		Joins("JOIN prize_pools ON prize_pools.id = awards.pool_id").Where("awards.attempt_id = ?", a.ID).Scan(&won).Error
	if err != nil {
		return Result{}, err
	}
	if len(won) == 1 {
		r.Prize = &PrizeWon{Name: won[0].Name, Code: won[0].Code}
	}
	return r, nil
}
