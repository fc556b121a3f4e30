// Package quiz is the prize quizzes (有奖问答): the question bank, quiz
// campaigns, attempts drawn and graded on the server, and prize pools whose
// stock is never oversold.
package quiz

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"wuzha/internal/fault"
)

// Kind is a question's form.
type Kind string

// Question kinds.
const (
	Single    Kind = "single"
	Multiple  Kind = "multiple"
	TrueFalse Kind = "true_false"
)

// Option is one choice of a question.
type Option struct {
	Key  string `json:"key"`
	Text string `json:"text"`
}

// Question is an item of the bank. Options and the answer are stored as
// JSON and comma-separated keys; the answer never leaves the server before
// an attempt is submitted.
type Question struct {
	ID            int64 `gorm:"primaryKey"`
	Slug          *string
	OwnerAreaCode string
	OwnerPath     string
	Kind          Kind
	Stem          string
	Options       string // JSON []Option
	Answer        string // comma-separated keys, sorted
	Explanation   string
	FraudType     string
	Difficulty    int
	AgeBands      string
	Occupations   string
	WarningIDs    string `gorm:"column:warning_ids"`
	Active        bool
	AuthorID      *int64
	CreatedAt     time.Time
	UpdatedAt     time.Time
	Status        QuestionStatus
	Version       int
	EditorID      *int64 // the last editor
	ReviewerID    *int64
	ReviewedAt    *time.Time
	RejectReason  string
}

// TableName is the questions table.
func (Question) TableName() string { return "questions" }

// QuestionStatus is where a question is in review. Only approved questions
// are ever drawn into attempts.
type QuestionStatus string

// Question states.
const (
	QuestionInReview QuestionStatus = "in_review"
	QuestionApproved QuestionStatus = "approved"
	QuestionRejected QuestionStatus = "rejected"
)

// QuestionVersion is the content of a question version that was replaced:
// an attempt served that version still shows its stem, options and
// explanation (its answer key is in the attempt's served list).
type QuestionVersion struct {
	QuestionID  int64 `gorm:"primaryKey"`
	Version     int   `gorm:"primaryKey"`
	Stem        string
	Options     string
	Answer      string
	Explanation string
	CreatedAt   time.Time
}

// TableName is the question versions table.
func (QuestionVersion) TableName() string { return "question_versions" }

func (q Question) options() []Option {
	var o []Option
	_ = json.Unmarshal([]byte(q.Options), &o)
	return o
}

// Audience says who a quiz is for.
type Audience string

// Audiences.
const (
	Residents Audience = "residents"
	Staff     Audience = "staff"
)

// Status is a quiz's state.
type Status string

// Quiz states.
const (
	Draft     Status = "draft"
	Published Status = "published"
)

// Quiz is a campaign.
type Quiz struct {
	ID                    int64 `gorm:"primaryKey"`
	Title                 string
	Description           string
	AreaCode              string
	AreaPath              string
	Audience              Audience
	Status                Status
	StartsAt              time.Time
	EndsAt                time.Time
	QuestionCount         int
	PassScore             int
	TimeLimitS            int `gorm:"column:time_limit_s"`
	MaxAttempts           int
	FraudTypes            string
	CoreQuestionIDs       string `gorm:"column:core_question_ids"`
	MinSecondsPerQuestion int
	CountsForAwareness    bool
	AuthorID              *int64
	CreatedAt             time.Time
	UpdatedAt             time.Time
}

// TableName is the quizzes table.
func (Quiz) TableName() string { return "quizzes" }

// Open reports whether the quiz takes attempts at t.
func (q Quiz) Open(t time.Time) bool {
	return q.Status == Published && !t.Before(q.StartsAt) && t.Before(q.EndsAt)
}

// AttemptStatus is an attempt's state.
type AttemptStatus string

// Attempt states.
const (
	Open      AttemptStatus = "open"
	Submitted AttemptStatus = "submitted"
)

// Attempt is one person taking one quiz.
type Attempt struct {
	ID             int64 `gorm:"primaryKey"`
	QuizID         int64
	UserID         int64
	AttemptNo      int
	SessionID      *int64
	GridCode       *string
	GridPath       *string
	AgeBand        *string
	Occupation     *string
	Status         AttemptStatus
	Served         string // JSON []served: stays on the server
	SavedAnswers   *string
	StartedAt      time.Time
	Deadline       time.Time
	SubmittedAt    *time.Time
	ScoreTenths    *int
	Passed         *bool
	Invalid        bool
	InvalidReason  string
	IdempotencyKey *string
	// SubmitHash is answersHash of the submitted answers: a resend with the
	// same key must carry the same answers. Empty for attempts submitted
	// before migration 15.
	SubmitHash *string
	// Result is the body earlier versions stored; newer attempts are
	// re-graded from their answers (resultOf). It stays while such
	// attempts can be replayed: a question edited before migration 10 has
	// no stored version, so re-grading would answer with today's text, not
	// the body first sent. It can go once those quizzes are archived.
	Result       *string
	TallyPending bool // submitted, counting, not yet in the awareness counters
	// Counting says the attempt counts for awareness: decided when it was
	// submitted, by its quiz and the assessment rule in force then.
	Counting bool
}

// TableName is the attempts table.
func (Attempt) TableName() string { return "attempts" }

// served is what an attempt was shown, with what grading needs. Order lists
// the question's own keys in the order served: the option served as "A" is
// Order[0], and so on, so the client's keys say nothing about the answer.
type served struct {
	QuestionID int64    `json:"q"`
	Kind       Kind     `json:"k"`
	Order      []string `json:"o"`
	Answer     []string `json:"a"` // the question's own keys
	FraudType  string   `json:"f"`
	Version    int      `json:"v,omitempty"` // the question's version when served; 0 = 1 (served before versions)
}

// AttemptAnswer is one graded answer of a submitted attempt.
type AttemptAnswer struct {
	AttemptID  int64 `gorm:"primaryKey"`
	QuestionID int64 `gorm:"primaryKey"`
	AnswerKeys string
	Correct    bool
	FraudType  string
}

// TableName is the graded answers table.
func (AttemptAnswer) TableName() string { return "attempt_answers" }

// PrizePool is a quiz's limited prize.
type PrizePool struct {
	ID          int64     `gorm:"primaryKey" json:"id"`
	QuizID      int64     `json:"quiz_id"`
	Name        string    `json:"name"`
	Stock       int       `json:"stock"`
	Remaining   int       `gorm:"-" json:"remaining"` // the sum of the pool's stock slots
	MinScore    int       `json:"min_score"`
	Probability float64   `json:"probability"`
	CreatedAt   time.Time `json:"created_at"`
}

// TableName is the prize pools table.
func (PrizePool) TableName() string { return "prize_pools" }

// Award is one prize given to one attempt, with its redemption code.
type Award struct {
	ID         int64 `gorm:"primaryKey"`
	PoolID     int64
	QuizID     int64
	AttemptID  int64
	UserID     int64
	GridPath   *string
	Code       string
	RedeemedAt *time.Time
	RedeemedBy *int64
	CreatedAt  time.Time
}

// TableName is the awards table.
func (Award) TableName() string { return "awards" }

// Errors of this package.
var (
	ErrNotFound            = fault.New(fault.NotFound, "not_found", "不存在或无权查看")
	ErrAttemptsExhausted   = fault.New(fault.Conflict, "attempts_exhausted", "本次问答的答题次数已用完")
	ErrAlreadySubmitted    = fault.New(fault.Conflict, "already_submitted", "本次答题已提交")
	ErrDeadlinePassed      = fault.New(fault.Invalid, "deadline_passed", "答题时间已过，无法提交")
	ErrProfileRequired     = fault.New(fault.Invalid, "profile_required", "请先完善个人信息（年龄段、职业、所在网格）")
	ErrOutsideArea         = fault.New(fault.Forbidden, "outside_area", "您所在的网格不在本次问答的范围内")
	ErrQuizClosed          = fault.New(fault.Conflict, "quiz_closed", "本次问答未开放或已结束")
	ErrWrongAudience       = fault.New(fault.Forbidden, "wrong_audience", "本次问答不面向您的身份")
	ErrRulesLocked         = fault.New(fault.Conflict, "rules_locked", "已有人答题，影响计分的规则不能再修改")
	ErrNotDraft            = fault.New(fault.Conflict, "invalid_transition", "只有草稿状态的问答可以发布")
	ErrNotEnoughQuestion   = fault.New(fault.Invalid, "not_enough_questions", "符合条件的题目数量不足")
	ErrKeyRequired         = fault.New(fault.Malformed, "idempotency_key_required", "提交答卷需要 Idempotency-Key 请求头")
	ErrKeyReused           = fault.New(fault.Conflict, "idempotency_key_reused", "该提交编号已用于另一份答案，本次提交未被接受")
	ErrAlreadyRedeemed     = fault.New(fault.Conflict, "already_redeemed", "该兑奖码已兑换")
	ErrCodeNotFound        = fault.New(fault.NotFound, "code_not_found", "兑奖码不存在")
	ErrOwnQuestionReview   = fault.New(fault.Forbidden, "own_question_review", "不能审核自己编写或最后修改的题目")
	ErrQuestionChanged     = fault.New(fault.Conflict, "question_changed", "题目刚被他人修改或审核，请刷新后重试")
	ErrQuestionNotInReview = fault.New(fault.Conflict, "invalid_transition", "只有待审核的题目可以通过或驳回")
)

func splitCodes(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

func splitIDs(s string) []int64 {
	var out []int64
	for _, p := range splitCodes(s) {
		if n, err := strconv.ParseInt(p, 10, 64); err == nil {
			out = append(out, n)
		}
	}
	return out
}

func joinIDs(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ",")
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
