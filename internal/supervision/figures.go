package supervision

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"wuzha/internal/assessment"
	"wuzha/internal/auth"
	"wuzha/internal/awareness"
	"wuzha/internal/fault"
	"wuzha/internal/rule"
	"wuzha/internal/store"
)

// GenerateInput asks for items from the figures of area's children.
type GenerateInput struct {
	Period   string     `json:"period"`
	AreaCode string     `json:"area_code"`
	DueAt    *time.Time `json:"due_at"`
}

// Generated is what Generate opened, and how many shortfalls already had
// an open item (and so opened none).
type Generated struct {
	Items       []View `json:"items"`
	AlreadyOpen int    `json:"already_open"`
}

// shortfalls are the metrics on which an assessment row falls short of the
// rule: the rate with a sufficient sample below target_rate, the coverage
// below target_coverage.
func shortfalls(r rule.Rule, row assessment.Row) []string {
	var out []string
	if row.SufficientSample && row.Rate != nil && *row.Rate < r.TargetRate {
		out = append(out, MetricRate)
	}
	if row.Coverage != nil && *row.Coverage < r.TargetCoverage {
		out = append(out, MetricCoverage)
	}
	return out
}

func rowFigures(row assessment.Row) Figures {
	return Figures{Respondents: row.Respondents, Rate: row.Rate, Coverage: row.Coverage}
}

// Generate opens one item for each child of the area whose figures in the
// period fall short of the rule on a metric, by the assessment's rows. A
// shortfall that already has an open item (same period, area and metric)
// opens none, so running it again creates no duplicates.
func (s *Service) Generate(ctx context.Context, c auth.Caller, in GenerateInput) (Generated, error) {
	if c.Role != auth.Admin || c.APIKeyID != 0 {
		return Generated{}, fault.ErrRole
	}
	now := s.clock()
	var v fault.Validation
	checkDue(&v, "due_at", in.DueAt, now)
	p, err := awareness.ParsePeriod(in.Period, now)
	if err != nil {
		v.Add("period", "考核期格式应为 2026Q3 或 2026-09，且不能晚于当前")
	}
	if in.AreaCode == "" {
		v.Add("area_code", "必须填写区域")
	}
	if err := v.Err(); err != nil {
		return Generated{}, err
	}
	sh, err := s.assessment.Get(ctx, c, in.AreaCode, p)
	if err != nil {
		return Generated{}, err
	}
	out := Generated{Items: []View{}}
	for _, row := range sh.Rows {
		for _, m := range shortfalls(sh.Rule, row) {
			a, err := s.areas.Get(ctx, row.AreaCode)
			if err != nil {
				return Generated{}, err
			}
			what := "知晓率"
			if m == MetricCoverage {
				what = "覆盖率"
			}
			it := Item{AreaCode: a.Code, AreaPath: a.Path, IssuerID: c.UserID, IssuerName: c.Username,
				Title:  fmt.Sprintf("%s %s %s未达标整改", a.Name, p.Name, what),
				Detail: fmt.Sprintf("%s %s 考核数据：%s。请在期限内组织整改，并反馈整改情况；待最新数据达标后销号。", a.Name, p.Name, describe(sh.Rule, m, rowFigures(row))),
				Status: Assigned, DueAt: in.DueAt.UTC(), Period: p.Name, Metric: m, OpenKey: openKey(p.Name, a.Code, m), CreatedAt: now, UpdatedAt: now}
			err = s.db.Tx(ctx, func(tx *gorm.DB) error { return s.insert(tx, c, &it, "issue", "根据考核数据生成："+it.Title) })
			if store.IsUniqueViolation(err) {
				out.AlreadyOpen++
				continue
			}
			if err != nil {
				return Generated{}, err
			}
			views, err := s.views(ctx, c, []Item{it})
			if err != nil {
				return Generated{}, err
			}
			out.Items = append(out.Items, views[0])
		}
	}
	return out, nil
}
