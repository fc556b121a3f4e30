// Package rule is the city-wide assessment rule (考核规则): the targets and
// minimum sample the assessment scores by, and what a counting quiz must
// meet (pass mark, number of questions, seconds per question). There is one
// rule for the whole city, stored in the database so that every instance
// reads the same, and only an admin at the root area may change it: the
// counties, towns and grids ranked by it never set it.
package rule

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"gorm.io/gorm"

	"wuzha/internal/audit"
	"wuzha/internal/auth"
	"wuzha/internal/fault"
	"wuzha/internal/store"
)

// Rule is the assessment rule in force.
type Rule struct {
	TargetRate            float64    `json:"target_rate"`
	TargetCoverage        float64    `json:"target_coverage"`
	MinRespondents        int        `json:"min_respondents"`
	PassScore             int        `json:"pass_score"`
	MinQuestions          int        `json:"min_questions"`
	MinSecondsPerQuestion int        `json:"min_seconds_per_question"`
	UpdatedAt             *time.Time `json:"updated_at"`
	UpdatedBy             *string    `json:"updated_by"`
}

// Default is the rule of an installation nobody has changed it in.
func Default() Rule {
	return Rule{TargetRate: 0.90, TargetCoverage: 0.05, MinRespondents: 30, PassScore: 60, MinQuestions: 5, MinSecondsPerQuestion: 2}
}

// Stored is the one row (id 1) the rule lives in.
type Stored struct {
	ID                    int64 `gorm:"primaryKey"`
	TargetRate            float64
	TargetCoverage        float64
	MinRespondents        int
	PassScore             int
	MinQuestions          int
	MinSecondsPerQuestion int
	UpdatedAt             *time.Time `gorm:"autoUpdateTime:false"` // nil until a root admin changes the seeded rule
	UpdatedByID           *int64
	UpdatedByName         *string
}

// TableName is the rule's table.
func (Stored) TableName() string { return "assessment_rules" }

func (s Stored) rule() Rule {
	return Rule{TargetRate: s.TargetRate, TargetCoverage: s.TargetCoverage, MinRespondents: s.MinRespondents, PassScore: s.PassScore,
		MinQuestions: s.MinQuestions, MinSecondsPerQuestion: s.MinSecondsPerQuestion, UpdatedAt: s.UpdatedAt, UpdatedBy: s.UpdatedByName}
}

// Load reads the rule in force inside tx (a submit transaction reads it
// there, so an attempt is judged by the rule in force when it commits).
// Before the rule is first stored, it is Default.
func Load(tx *gorm.DB) (Rule, error) {
	var s Stored
	res := tx.Where("id = ?", 1).Limit(1).Find(&s)
	if res.Error != nil {
		return Rule{}, fmt.Errorf("rule: load: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return Default(), nil
	}
	return s.rule(), nil
}

// Shortfall names the first thing in which a counting quiz falls below the
// rule: the field ("pass_score", "question_count" or
// "min_seconds_per_question") and a sentence saying so; "" when it meets it.
func (r Rule) Shortfall(passScore, questionCount, minSecondsPerQuestion int) (field, message string) {
	switch {
	case passScore < r.PassScore:
		return "pass_score", fmt.Sprintf("及格分 %d 低于考核规则要求的 %d 分", passScore, r.PassScore)
	case questionCount < r.MinQuestions:
		return "question_count", fmt.Sprintf("题目数量 %d 少于考核规则要求的 %d 道", questionCount, r.MinQuestions)
	case minSecondsPerQuestion < r.MinSecondsPerQuestion:
		return "min_seconds_per_question", fmt.Sprintf("每题最短用时 %d 秒低于考核规则要求的 %d 秒", minSecondsPerQuestion, r.MinSecondsPerQuestion)
	}
	return "", ""
}

// Admits reports whether a counting quiz with these settings meets the rule.
func (r Rule) Admits(passScore, questionCount, minSecondsPerQuestion int) bool {
	f, _ := r.Shortfall(passScore, questionCount, minSecondsPerQuestion)
	return f == ""
}

// ErrBelowRule is a counting quiz below the rule; BelowRule fills in which field.
var ErrBelowRule = fault.New(fault.Invalid, "below_assessment_rule", "计入知晓率的问答低于考核规则")

// BelowRule is the 422 below_assessment_rule error naming field.
func BelowRule(field, message string) error {
	return &fault.Error{Kind: fault.Invalid, Code: ErrBelowRule.Code,
		Message: message + "；计入知晓率的问答须满足全市考核规则，或改为练习问答（不计入知晓率）",
		Fields:  []fault.Field{{Field: field, Message: message}}}
}

// ErrNotRoot is an attempt to change the rule from below the root.
var ErrNotRoot = fault.New(fault.Forbidden, "root_admin_required", "考核规则只能由市级（根区域）管理员修改")

// Input is a rule as a root admin writes it; every field is required.
type Input struct {
	TargetRate            *float64 `json:"target_rate"`
	TargetCoverage        *float64 `json:"target_coverage"`
	MinRespondents        *int     `json:"min_respondents"`
	PassScore             *int     `json:"pass_score"`
	MinQuestions          *int     `json:"min_questions"`
	MinSecondsPerQuestion *int     `json:"min_seconds_per_question"`
}

func (in Input) validate() (Rule, error) {
	var v fault.Validation
	fraction := func(name string, p *float64) float64 {
		switch {
		case p == nil:
			v.Add(name, "必须填写")
		case math.IsNaN(*p) || *p <= 0 || *p > 1:
			v.Add(name, "应大于 0 且不超过 1")
		default:
			return *p
		}
		return 0
	}
	count := func(name string, p *int, lo, hi int, what string) int {
		switch {
		case p == nil:
			v.Add(name, "必须填写")
		case *p < lo || *p > hi:
			v.Add(name, fmt.Sprintf("%s应为 %d–%d", what, lo, hi))
		default:
			return *p
		}
		return 0
	}
	r := Rule{
		TargetRate:            fraction("target_rate", in.TargetRate),
		TargetCoverage:        fraction("target_coverage", in.TargetCoverage),
		MinRespondents:        count("min_respondents", in.MinRespondents, 0, 1_000_000, "最少样本"),
		PassScore:             count("pass_score", in.PassScore, 0, 100, "及格分"),
		MinQuestions:          count("min_questions", in.MinQuestions, 1, 50, "最少题目数"),
		MinSecondsPerQuestion: count("min_seconds_per_question", in.MinSecondsPerQuestion, 0, 600, "每题最短用时"),
	}
	return r, v.Err()
}

// Service reads and changes the rule.
type Service struct {
	db   *store.DB
	seed Rule
}

// NewService wires the service; seed is the rule stored the first time the
// installation starts (from WUZHA_TARGET_RATE and friends, else Default).
func NewService(db *store.DB, seed Rule) *Service {
	return &Service{db: db, seed: seed}
}

// Seed stores the seed rule unless a rule is stored already; afterwards the
// environment no longer changes it. It reports whether the stored rule
// differs from the seed (so the server can say the environment is ignored).
func (s *Service) Seed(ctx context.Context) (differs bool, err error) {
	err = s.db.Tx(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&Stored{}).Where("id = ?", 1).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			err := tx.Create(&Stored{ID: 1, TargetRate: s.seed.TargetRate, TargetCoverage: s.seed.TargetCoverage, MinRespondents: s.seed.MinRespondents,
				PassScore: s.seed.PassScore, MinQuestions: s.seed.MinQuestions, MinSecondsPerQuestion: s.seed.MinSecondsPerQuestion}).Error
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return nil // another instance seeded it
			}
			return err
		}
		cur, err := Load(tx)
		if err != nil {
			return err
		}
		differs = !same(cur, s.seed)
		return nil
	})
	return differs, err
}

func same(a, b Rule) bool {
	a.UpdatedAt, a.UpdatedBy, b.UpdatedAt, b.UpdatedBy = nil, nil, nil, nil
	return a == b
}

// Get is the rule in force; staff and API keys may read it.
func (s *Service) Get(ctx context.Context, c auth.Caller) (Rule, error) {
	if !c.Role.IsStaff() {
		return Rule{}, fault.ErrRole
	}
	return Load(s.db.WithContext(ctx))
}

// AtRoot reports whether c is an admin whose scope is a root area.
func AtRoot(c auth.Caller) bool {
	return c.Role == auth.Admin && c.APIKeyID == 0 && strings.Count(c.AreaPath, "/") == 2
}

// Update replaces the rule: only an admin at the root area, and audited
// with the old and the new values. A quiz that no longer meets the new rule
// stops counting for awareness from this moment: attempts submitted
// afterwards do not count.
func (s *Service) Update(ctx context.Context, c auth.Caller, in Input) (Rule, error) {
	if c.Role != auth.Admin {
		return Rule{}, fault.ErrRole
	}
	if !AtRoot(c) {
		return Rule{}, ErrNotRoot
	}
	r, err := in.validate()
	if err != nil {
		return Rule{}, err
	}
	now := time.Now().UTC().Truncate(time.Second)
	name := c.Username
	r.UpdatedAt, r.UpdatedBy = &now, &name
	err = s.db.Tx(ctx, func(tx *gorm.DB) error {
		old, err := Load(tx)
		if err != nil {
			return err
		}
		row := Stored{ID: 1, TargetRate: r.TargetRate, TargetCoverage: r.TargetCoverage, MinRespondents: r.MinRespondents, PassScore: r.PassScore,
			MinQuestions: r.MinQuestions, MinSecondsPerQuestion: r.MinSecondsPerQuestion, UpdatedAt: &now, UpdatedByID: &c.UserID, UpdatedByName: &name}
		var n int64
		if err := tx.Model(&Stored{}).Where("id = ?", 1).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			err = tx.Create(&row).Error
		} else {
			err = tx.Model(&Stored{}).Where("id = ?", 1).Select("*").Omit("id").Updates(&row).Error
		}
		if err != nil {
			return err
		}
		old.UpdatedAt, old.UpdatedBy = nil, nil
		nw := r
		nw.UpdatedAt, nw.UpdatedBy = nil, nil
		return audit.Record(tx, c.Actor(), "assessment.rule_update", &audit.Place{Code: c.AreaCode, Path: c.AreaPath}, "assessment_rule",
			map[string]any{"old": old, "new": nw})
	})
	if err != nil {
		return Rule{}, fmt.Errorf("rule: update: %w", err)
	}
	return r, nil
}
