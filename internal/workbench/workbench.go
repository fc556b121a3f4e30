// Package workbench is the staff console's start page: for the caller's
// role, the key figures of their area and the to-dos with their counts —
// review queues, an editor's drafts and new review results, an admin's
// weakest children and supervision lights, the periods ready to lock, a
// grid worker's residents still to visit — all scoped on the server. It
// also holds the grid worker's door-to-door list and the redeem page's
// list of prizes handed over. It reads the other rooms through their
// services and keeps only when each user last looked at a list.
package workbench

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"wuzha/internal/area"
	"wuzha/internal/assessment"
	"wuzha/internal/auth"
	"wuzha/internal/awareness"
	"wuzha/internal/content"
	"wuzha/internal/fault"
	"wuzha/internal/quiz"
	"wuzha/internal/store"
	"wuzha/internal/supervision"
	"wuzha/internal/taxonomy"
)

// Seen is when a user last looked at one of their lists.
type Seen struct {
	UserID int64  `gorm:"primaryKey"`
	List   string `gorm:"primaryKey"`
	SeenAt time.Time
}

// TableName is the last-looked table.
func (Seen) TableName() string { return "workbench_seen" }

// Lists whose last look is kept.
const (
	// Decisions is an editor's review results (审核结果).
	Decisions = "decisions"
)

// ErrUnknownList is a last-looked mark for a list that keeps none.
var ErrUnknownList = fault.New(fault.Invalid, "unknown_list", "没有这个列表")

// Service builds workbenches.
type Service struct {
	db          *store.DB
	areas       *area.Store
	codes       *taxonomy.Store
	auth        *auth.Service
	content     *content.Service
	quiz        *quiz.Service
	awareness   *awareness.Service
	assessment  *assessment.Service
	supervision *supervision.Service
	now         func() time.Time
}

// Deps are the services a workbench reads.
type Deps struct {
	DB          *store.DB
	Areas       *area.Store
	Codes       *taxonomy.Store
	Auth        *auth.Service
	Content     *content.Service
	Quiz        *quiz.Service
	Awareness   *awareness.Service
	Assessment  *assessment.Service
	Supervision *supervision.Service
}

// NewService wires the service.
func NewService(d Deps) *Service {
	return &Service{db: d.DB, areas: d.Areas, codes: d.Codes, auth: d.Auth, content: d.Content, quiz: d.Quiz,
		awareness: d.Awareness, assessment: d.Assessment, supervision: d.Supervision, now: time.Now}
}

// Todo is one thing to do, with how many are waiting. Period names the
// period it is about, when it is about one.
type Todo struct {
	Key    string `json:"key"`
	Count  int64  `json:"count"`
	Period string `json:"period,omitempty"`
}

// To-do keys; the console names each and links it to the page where it is done.
const (
	TodoWarningsInReview  = "warnings_in_review"  // reviewer: 待审核预警
	TodoQuestionsInReview = "questions_in_review" // reviewer: 待审核题目
	TodoDrafts            = "drafts"              // editor: 我的草稿
	TodoApproved          = "approved"            // editor: approved since last looked
	TodoRejected          = "rejected"            // editor: rejected since last looked
	TodoAreaChanges       = "area_changes"        // admin: 人口变更待审批
	TodoToAccept          = "to_accept"           // admin: 督办待签收
	TodoToClose           = "to_close"            // admin: 督办待销号
	TodoOverdue           = "overdue"             // admin: 督办已逾期
	TodoReadyToLock       = "ready_to_lock"       // admin, assessor: 待锁定考核期
	TodoUnanswered        = "unanswered"          // grid worker: 本季度未答题居民
	TodoToRedeem          = "to_redeem"           // grid worker: 待兑奖
)

// Figures are the caller's area's key figures in the current quarter.
type Figures struct {
	AreaCode string `json:"area_code"`
	Name     string `json:"name"`
	Level    string `json:"level"`
	Period   string `json:"period"`
	awareness.Rate
	Population int64    `json:"population"`
	Coverage   *float64 `json:"coverage"`
	Note       string   `json:"note"`
}

// Weak is a child area that most needs attention.
type Weak struct {
	AreaCode string `json:"area_code"`
	Name     string `json:"name"`
	awareness.Rate
	Population int64    `json:"population"`
	Coverage   *float64 `json:"coverage"`
}

// Lights counts the open supervision items the caller handles or
// supervises by light.
type Lights struct {
	Red    int `json:"red"`
	Yellow int `json:"yellow"`
	Green  int `json:"green"`
}

// ReadyPeriod is an ended, unlocked period with counted attempts.
type ReadyPeriod struct {
	Period      string `json:"period"`
	AreaCode    string `json:"area_code"`
	Respondents int64  `json:"respondents"`
}

// Board is one caller's workbench.
type Board struct {
	Role   auth.Role `json:"role"`
	Period string    `json:"period"`
	// Figures of the caller's area (nil for a role without an area).
	Figures *Figures `json:"figures"`
	Todos   []Todo   `json:"todos"`
	// An admin's children with the lowest rate among those with a
	// sufficient sample, and with the lowest coverage (three each).
	WeakestRate     []Weak `json:"weakest_rate,omitempty"`
	WeakestCoverage []Weak `json:"weakest_coverage,omitempty"`
	MinRespondents  int    `json:"min_respondents,omitempty"`
	// An admin's supervision lights.
	Lights *Lights `json:"lights,omitempty"`
	// An admin's or assessor's periods ready to lock.
	ReadyToLock []ReadyPeriod `json:"ready_to_lock,omitempty"`
	// An editor's last look at the review results (nil: never).
	SeenAt *time.Time `json:"seen_at,omitempty"`
}

// lookBack is how many past quarters are checked for locking.
const lookBack = 4

// weakest is how many children each weakest list names.
const weakest = 3

// For builds the caller's workbench.
func (s *Service) For(ctx context.Context, c auth.Caller) (Board, error) {
	if !c.Role.IsStaff() {
		return Board{}, fault.ErrRole
	}
	now := s.now()
	p, err := awareness.ParsePeriod(awareness.CurrentQuarter(now), now)
	if err != nil {
		return Board{}, err
	}
	b := Board{Role: c.Role, Period: p.Name, Todos: []Todo{}}
	f, err := s.awareness.Compute(ctx, c, c.AreaCode, p)
	if err != nil {
		return Board{}, err
	}
	b.Figures = &Figures{AreaCode: f.AreaCode, Name: f.Name, Level: f.Level, Period: f.Period, Rate: f.Rate, Population: f.Population, Coverage: f.Coverage, Note: f.Note}
	add := func(key string, n int64, err error) error {
		if err == nil {
			b.Todos = append(b.Todos, Todo{Key: key, Count: n})
		}
		return err
	}
	switch c.Role {
	case auth.Reviewer:
		n, err := s.content.InReviewCount(ctx, c)
		if err := add(TodoWarningsInReview, n, err); err != nil {
			return b, err
		}
		n, err = s.quiz.InReviewCount(ctx, c)
		if err := add(TodoQuestionsInReview, n, err); err != nil {
			return b, err
		}
	case auth.Editor:
		n, err := s.content.DraftCount(ctx, c)
		if err := add(TodoDrafts, n, err); err != nil {
			return b, err
		}
		seen, err := s.seenAt(ctx, c.UserID, Decisions)
		if err != nil {
			return b, err
		}
		b.SeenAt = seen
		ds, err := s.decisions(ctx, c, seen, 1000)
		if err != nil {
			return b, err
		}
		var approved, rejected int64
		for _, d := range ds {
			if d.Approved {
				approved++
			} else {
				rejected++
			}
		}
		b.Todos = append(b.Todos, Todo{Key: TodoApproved, Count: approved}, Todo{Key: TodoRejected, Count: rejected})
	case auth.Admin:
		if err := s.adminBoard(ctx, c, f, &b); err != nil {
			return b, err
		}
		fallthrough
	case auth.Assessor:
		ready, err := s.readyToLock(ctx, c, now)
		if err != nil {
			return b, err
		}
		b.ReadyToLock = ready
		b.Todos = append(b.Todos, Todo{Key: TodoReadyToLock, Count: int64(len(ready))})
	case auth.GridWorker:
		n, err := s.auth.CountResidentsOf(ctx, c.AreaCode, awareness.AnsweredBy(s.db.WithContext(ctx), auth.ResidentColumn, p))
		if err := add(TodoUnanswered, n, err); err != nil {
			return b, err
		}
		b.Todos[len(b.Todos)-1].Period = p.Name
		n, err = s.quiz.ToRedeemCount(ctx, c)
		if err := add(TodoToRedeem, n, err); err != nil {
			return b, err
		}
	}
	return b, nil
}

// adminBoard adds an admin's pending population changes, supervision
// counts and lights, and the weakest children of the area.
func (s *Service) adminBoard(ctx context.Context, c auth.Caller, f awareness.Figures, b *Board) error {
	changes, err := s.areas.ListChanges(ctx, c.AreaPath, c.UserID, area.ChangePending, 500)
	if err != nil {
		return err
	}
	var decidable int64
	for _, ch := range changes {
		if ch.CanDecide {
			decidable++
		}
	}
	b.Todos = append(b.Todos, Todo{Key: TodoAreaChanges, Count: decidable})
	sum, err := s.supervision.Summary(ctx, c)
	if err != nil {
		return err
	}
	b.Todos = append(b.Todos, Todo{Key: TodoToAccept, Count: int64(sum.ToAccept)}, Todo{Key: TodoToClose, Count: int64(sum.ToClose)}, Todo{Key: TodoOverdue, Count: int64(sum.Overdue)})
	b.Lights = &Lights{Red: sum.Overdue, Yellow: sum.DueSoon, Green: sum.OnTrack}
	r, err := s.assessment.Rules().Get(ctx, c)
	if err != nil {
		return err
	}
	b.MinRespondents = r.MinRespondents
	b.WeakestRate, b.WeakestCoverage = weakestOf(f.Children, int64(r.MinRespondents))
	return nil
}

// weakestOf picks the children with the lowest rate among those whose
// sample is sufficient, and those with the lowest coverage among those
// with a population; ties go by area code.
func weakestOf(children []awareness.Child, minRespondents int64) (byRate, byCoverage []Weak) {
	byRate, byCoverage = []Weak{}, []Weak{}
	for _, ch := range children {
		w := Weak{AreaCode: ch.AreaCode, Name: ch.Name, Rate: ch.Rate, Population: ch.Population, Coverage: ch.Coverage}
		if ch.Rate.Rate != nil && ch.Respondents >= minRespondents {
			byRate = append(byRate, w)
		}
		if ch.Coverage != nil {
			byCoverage = append(byCoverage, w)
		}
	}
	sort.SliceStable(byRate, func(i, j int) bool { return *byRate[i].Rate.Rate < *byRate[j].Rate.Rate })
	sort.SliceStable(byCoverage, func(i, j int) bool { return *byCoverage[i].Coverage < *byCoverage[j].Coverage })
	return byRate[:min(weakest, len(byRate))], byCoverage[:min(weakest, len(byCoverage))]
}

// readyToLock lists the past quarters (the last lookBack) of the caller's
// area that have ended, have counted attempts and are not locked.
func (s *Service) readyToLock(ctx context.Context, c auth.Caller, now time.Time) ([]ReadyPeriod, error) {
	out := []ReadyPeriod{}
	l := now.In(area.Shanghai)
	start := time.Date(l.Year(), time.Month(3*((int(l.Month())-1)/3)+1), 1, 0, 0, 0, 0, area.Shanghai)
	for i := 1; i <= lookBack; i++ {
		q := start.AddDate(0, -3*i, 0)
		p, err := awareness.ParsePeriod(awareness.CurrentQuarter(q), now)
		if err != nil {
			return nil, err
		}
		locked, err := s.assessment.IsLocked(ctx, c, c.AreaCode, p)
		if err != nil {
			return nil, err
		}
		if locked {
			continue
		}
		f, err := s.awareness.Compute(ctx, c, c.AreaCode, p)
		if err != nil {
			return nil, err
		}
		if f.Respondents > 0 {
			out = append(out, ReadyPeriod{Period: p.Name, AreaCode: c.AreaCode, Respondents: f.Respondents})
		}
	}
	return out, nil
}

// seenAt is when user last looked at list (nil: never).
func (s *Service) seenAt(ctx context.Context, userID int64, list string) (*time.Time, error) {
	var m Seen
	err := s.db.WithContext(ctx).Where("user_id = ? AND list = ?", userID, list).Take(&m).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("workbench: seen: %w", err)
	}
	return &m.SeenAt, nil
}

// MarkSeen records that the caller looked at list now.
func (s *Service) MarkSeen(ctx context.Context, c auth.Caller, list string) error {
	if !c.Role.IsStaff() {
		return fault.ErrRole
	}
	if list != Decisions {
		return ErrUnknownList
	}
	m := Seen{UserID: c.UserID, List: list, SeenAt: s.now().UTC()}
	return s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "user_id"}, {Name: "list"}},
		DoUpdates: clause.AssignmentColumns([]string{"seen_at"}),
	}).Create(&m).Error
}
