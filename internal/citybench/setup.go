package citybench

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"wuzha/internal/app"
	"wuzha/internal/area"
	"wuzha/internal/awareness"
	"wuzha/internal/store"
	"wuzha/seed"
)

// newLoader prepares the loader: the grids as the import stored them, the
// code lists, and how likely a right answer is per fraud type and county.
func newLoader(ctx context.Context, a *app.App, db *store.DB, grids []benchArea, c Config, rng *rand.Rand) (*loader, error) {
	sqlDB, err := db.DB.DB()
	if err != nil {
		return nil, err
	}
	l := &loader{db: db, sqlDB: sqlDB, vault: a.Vault, seed: c.Seed, ftBase: map[string]float64{}, writers: 1}
	if db.Dialect == store.MySQL {
		l.writers = 2 // the machine has two cores; more writers only queue on the server
	}
	var stored []area.Area
	if err := db.WithContext(ctx).Where("level = ?", area.Grid).Find(&stored).Error; err != nil {
		return nil, err
	}
	byCode := map[string]area.Area{}
	for _, g := range stored {
		byCode[g.Code] = g
	}
	for _, g := range grids {
		s, ok := byCode[g.Code]
		if !ok || s.Population != g.Population {
			return nil, fmt.Errorf("citybench: grid %s is not as imported (%+v)", g.Code, s)
		}
		l.grids = append(l.grids, gridRef{Code: s.Code, Path: s.Path, County: g.County, Population: s.Population})
	}
	lists, err := seed.Taxonomy()
	if err != nil {
		return nil, err
	}
	for _, e := range lists.AgeBands {
		l.ages = append(l.ages, e.Code)
	}
	for _, e := range lists.Occupations {
		l.occs = append(l.occs, e.Code)
	}
	// Realistic, uneven pass rates: some fraud types are well known
	// (72–94% right answers), and counties differ by up to 12 points.
	for _, ft := range lists.FraudTypes {
		l.ftBase[ft.Code] = 0.72 + 0.22*rng.Float64()
	}
	for i := 0; i < c.Sizes.Counties; i++ {
		l.county = append(l.county, -0.08+0.12*rng.Float64())
	}
	if err := db.Raw("SELECT COALESCE(MAX(id), 0) + 1 FROM users").Scan(&l.firstUser).Error; err != nil {
		return nil, err
	}
	if err := db.Raw("SELECT COALESCE(MAX(id), 0) + 1 FROM attempts").Scan(&l.firstAtt).Error; err != nil {
		return nil, err
	}
	return l, nil
}

// readBank reads the approved questions the quizzes draw from.
func (l *loader) readBank(ctx context.Context) error {
	var rows []struct {
		ID        int64
		Kind      string
		Options   string
		Answer    string
		FraudType string
		Version   int
	}
	err := l.db.WithContext(ctx).Table("questions").Select("id, kind, options, answer, fraud_type, version").
		Where("status = ? AND active = ?", "approved", true).Order("id").Scan(&rows).Error
	if err != nil {
		return err
	}
	for _, r := range rows {
		var opts []struct{ Key, Text string }
		if err := json.Unmarshal([]byte(r.Options), &opts); err != nil {
			return fmt.Errorf("citybench: question %d options: %w", r.ID, err)
		}
		q := bankQuestion{ID: r.ID, Kind: r.Kind, Answer: strings.Split(r.Answer, ","), FraudType: r.FraudType, Version: r.Version}
		for _, o := range opts {
			q.Keys = append(q.Keys, o.Key)
			if slices.Contains(q.Answer, o.Key) {
				q.Right = append(q.Right, o.Text)
			}
		}
		l.bank = append(l.bank, q)
	}
	most := 0
	for _, q := range l.quizzes {
		most = max(most, q.QuestionCount)
	}
	if len(l.bank) < most {
		return fmt.Errorf("citybench: %d approved questions, the quizzes draw %d", len(l.bank), most)
	}
	return nil
}

// publishQuizzes creates and publishes, as an editor at the root, six
// counting resident quizzes of 5 to 10 questions that meet the default
// assessment rule (pass mark 60, 2 s a question), open since before start.
func publishQuizzes(api *client, editor string, start, now time.Time) ([]benchQuiz, error) {
	var out []benchQuiz
	for n := 5; n <= 10; n++ {
		body := map[string]any{"title": fmt.Sprintf("压测反诈知识问答（%d题）", n), "area_code": "330800", "audience": "residents",
			"starts_at": start.Add(-24 * time.Hour).Format(time.RFC3339), "ends_at": now.Add(90 * 24 * time.Hour).Format(time.RFC3339),
			"question_count": n, "pass_score": 60, "time_limit_s": 600, "max_attempts": 3, "min_seconds_per_question": 2, "counts_for_awareness": true}
		var q struct{ ID int64 }
		if err := api.json("POST", "/quizzes", editor, body, &q); err != nil {
			return nil, err
		}
		if err := api.json("POST", fmt.Sprintf("/quizzes/%d/publish", q.ID), editor, nil, nil); err != nil {
			return nil, err
		}
		out = append(out, benchQuiz{ID: q.ID, QuestionCount: n, PassScore: 60, TimeLimitS: 600, MinSeconds: 2})
	}
	return out, nil
}

// rawTotals counts, in one SQL pass over the raw attempts, the respondents
// and passed residents of each area (codes: a path from the city down):
// every resident's first submitted, counting, valid attempt of the period
// (by submission time, then id, as the fold takes them), in the area whose
// subtree holds its grid. It reads neither the counters nor the pending
// flags.
func rawTotals(ctx context.Context, db *store.DB, p awareness.Period, codes []string) (map[string]Totals, error) {
	var cols []string
	var args []any
	path := "/"
	for i, code := range codes {
		path += code + "/"
		cols = append(cols, fmt.Sprintf("COALESCE(SUM(CASE WHEN grid_path LIKE ? THEN 1 ELSE 0 END), 0) AS r%d", i),
			fmt.Sprintf("COALESCE(SUM(CASE WHEN grid_path LIKE ? AND passed THEN 1 ELSE 0 END), 0) AS p%d", i))
		args = append(args, path+"%", path+"%")
	}
	args = append(args, "submitted", true, false, p.Start, p.End)
	q := "SELECT " + strings.Join(cols, ", ") + ` FROM (
  SELECT grid_path, passed, ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY submitted_at, id) AS n
  FROM attempts
  WHERE status = ? AND counting = ? AND invalid = ? AND submitted_at >= ? AND submitted_at < ?
) firsts WHERE n = 1`
	sqlDB, err := db.DB.DB()
	if err != nil {
		return nil, err
	}
	vals := make([]int64, 2*len(codes))
	ptrs := make([]any, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := sqlDB.QueryRowContext(ctx, q, args...).Scan(ptrs...); err != nil {
		return nil, fmt.Errorf("citybench: raw scan: %w", err)
	}
	out := map[string]Totals{}
	for i, code := range codes {
		out[code] = Totals{Respondents: vals[2*i], Passed: vals[2*i+1]}
	}
	return out, nil
}
