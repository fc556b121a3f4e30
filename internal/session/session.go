// Package session is quiz sessions run in person: a grid worker opens one
// for a published resident quiz in their grid, residents join it by a
// ten-digit code (or its QR code), and attempts made through it count for the
// worker's grid (for residents of the same county; see Respondent).
package session

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"gorm.io/gorm"

	"wuzha/internal/area"
	"wuzha/internal/audit"
	"wuzha/internal/auth"
	"wuzha/internal/fault"
	"wuzha/internal/quiz"
	"wuzha/internal/store"
)

// Session is one in-person quiz run.
type Session struct {
	ID        int64 `gorm:"primaryKey"`
	QuizID    int64
	WorkerID  int64
	GridCode  string
	GridPath  string
	JoinCode  string
	Status    string // open | closed
	ExpiresAt time.Time
	ClosedAt  *time.Time
	CreatedAt time.Time
}

// TableName is the sessions table.
func (Session) TableName() string { return "quiz_sessions" }

// Errors of this package.
var (
	ErrNotFound    = fault.New(fault.NotFound, "session_not_found", "答题场次不存在")
	ErrGone        = fault.New(fault.Gone, "session_closed", "本场答题已结束，请联系网格员重新开场")
	ErrNotGridUser = fault.New(fault.Forbidden, "not_grid_worker", "只有绑定到网格的网格员可以开场")
	ErrQuizState   = fault.New(fault.Conflict, "quiz_not_open", "只能为已发布、正在进行的群众问答开场")
	ErrWrongQuiz   = fault.New(fault.Invalid, "session_quiz_mismatch", "答题场次与问答不一致")
)

// Service opens, shows and closes sessions.
type Service struct {
	db      *store.DB
	areas   *area.Store
	quizzes *quiz.Service
	now     func() time.Time
}

// NewService wires the service.
func NewService(db *store.DB, areas *area.Store, quizzes *quiz.Service) *Service {
	return &Service{db: db, areas: areas, quizzes: quizzes, now: time.Now}
}

// endOfDay is midnight after t in Asia/Shanghai.
func endOfDay(t time.Time) time.Time {
	l := t.In(area.Shanghai)
	return time.Date(l.Year(), l.Month(), l.Day()+1, 0, 0, 0, 0, area.Shanghai).UTC()
}

// JoinCodeLength is the digits of a new join code. Ten random digits (9×10⁹
// codes, no leading zero) make guessing hopeless: with a hundred sessions
// open, a guess hits one with odds of about 1 in 10⁸, and wrong codes are
// limited per caller (api). Digits, because residents may read them out or
// type them on a phone keypad.
const JoinCodeLength = 10

// legacyJoinCodeLength is the codes of sessions opened before codes grew;
// they expire by the end of their day.
const legacyJoinCodeLength = 6

func joinCode() string {
	n, err := rand.Int(rand.Reader, big.NewInt(9_000_000_000))
	if err != nil {
		panic(err)
	}
	return fmt.Sprintf("%010d", n.Int64()+1_000_000_000)
}

// View is a session as its worker sees it, with live counts.
type View struct {
	ID           int64     `json:"id"`
	QuizID       int64     `json:"quiz_id"`
	QuizTitle    string    `json:"quiz_title"`
	GridCode     string    `json:"grid_code"`
	GridName     string    `json:"grid_name"`
	JoinCode     string    `json:"join_code"`
	Status       string    `json:"status"`
	Open         bool      `json:"open"`
	ExpiresAt    time.Time `json:"expires_at"`
	CreatedAt    time.Time `json:"created_at"`
	Participants int64     `json:"participants"` // attempts started through it
	Submitted    int64     `json:"submitted"`
	Passed       int64     `json:"passed"`
}

func (s *Service) view(ctx context.Context, ss Session) (View, error) {
	q, err := s.quizzes.QuizByID(ctx, ss.QuizID)
	if err != nil {
		return View{}, err
	}
	v := View{ID: ss.ID, QuizID: ss.QuizID, QuizTitle: q.Title, GridCode: ss.GridCode, JoinCode: ss.JoinCode, Status: ss.Status,
		Open: ss.Status == "open" && s.now().Before(ss.ExpiresAt), ExpiresAt: ss.ExpiresAt, CreatedAt: ss.CreatedAt}
	if g, err := s.areas.Get(ctx, ss.GridCode); err == nil {
		v.GridName = g.Name
	}
	c, err := s.quizzes.SessionCounts(ctx, ss.ID)
	v.Participants, v.Submitted, v.Passed = c.Participants, c.Submitted, c.Passed
	return v, err
}

// Open starts a session for a published, running resident quiz whose area
// holds the worker's grid. It lasts until the worker closes it or the end
// of the day (Asia/Shanghai), whichever is first (and never past the quiz).
func (s *Service) Open(ctx context.Context, c auth.Caller, quizID int64) (View, error) {
	if c.Role != auth.GridWorker {
		return View{}, fault.ErrRole
	}
	grid, err := s.areas.Get(ctx, c.AreaCode)
	if err != nil || grid.Level != area.Grid {
		return View{}, ErrNotGridUser
	}
	q, err := s.quizzes.QuizByID(ctx, quizID)
	if err != nil {
		return View{}, err
	}
	now := s.now().UTC()
	if q.Status != quiz.Published || q.Audience != quiz.Residents || !q.Open(now) {
		return View{}, ErrQuizState
	}
	if !strings.HasPrefix(grid.Path, q.AreaPath) {
		return View{}, quiz.ErrOutsideArea
	}
	expires := endOfDay(now)
	if q.EndsAt.Before(expires) {
		expires = q.EndsAt
	}
	ss := Session{QuizID: q.ID, WorkerID: c.UserID, GridCode: grid.Code, GridPath: grid.Path, Status: "open", ExpiresAt: expires, CreatedAt: now}
	for try := 0; ; try++ {
		ss.JoinCode = joinCode()
		err = s.db.Tx(ctx, func(tx *gorm.DB) error {
			if err := tx.Create(&ss).Error; err != nil {
				return err
			}
			return audit.Record(tx, c.Actor(), "session.open", grid.Place(), fmt.Sprintf("session:%d", ss.ID), map[string]any{"quiz_id": q.ID})
		})
		if errors.Is(err, gorm.ErrDuplicatedKey) && try < 10 {
			ss.ID = 0
			continue
		}
		break
	}
	if err != nil {
		return View{}, fmt.Errorf("session: open: %w", err)
	}
	return s.view(ctx, ss)
}

// load reads a session its worker, or staff whose scope holds its grid, may see.
func (s *Service) load(ctx context.Context, c auth.Caller, id int64) (Session, error) {
	var ss Session
	err := s.db.WithContext(ctx).Where("id = ? AND (worker_id = ? OR grid_path LIKE ?)", id, c.UserID, c.ScopeLike()).Take(&ss).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ss, ErrNotFound
	}
	return ss, err
}

// Get shows a session with its live counts.
func (s *Service) Get(ctx context.Context, c auth.Caller, id int64) (View, error) {
	if !c.Role.IsStaff() {
		return View{}, fault.ErrRole
	}
	ss, err := s.load(ctx, c, id)
	if err != nil {
		return View{}, err
	}
	return s.view(ctx, ss)
}

// Close stops new attempts through the session; started ones may finish.
func (s *Service) Close(ctx context.Context, c auth.Caller, id int64) (View, error) {
	if !c.Role.IsStaff() {
		return View{}, fault.ErrRole
	}
	ss, err := s.load(ctx, c, id)
	if err != nil {
		return View{}, err
	}
	now := s.now().UTC()
	err = s.db.Tx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&Session{}).Where("id = ? AND status = 'open'", ss.ID).Updates(map[string]any{"status": "closed", "closed_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrGone
		}
		return audit.Record(tx, c.Actor(), "session.close", &audit.Place{Code: ss.GridCode, Path: ss.GridPath}, fmt.Sprintf("session:%d", ss.ID), nil)
	})
	if err != nil {
		return View{}, err
	}
	ss.Status, ss.ClosedAt = "closed", &now
	return s.view(ctx, ss)
}

// Mine lists the worker's sessions that are still open.
func (s *Service) Mine(ctx context.Context, c auth.Caller) ([]View, error) {
	var rows []Session
	if err := s.db.WithContext(ctx).Where("worker_id = ? AND status = 'open' AND expires_at > ?", c.UserID, s.now().UTC()).Order("id DESC").Limit(20).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := []View{}
	for _, r := range rows {
		v, err := s.view(ctx, r)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// Resolve finds the open session behind a join code: 404 for an unknown
// code, 410 for one that is closed or expired.
func (s *Service) Resolve(ctx context.Context, code string) (Session, error) {
	var ss Session
	if len(code) != JoinCodeLength && len(code) != legacyJoinCodeLength {
		return ss, ErrNotFound
	}
	err := s.db.WithContext(ctx).Where("join_code = ?", code).Take(&ss).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ss, ErrNotFound
	}
	if err != nil {
		return ss, err
	}
	if ss.Status != "open" || !s.now().Before(ss.ExpiresAt) {
		return ss, ErrGone
	}
	return ss, nil
}

// JoinInfo is what a resident sees on scanning a session's code.
type JoinInfo struct {
	JoinCode  string    `json:"join_code"`
	Quiz      QuizRef   `json:"quiz"`
	Grid      GridRef   `json:"grid"`
	ExpiresAt time.Time `json:"expires_at"`
}

// QuizRef names a quiz.
type QuizRef struct {
	ID    int64  `json:"id"`
	Title string `json:"title"`
}

// GridRef names a grid.
type GridRef struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// Join describes an open session for the join page.
func (s *Service) Join(ctx context.Context, code string) (JoinInfo, error) {
	ss, err := s.Resolve(ctx, code)
	if err != nil {
		return JoinInfo{}, err
	}
	q, err := s.quizzes.QuizByID(ctx, ss.QuizID)
	if err != nil {
		return JoinInfo{}, err
	}
	g, err := s.areas.Get(ctx, ss.GridCode)
	if err != nil {
		return JoinInfo{}, err
	}
	return JoinInfo{JoinCode: ss.JoinCode, Quiz: QuizRef{ID: q.ID, Title: q.Title}, Grid: GridRef{Code: g.Code, Name: g.Name}, ExpiresAt: ss.ExpiresAt}, nil
}

// Respondent attributes an attempt started through the session with code to
// the session's grid, keeping the resident's age band and occupation — when
// the resident's own grid (their profile) lies in the same county as the
// session's grid. A visitor from another county may still take part: the
// attempt is recorded as made through the session, but counts for the grid
// of the visitor's own profile (and the quiz's area must hold it), so a
// session can never move residents from one county's figures into another's.
func (s *Service) Respondent(ctx context.Context, code string, quizID int64, r quiz.Respondent) (quiz.Respondent, error) {
	ss, err := s.Resolve(ctx, code)
	if err != nil {
		return r, err
	}
	if ss.QuizID != quizID {
		return r, ErrWrongQuiz
	}
	id := ss.ID
	r.SessionID = &id
	if SameCounty(r.GridPath, ss.GridPath) {
		r.GridCode, r.GridPath = ss.GridCode, ss.GridPath
	}
	return r, nil
}

// SameCounty reports whether two grid paths ("/city/county/…/grid/") lie in
// the same county, the level whose figures are ranked against each other.
func SameCounty(a, b string) bool {
	ca, cb := countyPrefix(a), countyPrefix(b)
	return ca != "" && ca == cb
}

// countyPrefix is "/city/county/" of a path below a county, else "".
func countyPrefix(p string) string {
	parts := strings.SplitN(strings.TrimPrefix(p, "/"), "/", 3)
	if len(parts) < 3 || parts[0] == "" || parts[1] == "" {
		return ""
	}
	return "/" + parts[0] + "/" + parts[1] + "/"
}
