package quiz

import (
	"context"
	crand "crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"

	"wuzha/internal/auth"
	"wuzha/internal/fault"
	"wuzha/internal/rule"
)

// submitGrace is how long after the deadline a submission is still taken
// (a slow network, a tap at the last second).
const submitGrace = 15 * time.Second

// Respondent is who starts an attempt and where it is attributed.
type Respondent struct {
	GridCode   string
	GridPath   string
	AgeBand    string
	Occupation string
	SessionID  *int64
}

// ServedQuestion is a question as an attempt shows it: no answer, no
// explanation, and option keys that follow the served order.
type ServedQuestion struct {
	ID      int64    `json:"id"`
	Kind    Kind     `json:"kind"`
	Stem    string   `json:"stem"`
	Options []Option `json:"options"`
}

// Answer is a respondent's choice for one question, in served keys.
type Answer struct {
	QuestionID int64    `json:"question_id"`
	Keys       []string `json:"keys"`
}

// StartedAttempt is what starting (or resuming) an attempt answers.
type StartedAttempt struct {
	AttemptID    int64            `json:"attempt_id"`
	QuizID       int64            `json:"quiz_id"`
	QuizTitle    string           `json:"quiz_title"`
	PassScore    int              `json:"pass_score"`
	StartedAt    time.Time        `json:"started_at"`
	Deadline     time.Time        `json:"deadline"`
	Questions    []ServedQuestion `json:"questions"`
	SavedAnswers []Answer         `json:"saved_answers"`
	Resumed      bool             `json:"resumed"`
}

func newRand() *rand.Rand {
	var seed [32]byte
	if _, err := crand.Read(seed[:]); err != nil {
		panic(err)
	}
	return rand.New(rand.NewChaCha8(seed))
}

// draw picks the quiz's questions for one respondent: the fixed core first,
// the rest by weighted sampling without replacement, favouring questions
// tagged for the respondent's age band and occupation and fraud types that
// hurt their groups most; then questions and options are shuffled.
func (s *Service) draw(ctx context.Context, q Quiz, r Respondent) ([]served, []ServedQuestion, error) {
	pool, err := s.drawPool(ctx, q)
	if err != nil {
		return nil, nil, err
	}
	lists, err := s.codes.Lists(ctx)
	if err != nil {
		return nil, nil, err
	}
	hurts := map[string]bool{}
	for _, ft := range lists.FraudTypes {
		hurts[ft.Code] = (r.AgeBand != "" && contains(ft.AgeBands, r.AgeBand)) || (r.Occupation != "" && contains(ft.Occupations, r.Occupation))
	}
	rng := newRand()
	byID := map[int64]Question{}
	for _, p := range pool {
		byID[p.ID] = p
	}
	var picked []Question
	taken := map[int64]bool{}
	for _, id := range splitIDs(q.CoreQuestionIDs) {
		if p, ok := byID[id]; ok && !taken[id] && len(picked) < q.QuestionCount {
			picked, taken[id] = append(picked, p), true
		}
	}
	type keyed struct {
		q   Question
		key float64
	}
	var rest []keyed
	for _, p := range pool {
		if taken[p.ID] {
			continue
		}
		w := 1.0
		if r.AgeBand != "" && contains(splitCodes(p.AgeBands), r.AgeBand) {
			w += 2
		}
		if r.Occupation != "" && contains(splitCodes(p.Occupations), r.Occupation) {
			w += 2
		}
		if hurts[p.FraudType] {
			w++
		}
		// Efraimidis–Spirakis: the largest u^(1/w) form a weighted sample.
		rest = append(rest, keyed{p, math.Pow(rng.Float64(), 1/w)})
	}
	sort.Slice(rest, func(i, j int) bool { return rest[i].key > rest[j].key })
	for _, k := range rest {
		if len(picked) >= q.QuestionCount {
			break
		}
		picked = append(picked, k.q)
	}
	if len(picked) < q.QuestionCount {
		return nil, nil, ErrNotEnoughQuestion
	}
	rng.Shuffle(len(picked), func(i, j int) { picked[i], picked[j] = picked[j], picked[i] })
	srv := make([]served, len(picked))
	out := make([]ServedQuestion, len(picked))
	for i, p := range picked {
		opts := p.options()
		if p.Kind != TrueFalse { // 正确/错误 keep their order; nothing to hide there
			rng.Shuffle(len(opts), func(a, b int) { opts[a], opts[b] = opts[b], opts[a] })
		}
		order := make([]string, len(opts))
		shown := make([]Option, len(opts))
		for j, o := range opts {
			order[j] = o.Key
			shown[j] = Option{Key: optionKeys[j], Text: o.Text}
		}
		srv[i] = served{QuestionID: p.ID, Kind: p.Kind, Order: order, Answer: splitCodes(p.Answer), FraudType: p.FraudType, Version: p.Version}
		out[i] = ServedQuestion{ID: p.ID, Kind: p.Kind, Stem: p.Stem, Options: shown}
	}
	return srv, out, nil
}

// Start starts an attempt, or resumes the caller's unfinished one. It checks
// the audience, the window, the area and the attempts allowed, draws the
// questions, and stores the grid the attempt is attributed to.
func (s *Service) Start(ctx context.Context, c auth.Caller, quizID int64, r Respondent) (StartedAttempt, int, error) {
	cq, err := s.cachedQuiz(ctx, quizID)
	if err != nil {
		return StartedAttempt{}, 0, err
	}
	q := cq.quiz
	if q.Status != Published {
		return StartedAttempt{}, 0, ErrNotFound
	}
	switch {
	case q.Audience == Residents && c.Role != auth.Resident, q.Audience == Staff && !c.Role.IsStaff():
		return StartedAttempt{}, 0, ErrWrongAudience
	}
	if q.Audience == Residents && (r.GridPath == "" || r.AgeBand == "" || r.Occupation == "") {
		return StartedAttempt{}, 0, ErrProfileRequired
	}
	if !strings.HasPrefix(r.GridPath, q.AreaPath) {
		return StartedAttempt{}, 0, ErrOutsideArea
	}
	now := s.now().UTC()
	if !q.Open(now) {
		return StartedAttempt{}, 0, ErrQuizClosed
	}
	for try := 0; try < 3; try++ {
		res, status, err := s.start(ctx, c, q, r, now)
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			continue // a concurrent start took this attempt number: look again
		}
		return res, status, err
	}
	return StartedAttempt{}, 0, ErrAttemptsExhausted
}

func (s *Service) start(ctx context.Context, c auth.Caller, q Quiz, r Respondent, now time.Time) (StartedAttempt, int, error) {
	var existing []Attempt
	if err := s.db.WithContext(ctx).Where("quiz_id = ? AND user_id = ?", q.ID, c.UserID).Order("attempt_no").Find(&existing).Error; err != nil {
		return StartedAttempt{}, 0, err
	}
	for _, a := range existing {
		if a.Status == Open && now.Before(a.Deadline) {
			res, err := s.resume(ctx, a, q)
			return res, 200, err
		}
	}
	if len(existing) >= q.MaxAttempts {
		return StartedAttempt{}, 0, ErrAttemptsExhausted
	}
	srv, shown, err := s.draw(ctx, q, r)
	if err != nil {
		return StartedAttempt{}, 0, err
	}
	raw, _ := json.Marshal(srv)
	a := Attempt{QuizID: q.ID, UserID: c.UserID, AttemptNo: len(existing) + 1, SessionID: r.SessionID, GridCode: optional(r.GridCode), GridPath: optional(r.GridPath),
		AgeBand: optional(r.AgeBand), Occupation: optional(r.Occupation), Status: Open, Served: string(raw),
		StartedAt: now, Deadline: now.Add(time.Duration(q.TimeLimitS) * time.Second)}
	if err := s.db.WithContext(ctx).Create(&a).Error; err != nil {
		return StartedAttempt{}, 0, err
	}
	return StartedAttempt{AttemptID: a.ID, QuizID: q.ID, QuizTitle: q.Title, PassScore: q.PassScore, StartedAt: a.StartedAt, Deadline: a.Deadline,
		Questions: shown, SavedAnswers: []Answer{}}, 201, nil
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// resume rebuilds what an open attempt showed, with the answers saved so far.
func (s *Service) resume(ctx context.Context, a Attempt, q Quiz) (StartedAttempt, error) {
	var srv []served
	if err := json.Unmarshal([]byte(a.Served), &srv); err != nil {
		return StartedAttempt{}, fmt.Errorf("quiz: attempt %d served: %w", a.ID, err)
	}
	shown := make([]ServedQuestion, len(srv))
	for i, sv := range srv {
		qu, err := s.servedContent(ctx, sv)
		if err != nil {
			return StartedAttempt{}, err
		}
		byKey := map[string]string{}
		for _, o := range qu.options() {
			byKey[o.Key] = o.Text
		}
		opts := make([]Option, len(sv.Order))
		for j, k := range sv.Order {
			opts[j] = Option{Key: optionKeys[j], Text: byKey[k]}
		}
		shown[i] = ServedQuestion{ID: sv.QuestionID, Kind: sv.Kind, Stem: qu.Stem, Options: opts}
	}
	saved := []Answer{}
	if a.SavedAnswers != nil {
		_ = json.Unmarshal([]byte(*a.SavedAnswers), &saved)
	}
	return StartedAttempt{AttemptID: a.ID, QuizID: q.ID, QuizTitle: q.Title, PassScore: q.PassScore, StartedAt: a.StartedAt, Deadline: a.Deadline,
		Questions: shown, SavedAnswers: saved, Resumed: true}, nil
}

var errInvalidAnswers = fault.New(fault.Invalid, "invalid_answers", "答案格式不正确")

// checkAnswers validates answers against what was served: each question
// served and answered at most once, each key one that was shown, and the
// number of keys fitting the kind. It returns the answers by question.
func checkAnswers(srv []served, answers []Answer, complete bool) (map[int64][]string, error) {
	byQ := map[int64]served{}
	for _, sv := range srv {
		byQ[sv.QuestionID] = sv
	}
	var v fault.Validation
	out := map[int64][]string{}
	for i, a := range answers {
		field := fmt.Sprintf("answers[%d]", i)
		sv, ok := byQ[a.QuestionID]
		if !ok {
			v.Add(field, fmt.Sprintf("题目 %d 不在本次答卷中", a.QuestionID))
			continue
		}
		if _, dup := out[a.QuestionID]; dup {
			v.Add(field, fmt.Sprintf("题目 %d 重复作答", a.QuestionID))
			continue
		}
		seen := map[string]bool{}
		for _, k := range a.Keys {
			idx := strings.Index(strings.Join(optionKeys[:len(sv.Order)], ""), k)
			if len(k) != 1 || idx < 0 {
				v.Add(field, fmt.Sprintf("选项 %q 不存在", k))
			}
			if seen[k] {
				v.Add(field, fmt.Sprintf("选项 %q 重复", k))
			}
			seen[k] = true
		}
		switch sv.Kind {
		case Single, TrueFalse:
			if len(a.Keys) > 1 || (complete && len(a.Keys) != 1) {
				v.Add(field, "单选题和判断题只能选一个答案")
			}
		case Multiple:
			if len(a.Keys) > len(sv.Order) {
				v.Add(field, "多选题选项过多")
			}
		}
		keys := append([]string(nil), a.Keys...)
		sort.Strings(keys)
		out[a.QuestionID] = keys
	}
	if err := v.Err(); err != nil {
		fe, _ := fault.As(err)
		return nil, &fault.Error{Kind: fault.Invalid, Code: errInvalidAnswers.Code, Message: fe.Message, Fields: fe.Fields}
	}
	return out, nil
}

// ownAttempt reads one of the caller's attempts. Saving and submitting run
// it on every call: one plain query, scanned by hand.
func (s *Service) ownAttempt(ctx context.Context, c auth.Caller, id int64) (Attempt, error) {
	var a Attempt
	err := s.db.WithContext(ctx).Raw(`SELECT id, quiz_id, user_id, attempt_no, session_id, grid_code, grid_path, age_band, occupation, status, served,
saved_answers, started_at, deadline, submitted_at, score_tenths, passed, invalid, invalid_reason, idempotency_key, result, tally_pending
FROM attempts WHERE id = ? AND user_id = ?`, id, c.UserID).Row().Scan(&a.ID, &a.QuizID, &a.UserID, &a.AttemptNo, &a.SessionID, &a.GridCode, &a.GridPath,
		&a.AgeBand, &a.Occupation, &a.Status, &a.Served, &a.SavedAnswers, &a.StartedAt, &a.Deadline, &a.SubmittedAt, &a.ScoreTenths, &a.Passed,
		&a.Invalid, &a.InvalidReason, &a.IdempotencyKey, &a.Result, &a.TallyPending)
	if errors.Is(err, sql.ErrNoRows) {
		return a, ErrNotFound
	}
	return a, err
}

// SaveAnswers stores the answers given so far, so a dropped connection or a
// closed page loses nothing; the attempt can be resumed until its deadline.
func (s *Service) SaveAnswers(ctx context.Context, c auth.Caller, id int64, answers []Answer) error {
	a, err := s.ownAttempt(ctx, c, id)
	if err != nil {
		return err
	}
	if a.Status != Open {
		return ErrAlreadySubmitted
	}
	if s.now().After(a.Deadline.Add(submitGrace)) {
		return ErrDeadlinePassed
	}
	var srv []served
	if err := json.Unmarshal([]byte(a.Served), &srv); err != nil {
		return err
	}
	if _, err := checkAnswers(srv, answers, false); err != nil {
		return err
	}
	if answers == nil {
		answers = []Answer{}
	}
	raw, _ := json.Marshal(answers)
	res := s.db.WithContext(ctx).Model(&Attempt{}).Where("id = ? AND status = ?", a.ID, Open).Update("saved_answers", string(raw))
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected != 1 {
		return ErrAlreadySubmitted
	}
	return nil
}

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
	Results       []QuestionResult `json:"results"`
	Prize         *PrizeWon        `json:"prize"`
}

// Submit grades an attempt on the server. A retry with the same
// Idempotency-Key gets the first result; any other second submission gets
// already_submitted. Grading, the prize draw and the attempt's update are one
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
	if a.Status != Open {
		return s.replay(ctx, a, key)
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
		counting := q.Audience == Residents && q.CountsForAwareness
		if counting {
			r, err := rule.Load(tx)
			if err != nil {
				return err
			}
			counting = r.Admits(q.PassScore, q.QuestionCount, q.MinSecondsPerQuestion)
		}
		// A counting attempt is left pending for the awareness counters,
		// which awareness.Fold keeps off this transaction.
		upd := tx.Exec(`UPDATE attempts SET status = ?, submitted_at = ?, score_tenths = ?, passed = ?, invalid = ?, invalid_reason = ?,
idempotency_key = ?, counting = ?, tally_pending = ? WHERE id = ? AND status = ?`, Submitted, now, tenths, res.Passed, res.Invalid, res.InvalidReason,
			key, counting, counting, a.ID, Open)
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
		a, err := s.ownAttempt(ctx, c, id)
		if err != nil {
			return Result{}, err
		}
		return s.replay(ctx, a, key)
	}
	if err != nil {
		return Result{}, fmt.Errorf("quiz: submit %d: %w", id, err)
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
	res := Result{AttemptID: a.ID, PassScore: cq.quiz.PassScore, Invalid: a.Invalid, InvalidReason: a.InvalidReason, Results: make([]QuestionResult, len(srv))}
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
// Idempotency-Key matches, else already_submitted.
func (s *Service) replay(ctx context.Context, a Attempt, key string) (Result, error) {
	if a.Status != Submitted || a.IdempotencyKey == nil || *a.IdempotencyKey != key {
		return Result{}, ErrAlreadySubmitted
	}
	return s.storedResult(ctx, a)
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

// AttemptView is an attempt as GET /attempts/{id} shows it: while open, the
// questions without answers and the saved answers; once submitted, the result.
type AttemptView struct {
	AttemptID   int64            `json:"attempt_id"`
	QuizID      int64            `json:"quiz_id"`
	Status      AttemptStatus    `json:"status"`
	GridCode    *string          `json:"grid_code"`
	StartedAt   time.Time        `json:"started_at"`
	Deadline    time.Time        `json:"deadline"`
	SubmittedAt *time.Time       `json:"submitted_at"`
	Attempt     *StartedAttempt  `json:"attempt,omitempty"`
	Result      *Result          `json:"result,omitempty"`
	Questions   []ServedQuestion `json:"questions,omitempty"`
}

// GetAttempt shows an attempt to its owner, or to staff whose scope holds
// the attempt's grid.
func (s *Service) GetAttempt(ctx context.Context, c auth.Caller, id int64) (AttemptView, error) {
	var a Attempt
	q := s.db.WithContext(ctx).Where("id = ?", id)
	if c.Role.IsStaff() {
		q = q.Where("user_id = ? OR grid_path LIKE ?", c.UserID, c.ScopeLike())
	} else {
		q = q.Where("user_id = ?", c.UserID)
	}
	err := q.Take(&a).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return AttemptView{}, ErrNotFound
	}
	if err != nil {
		return AttemptView{}, err
	}
	v := AttemptView{AttemptID: a.ID, QuizID: a.QuizID, Status: a.Status, GridCode: a.GridCode, StartedAt: a.StartedAt, Deadline: a.Deadline, SubmittedAt: a.SubmittedAt}
	cq, err := s.cachedQuiz(ctx, a.QuizID)
	if err != nil {
		return AttemptView{}, err
	}
	if a.Status == Open && a.UserID == c.UserID {
		st, err := s.resume(ctx, a, cq.quiz)
		if err != nil {
			return AttemptView{}, err
		}
		v.Attempt = &st
	}
	if a.Status == Submitted && a.UserID == c.UserID {
		// The questions as they were served, so a result can be read on any device.
		st, err := s.resume(ctx, a, cq.quiz)
		if err != nil {
			return AttemptView{}, err
		}
		v.Questions = st.Questions
	}
	if a.Status == Submitted {
		r, err := s.storedResult(ctx, a)
		if err != nil {
			return AttemptView{}, err
		}
		if a.UserID != c.UserID && r.Prize != nil {
			r.Prize.Code = "" // staff see that a prize was won, not the code
		}
		v.Result = &r
	}
	return v, nil
}
