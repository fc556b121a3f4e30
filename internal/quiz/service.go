package quiz

import (
	"context"
	"strings"
	"sync"
	"time"

	"wuzha/internal/area"
	"wuzha/internal/store"
	"wuzha/internal/taxonomy"
)

// Service runs the question bank, quizzes, attempts and prizes.
type Service struct {
	db      *store.DB
	areas   *area.Store
	codes   *taxonomy.Store
	bank    bankCache
	quizzes quizCache
	now     func() time.Time
	// profiles place residents' attempts (UseProfiles).
	profiles Profiles
}

// NewService wires the service.
func NewService(db *store.DB, areas *area.Store, codes *taxonomy.Store) *Service {
	return &Service{db: db, areas: areas, codes: codes, bank: bankCache{ttl: 10 * time.Second},
		quizzes: quizCache{ttl: 2 * time.Second, items: map[int64]cachedQuiz{}}, now: time.Now}
}

// ancestors lists path and every path above it: "/a/b/" → "/a/", "/a/b/".
func ancestors(path string) []string {
	var out []string
	parts := strings.Split(strings.Trim(path, "/"), "/")
	cur := "/"
	for _, p := range parts {
		if p == "" {
			continue
		}
		cur += p + "/"
		out = append(out, cur)
	}
	return out
}

// usableAt reports whether a question owned at ownerPath may be used by
// someone (or a quiz) at path: owned at or above it, or inside it.
func usableAt(ownerPath, path string) bool {
	return strings.HasPrefix(path, ownerPath) || strings.HasPrefix(ownerPath, path)
}

// bankCache keeps the active, approved questions for drawing and grading. The bank
// is a few hundred to a few thousand rows and changes rarely.
type bankCache struct {
	ttl      time.Duration
	mu       sync.Mutex
	loadedAt time.Time
	byID     map[int64]Question
	active   []Question
}

func (c *bankCache) invalidate() {
	c.mu.Lock()
	c.loadedAt = time.Time{}
	c.mu.Unlock()
}

func (s *Service) questions(ctx context.Context) (map[int64]Question, []Question, error) {
	c := &s.bank
	c.mu.Lock()
	defer c.mu.Unlock()
	if time.Since(c.loadedAt) < c.ttl {
		return c.byID, c.active, nil
	}
	var all []Question
	if err := s.db.WithContext(ctx).Where("active = ? AND status = ?", true, QuestionApproved).Order("id").Find(&all).Error; err != nil {
		return nil, nil, err
	}
	c.byID = make(map[int64]Question, len(all))
	for _, q := range all {
		c.byID[q.ID] = q
	}
	c.active, c.loadedAt = all, time.Now()
	return c.byID, c.active, nil
}

// question returns one question, active or not (for grading old attempts).
func (s *Service) question(ctx context.Context, id int64) (Question, bool, error) {
	byID, _, err := s.questions(ctx)
	if err != nil {
		return Question{}, false, err
	}
	if q, ok := byID[id]; ok {
		return q, true, nil
	}
	var q Question
	res := s.db.WithContext(ctx).Where("id = ?", id).Limit(1).Find(&q)
	return q, res.RowsAffected == 1, res.Error
}

type cachedQuiz struct {
	quiz     Quiz
	pools    []PrizePool // rules only: Remaining is read from the row when drawing
	loadedAt time.Time
}

// quizCache keeps recently used quizzes (and whether they have prizes) for a
// moment: every attempt start and submit reads them. Changes by this instance
// drop the entry at once; other instances see them within the TTL.
type quizCache struct {
	ttl   time.Duration
	mu    sync.Mutex
	items map[int64]cachedQuiz
}

func (c *quizCache) drop(id int64) {
	c.mu.Lock()
	delete(c.items, id)
	c.mu.Unlock()
}

func (s *Service) cachedQuiz(ctx context.Context, id int64) (cachedQuiz, error) {
	s.quizzes.mu.Lock()
	cq, ok := s.quizzes.items[id]
	s.quizzes.mu.Unlock()
	if ok && time.Since(cq.loadedAt) < s.quizzes.ttl {
		return cq, nil
	}
	var q Quiz
	res := s.db.WithContext(ctx).Where("id = ?", id).Limit(1).Find(&q)
	if res.Error != nil {
		return cq, res.Error
	}
	if res.RowsAffected == 0 {
		return cq, ErrNotFound
	}
	var pools []PrizePool
	if err := s.db.WithContext(ctx).Where("quiz_id = ?", id).Order("min_score DESC, id").Find(&pools).Error; err != nil {
		return cq, err
	}
	cq = cachedQuiz{quiz: q, pools: pools, loadedAt: time.Now()}
	s.quizzes.mu.Lock()
	if len(s.quizzes.items) > 1000 {
		s.quizzes.items = map[int64]cachedQuiz{}
	}
	s.quizzes.items[id] = cq
	s.quizzes.mu.Unlock()
	return cq, nil
}
