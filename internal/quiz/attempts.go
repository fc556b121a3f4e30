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
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"

	"wuzha/internal/auth"
	"wuzha/internal/fault"
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
		q   *Question // sorting pointers, not whole questions, keeps a start cheap
		key float64
	}
	rest := make([]keyed, 0, len(pool))
	for i := range pool {
		p := &pool[i]
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
		key := math.Pow(rng.Float64(), 1/w)
		if forOtherAgeBands(*p, r.AgeBand) {
			// Keys lie in [0, 1]: these come only after every question
			// meant for the respondent's own band (or for everyone), so a
			// 60+ retiree sees a children's question only when the pool
			// has too few of the rest.
			key -= 2
		}
		rest = append(rest, keyed{p, key})
	}
	sort.Slice(rest, func(i, j int) bool { return rest[i].key > rest[j].key })
	for _, k := range rest {
		if len(picked) >= q.QuestionCount {
			break
		}
		picked = append(picked, *k.q)
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

// forOtherAgeBands says a question is tagged for age bands that do not
// include band: meant for someone else. Untagged questions are for everyone;
// a respondent with no band (staff) is never told apart.
func forOtherAgeBands(q Question, band string) bool {
	if band == "" {
		return false
	}
	bands := splitCodes(q.AgeBands)
	return len(bands) > 0 && !contains(bands, band)
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
// it on every call: one prepared query, scanned by hand.
func (s *Service) ownAttempt(ctx context.Context, c auth.Caller, id int64) (Attempt, error) {
	var a Attempt
	err := s.db.ScanOne(ctx, "SELECT "+attemptCols+" FROM attempts WHERE id = ? AND user_id = ?", []any{id, c.UserID}, a.dest()...)
	if errors.Is(err, sql.ErrNoRows) {
		return a, ErrNotFound
	}
	return a, err
}

// attemptCols are the columns ownAttempt and AttemptRow read, in the order
// of Attempt.dest.
const attemptCols = `id, quiz_id, user_id, attempt_no, session_id, grid_code, grid_path, age_band, occupation, status, served,
saved_answers, started_at, deadline, submitted_at, score_tenths, passed, invalid, invalid_reason, idempotency_key, submit_hash, result, tally_pending`

// joinedCols are attemptCols named by table, for a statement that joins
// other tables with columns of the same names.
var joinedCols = "attempts." + strings.ReplaceAll(strings.ReplaceAll(attemptCols, "\n", " "), ", ", ", attempts.")

func (a *Attempt) dest() []any {
	return []any{&a.ID, &a.QuizID, &a.UserID, &a.AttemptNo, &a.SessionID, &a.GridCode, &a.GridPath,
		&a.AgeBand, &a.Occupation, &a.Status, &a.Served, &a.SavedAnswers, &a.StartedAt, &a.Deadline, &a.SubmittedAt, &a.ScoreTenths, &a.Passed,
		&a.Invalid, &a.InvalidReason, &a.IdempotencyKey, &a.SubmitHash, &a.Result, &a.TallyPending}
}

// AttemptRow reads attempt id into a in the statement that checks the
// sign-in (auth.AuthenticateWith), if it is the caller's own: a submission
// then costs one round trip less. SubmitRead takes it from there.
func AttemptRow(id int64, a *Attempt) auth.Row {
	return auth.Row{Join: "JOIN attempts ON attempts.id = ? AND attempts.user_id = sign_ins.user_id", Cols: joinedCols, Args: []any{id}, Dest: a.dest()}
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
