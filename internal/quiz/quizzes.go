package quiz

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"wuzha/internal/area"
	"wuzha/internal/audit"
	"wuzha/internal/auth"
	"wuzha/internal/fault"
	"wuzha/internal/rule"
	"wuzha/internal/taxonomy"
)

// QuizInput is a quiz as an editor writes it; on PATCH nil fields stay.
type QuizInput struct {
	Title                 *string    `json:"title"`
	Description           *string    `json:"description"`
	AreaCode              *string    `json:"area_code"`
	Audience              *Audience  `json:"audience"`
	StartsAt              *time.Time `json:"starts_at"`
	EndsAt                *time.Time `json:"ends_at"`
	QuestionCount         *int       `json:"question_count"`
	PassScore             *int       `json:"pass_score"`
	TimeLimitS            *int       `json:"time_limit_s"`
	MaxAttempts           *int       `json:"max_attempts"`
	FraudTypes            *[]string  `json:"fraud_types"`
	CoreQuestionIDs       *[]int64   `json:"core_question_ids"`
	MinSecondsPerQuestion *int       `json:"min_seconds_per_question"`
	CountsForAwareness    *bool      `json:"counts_for_awareness"`
}

// scoringFields change how attempts are drawn or graded; they are frozen
// once anyone has started the quiz.
func (in QuizInput) touchesScoring() bool {
	return in.AreaCode != nil || in.Audience != nil || in.QuestionCount != nil || in.PassScore != nil || in.TimeLimitS != nil ||
		in.MaxAttempts != nil || in.FraudTypes != nil || in.CoreQuestionIDs != nil || in.MinSecondsPerQuestion != nil ||
		in.CountsForAwareness != nil || in.StartsAt != nil
}

// QuizView is a quiz as the API shows it.
type QuizView struct {
	ID                    int64     `json:"id"`
	Title                 string    `json:"title"`
	Description           string    `json:"description"`
	AreaCode              string    `json:"area_code"`
	Audience              Audience  `json:"audience"`
	Status                Status    `json:"status"`
	StartsAt              time.Time `json:"starts_at"`
	EndsAt                time.Time `json:"ends_at"`
	QuestionCount         int       `json:"question_count"`
	PassScore             int       `json:"pass_score"`
	TimeLimitS            int       `json:"time_limit_s"`
	MaxAttempts           int       `json:"max_attempts"`
	FraudTypes            []string  `json:"fraud_types"`
	CoreQuestionIDs       []int64   `json:"core_question_ids"`
	MinSecondsPerQuestion int       `json:"min_seconds_per_question"`
	CountsForAwareness    bool      `json:"counts_for_awareness"`
	OpenNow               bool      `json:"open_now"`
	AttemptsUsed          *int      `json:"attempts_used,omitempty"`
	HasPrizes             bool      `json:"has_prizes"`
	// CountsNow says whether an attempt submitted now would count for
	// awareness; NotCountingReason says why not (staff pages only).
	CountsNow         *bool  `json:"counts_now,omitempty"`
	NotCountingReason string `json:"not_counting_reason,omitempty"`
	BelowRuleField    string `json:"below_rule_field,omitempty"`
}

// stateCounting says on v whether q counts for awareness under r now, and why not.
func stateCounting(v *QuizView, q Quiz, r rule.Rule) {
	counts := false
	switch {
	case q.Audience != Residents:
		v.NotCountingReason = "工作人员培训问答，不计入群众知晓率"
	case !q.CountsForAwareness:
		v.NotCountingReason = "练习问答，不计入知晓率"
	default:
		field, msg := r.Shortfall(q.PassScore, q.QuestionCount, q.MinSecondsPerQuestion)
		if field == "" {
			counts = true
			break
		}
		since := ""
		if r.UpdatedAt != nil {
			since = "自 " + r.UpdatedAt.In(area.Shanghai).Format("2006-01-02 15:04") + " 考核规则调整起，"
		}
		v.NotCountingReason = msg + "：不再计入知晓率（" + since + "此后提交的答卷不计入；此前已计入的不变）"
		v.BelowRuleField = field
	}
	v.CountsNow = &counts
}

// checkRule refuses a counting residents' quiz below the assessment rule.
func checkRule(q Quiz, r rule.Rule) error {
	if q.Audience != Residents || !q.CountsForAwareness {
		return nil // practice and training quizzes are free
	}
	if field, msg := r.Shortfall(q.PassScore, q.QuestionCount, q.MinSecondsPerQuestion); field != "" {
		return rule.BelowRule(field, msg)
	}
	return nil
}

func (s *Service) rule(ctx context.Context) (rule.Rule, error) {
	return rule.Load(s.db.WithContext(ctx))
}

func viewQuiz(q Quiz, now time.Time) QuizView {
	core := splitIDs(q.CoreQuestionIDs)
	if core == nil {
		core = []int64{}
	}
	return QuizView{ID: q.ID, Title: q.Title, Description: q.Description, AreaCode: q.AreaCode, Audience: q.Audience, Status: q.Status,
		StartsAt: q.StartsAt, EndsAt: q.EndsAt, QuestionCount: q.QuestionCount, PassScore: q.PassScore, TimeLimitS: q.TimeLimitS,
		MaxAttempts: q.MaxAttempts, FraudTypes: splitCodes(q.FraudTypes), CoreQuestionIDs: core, MinSecondsPerQuestion: q.MinSecondsPerQuestion,
		CountsForAwareness: q.CountsForAwareness, OpenNow: q.Open(now)}
}

func (s *Service) applyQuiz(ctx context.Context, c auth.Caller, q *Quiz, in QuizInput) error {
	if in.Title != nil {
		q.Title = strings.TrimSpace(*in.Title)
	}
	if in.Description != nil {
		q.Description = strings.TrimSpace(*in.Description)
	}
	if in.Audience != nil {
		q.Audience = *in.Audience
	}
	if in.StartsAt != nil {
		q.StartsAt = in.StartsAt.UTC()
	}
	if in.EndsAt != nil {
		q.EndsAt = in.EndsAt.UTC()
	}
	if in.QuestionCount != nil {
		q.QuestionCount = *in.QuestionCount
	}
	if in.PassScore != nil {
		q.PassScore = *in.PassScore
	}
	if in.TimeLimitS != nil {
		q.TimeLimitS = *in.TimeLimitS
	}
	if in.MaxAttempts != nil {
		q.MaxAttempts = *in.MaxAttempts
	}
	if in.MinSecondsPerQuestion != nil {
		q.MinSecondsPerQuestion = *in.MinSecondsPerQuestion
	}
	if in.CountsForAwareness != nil {
		q.CountsForAwareness = *in.CountsForAwareness
	}
	lists, err := s.codes.Lists(ctx)
	if err != nil {
		return err
	}
	var v fault.Validation
	if in.FraudTypes != nil {
		ft := append([]string(nil), *in.FraudTypes...)
		sort.Strings(ft)
		for _, f := range ft {
			if !lists.Has(taxonomy.FraudType, f) {
				v.Add("fraud_types", fmt.Sprintf("诈骗类型 %q 无效", f))
			}
		}
		q.FraudTypes = strings.Join(dedupe(ft), ",")
	}
	if in.AreaCode != nil {
		a, err := s.areas.Get(ctx, *in.AreaCode)
		if errors.Is(err, area.ErrNotFound) {
			v.Add("area_code", "区域不存在")
		} else if err != nil {
			return err
		} else if !c.InScope(a.Path) {
			return fault.ErrOutOfScope
		} else {
			q.AreaCode, q.AreaPath = a.Code, a.Path
		}
	}
	if in.CoreQuestionIDs != nil {
		q.CoreQuestionIDs = joinIDs(*in.CoreQuestionIDs)
	}
	if l := utf8.RuneCountInString(q.Title); l < 2 || l > 100 {
		v.Add("title", "标题应为 2–100 字")
	}
	if utf8.RuneCountInString(q.Description) > 1000 {
		v.Add("description", "说明不超过 1000 字")
	}
	if q.Audience != Residents && q.Audience != Staff {
		v.Add("audience", "对象应为 residents 或 staff")
	}
	if q.StartsAt.IsZero() || q.EndsAt.IsZero() || !q.EndsAt.After(q.StartsAt) {
		v.Add("ends_at", "结束时间必须晚于开始时间")
	}
	if q.QuestionCount < 1 || q.QuestionCount > 50 {
		v.Add("question_count", "题目数量应为 1–50")
	}
	if q.PassScore < 0 || q.PassScore > 100 {
		v.Add("pass_score", "及格分应为 0–100")
	}
	if q.TimeLimitS < 30 || q.TimeLimitS > 7200 {
		v.Add("time_limit_s", "答题时限应为 30–7200 秒")
	}
	if q.MaxAttempts < 1 || q.MaxAttempts > 20 {
		v.Add("max_attempts", "每人答题次数应为 1–20")
	}
	// In int64 and bounded on its own: a huge value times the count used to
	// wrap round, pass, and then fail the INT column on MariaDB with a 500.
	if q.MinSecondsPerQuestion < 0 || q.MinSecondsPerQuestion > 7200 || int64(q.MinSecondsPerQuestion)*int64(q.QuestionCount) > int64(q.TimeLimitS) {
		v.Add("min_seconds_per_question", "每题最短用时应不小于 0，且总和不超过答题时限")
	}
	if len(splitIDs(q.CoreQuestionIDs)) > q.QuestionCount {
		v.Add("core_question_ids", "必答题数量不能超过题目数量")
	}
	if q.Audience == Staff {
		q.CountsForAwareness = false // training never counts toward residents' awareness
	}
	return v.Err()
}

// CreateQuiz writes a draft quiz inside the editor's scope.
func (s *Service) CreateQuiz(ctx context.Context, c auth.Caller, in QuizInput) (QuizView, error) {
	if !c.Is(auth.Editor) {
		return QuizView{}, fault.ErrRole
	}
	q := Quiz{Status: Draft, Audience: Residents, CountsForAwareness: true, AreaCode: c.AreaCode, AreaPath: c.AreaPath, AuthorID: &c.UserID,
		QuestionCount: 10, PassScore: 60, TimeLimitS: 600, MaxAttempts: 3, MinSecondsPerQuestion: 2}
	if err := s.applyQuiz(ctx, c, &q, in); err != nil {
		return QuizView{}, err
	}
	r, err := s.rule(ctx)
	if err != nil {
		return QuizView{}, err
	}
	if err := checkRule(q, r); err != nil {
		return QuizView{}, err
	}
	now := time.Now().UTC()
	q.CreatedAt, q.UpdatedAt = now, now
	err = s.db.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&q).Error; err != nil {
			return err
		}
		return audit.Record(tx, c.Actor(), "quiz.create", &audit.Place{Code: q.AreaCode, Path: q.AreaPath}, fmt.Sprintf("quiz:%d", q.ID), map[string]any{"title": q.Title})
	})
	if err != nil {
		return QuizView{}, fmt.Errorf("quiz: create: %w", err)
	}
	v := viewQuiz(q, s.now())
	stateCounting(&v, q, r)
	return v, nil
}

func (s *Service) loadQuiz(ctx context.Context, c auth.Caller, id int64) (Quiz, error) {
	var q Quiz
	err := s.db.WithContext(ctx).Where("id = ? AND area_path LIKE ?", id, c.ScopeLike()).Take(&q).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return q, ErrNotFound
	}
	return q, err
}

// UpdateQuiz edits a quiz in scope. Once anyone has started it, the rules
// that decide drawing and grading are frozen; title, description and the
// closing time may still change.
func (s *Service) UpdateQuiz(ctx context.Context, c auth.Caller, id int64, in QuizInput) (QuizView, error) {
	if !c.Is(auth.Editor) {
		return QuizView{}, fault.ErrRole
	}
	q, err := s.loadQuiz(ctx, c, id)
	if err != nil {
		return QuizView{}, err
	}
	if in.touchesScoring() {
		var n int64
		if err := s.db.WithContext(ctx).Model(&Attempt{}).Where("quiz_id = ?", q.ID).Count(&n).Error; err != nil {
			return QuizView{}, err
		}
		if n > 0 {
			return QuizView{}, ErrRulesLocked
		}
	}
	if err := s.applyQuiz(ctx, c, &q, in); err != nil {
		return QuizView{}, err
	}
	r, err := s.rule(ctx)
	if err != nil {
		return QuizView{}, err
	}
	// A change of how the quiz is drawn or graded must meet the rule; a
	// quiz already below a later rule may still get a new title.
	if in.touchesScoring() {
		if err := checkRule(q, r); err != nil {
			return QuizView{}, err
		}
	}
	q.UpdatedAt = time.Now().UTC()
	err = s.db.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Select("*").Omit("id", "created_at", "author_id", "status").Updates(&q).Error; err != nil {
			return err
		}
		return audit.Record(tx, c.Actor(), "quiz.update", &audit.Place{Code: q.AreaCode, Path: q.AreaPath}, fmt.Sprintf("quiz:%d", q.ID), nil)
	})
	if err != nil {
		return QuizView{}, err
	}
	s.quizzes.drop(q.ID)
	v := viewQuiz(q, s.now())
	stateCounting(&v, q, r)
	return v, nil
}

// drawPool is the questions a quiz may draw from.
func (s *Service) drawPool(ctx context.Context, q Quiz) ([]Question, error) {
	_, active, err := s.questions(ctx)
	if err != nil {
		return nil, err
	}
	types := splitCodes(q.FraudTypes)
	var pool []Question
	for _, qu := range active {
		if !usableAt(qu.OwnerPath, q.AreaPath) {
			continue
		}
		if len(types) > 0 && !contains(types, qu.FraudType) {
			continue
		}
		pool = append(pool, qu)
	}
	return pool, nil
}

// PublishQuiz makes a draft quiz live, provided it can draw its questions.
func (s *Service) PublishQuiz(ctx context.Context, c auth.Caller, id int64) (QuizView, error) {
	if !c.Is(auth.Editor) {
		return QuizView{}, fault.ErrRole
	}
	q, err := s.loadQuiz(ctx, c, id)
	if err != nil {
		return QuizView{}, err
	}
	if q.Status != Draft {
		return QuizView{}, ErrNotDraft
	}
	r, err := s.rule(ctx)
	if err != nil {
		return QuizView{}, err
	}
	if err := checkRule(q, r); err != nil {
		return QuizView{}, err
	}
	if err := s.unapprovedCore(ctx, q); err != nil {
		return QuizView{}, err
	}
	pool, err := s.drawPool(ctx, q)
	if err != nil {
		return QuizView{}, err
	}
	inPool := map[int64]bool{}
	for _, p := range pool {
		inPool[p.ID] = true
	}
	for _, id := range splitIDs(q.CoreQuestionIDs) {
		if !inPool[id] {
			var v fault.Validation
			v.Add("core_question_ids", fmt.Sprintf("必答题 %d 不在可用题库中", id))
			return QuizView{}, v.Err()
		}
	}
	if len(pool) < q.QuestionCount {
		return QuizView{}, ErrNotEnoughQuestion
	}
	err = s.db.Tx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&Quiz{}).Where("id = ? AND status = ?", q.ID, Draft).Updates(map[string]any{"status": Published, "updated_at": time.Now().UTC()})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrNotDraft
		}
		return audit.Record(tx, c.Actor(), "quiz.publish", &audit.Place{Code: q.AreaCode, Path: q.AreaPath}, fmt.Sprintf("quiz:%d", q.ID), nil)
	})
	if err != nil {
		return QuizView{}, err
	}
	s.quizzes.drop(q.ID)
	q.Status = Published
	v := viewQuiz(q, s.now())
	stateCounting(&v, q, r)
	return v, nil
}

// GetQuiz shows a quiz to staff in scope.
func (s *Service) GetQuiz(ctx context.Context, c auth.Caller, id int64) (QuizView, error) {
	q, err := s.loadQuiz(ctx, c, id)
	if err != nil {
		return QuizView{}, err
	}
	v := viewQuiz(q, s.now())
	r, err := s.rule(ctx)
	if err != nil {
		return QuizView{}, err
	}
	stateCounting(&v, q, r)
	cq, err := s.cachedQuiz(ctx, id)
	if err != nil {
		return QuizView{}, err
	}
	v.HasPrizes = len(cq.pools) > 0
	return v, nil
}

// ListQuizzes lists quizzes inside the caller's scope, newest first.
func (s *Service) ListQuizzes(ctx context.Context, c auth.Caller, audience Audience, beforeID int64, limit int) ([]QuizView, error) {
	if !c.Role.IsStaff() {
		return nil, fault.ErrRole
	}
	q := s.db.WithContext(ctx).Where("area_path LIKE ?", c.ScopeLike())
	if audience != "" {
		q = q.Where("audience = ?", audience)
	}
	if beforeID > 0 {
		q = q.Where("id < ?", beforeID)
	}
	var rows []Quiz
	if err := q.Order("id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, err
	}
	r, err := s.rule(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]QuizView, len(rows))
	for i, q := range rows {
		out[i] = viewQuiz(q, s.now())
		stateCounting(&out[i], q, r)
	}
	return out, nil
}

// ActiveQuizzes lists the quizzes open now for the caller: for a resident,
// resident quizzes whose area contains their grid; for staff, training
// quizzes whose area contains their scope area — or, with forResidents,
// the resident quizzes there (a grid worker choosing one to run).
func (s *Service) ActiveQuizzes(ctx context.Context, c auth.Caller, gridPath string, forResidents bool) ([]QuizView, error) {
	audience, path := Residents, gridPath
	if c.Role.IsStaff() {
		audience, path = Staff, c.AreaPath
		if forResidents { // what a grid worker may open a session for
			audience = Residents
		}
	}
	if path == "" {
		return nil, ErrProfileRequired
	}
	now := s.now().UTC()
	var rows []Quiz
	err := s.db.WithContext(ctx).Where("status = ? AND audience = ? AND starts_at <= ? AND ends_at > ? AND area_path IN ?", Published, audience, now, now, ancestors(path)).
		Order("ends_at").Limit(100).Find(&rows).Error
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	used := map[int64]int{}
	if len(ids) > 0 {
		var counts []struct {
			QuizID int64
			N      int
		}
		if err := s.db.WithContext(ctx).Model(&Attempt{}).Select("quiz_id, COUNT(*) AS n").Where("user_id = ? AND quiz_id IN ?", c.UserID, ids).Group("quiz_id").Scan(&counts).Error; err != nil {
			return nil, err
		}
		for _, x := range counts {
			used[x.QuizID] = x.N
		}
	}
	out := make([]QuizView, len(rows))
	for i, r := range rows {
		out[i] = viewQuiz(r, now)
		n := used[r.ID]
		out[i].AttemptsUsed = &n
		cq, err := s.cachedQuiz(ctx, r.ID)
		if err != nil {
			return nil, err
		}
		out[i].HasPrizes = len(cq.pools) > 0
	}
	return out, nil
}

// PoolInput is a prize pool as an editor defines it.
type PoolInput struct {
	Name        string  `json:"name"`
	Stock       int     `json:"stock"`
	MinScore    int     `json:"min_score"`
	Probability float64 `json:"probability"`
}

// AddPool adds a prize pool to a quiz in scope.
func (s *Service) AddPool(ctx context.Context, c auth.Caller, quizID int64, in PoolInput) (PrizePool, error) {
	if !c.Is(auth.Editor) {
		return PrizePool{}, fault.ErrRole
	}
	q, err := s.loadQuiz(ctx, c, quizID)
	if err != nil {
		return PrizePool{}, err
	}
	var v fault.Validation
	if l := utf8.RuneCountInString(strings.TrimSpace(in.Name)); l < 1 || l > 50 {
		v.Add("name", "奖品名称应为 1–50 字")
	}
	if in.Stock < 1 || in.Stock > 1_000_000 {
		v.Add("stock", "库存应为 1–1000000")
	}
	if in.MinScore < 0 || in.MinScore > 100 {
		v.Add("min_score", "最低分应为 0–100")
	}
	if in.Probability <= 0 || in.Probability > 1 {
		v.Add("probability", "中奖概率应大于 0 且不超过 1")
	}
	if err := v.Err(); err != nil {
		return PrizePool{}, err
	}
	p := PrizePool{QuizID: q.ID, Name: strings.TrimSpace(in.Name), Stock: in.Stock, MinScore: in.MinScore, Probability: in.Probability, CreatedAt: time.Now().UTC()}
	err = s.db.Tx(ctx, func(tx *gorm.DB) error {
		if err := createPool(tx, &p); err != nil {
			return err
		}
		return audit.Record(tx, c.Actor(), "prize.pool_create", &audit.Place{Code: q.AreaCode, Path: q.AreaPath}, fmt.Sprintf("quiz:%d", q.ID), map[string]any{"name": p.Name, "stock": p.Stock})
	})
	if err != nil {
		return PrizePool{}, err
	}
	s.quizzes.drop(q.ID)
	return p, nil
}

// Pools lists a quiz's prize pools with their remaining stock.
func (s *Service) Pools(ctx context.Context, c auth.Caller, quizID int64) ([]PrizePool, error) {
	q, err := s.loadQuiz(ctx, c, quizID)
	if err != nil {
		return nil, err
	}
	out := []PrizePool{}
	if err := s.db.WithContext(ctx).Where("quiz_id = ?", q.ID).Order("min_score DESC, id").Find(&out).Error; err != nil {
		return nil, err
	}
	ids := make([]int64, len(out))
	for i, p := range out {
		ids[i] = p.ID
	}
	var left []struct {
		PoolID    int64
		Remaining int
	}
	err = s.db.WithContext(ctx).Table("prize_stock").Select("pool_id, SUM(remaining) AS remaining").Where("pool_id IN ?", ids).Group("pool_id").Scan(&left).Error
	if err != nil {
		return nil, err
	}
	byPool := map[int64]int{}
	for _, l := range left {
		byPool[l.PoolID] = l.Remaining
	}
	for i := range out {
		out[i].Remaining = byPool[out[i].ID]
	}
	return out, nil
}

// QuizByID returns a quiz whatever its status, without a scope check, from
// the short-lived cache: sessions name their quiz with it and check
// themselves whether it is published and running. Unknown quizzes are
// ErrNotFound.
func (s *Service) QuizByID(ctx context.Context, id int64) (Quiz, error) {
	cq, err := s.cachedQuiz(ctx, id)
	if err != nil {
		return Quiz{}, err
	}
	return cq.quiz, nil
}
