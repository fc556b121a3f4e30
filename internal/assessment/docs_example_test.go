package assessment_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"wuzha/internal/area"
	"wuzha/internal/assessment"
	"wuzha/internal/auth"
	"wuzha/internal/awareness"
	"wuzha/internal/quiz"
	"wuzha/internal/rule"
	"wuzha/internal/taxonomy"
	"wuzha/internal/testkit"
	"wuzha/seed"
)

// metricsDoc is the definition of the figures; its worked example is
// checked here.
const metricsDoc = "../../docs/metrics.md"

// TestMetricsDocWorkedExample loads the worked example of docs/metrics.md —
// its grids and its table of raw attempts, read from the page itself — into a
// real database, runs the product's own code on it (fold, figures, assessment
// rows, lock, verify, rebuild) and checks that the code gives exactly the
// numbers the page prints: the canonical rows, the checksum (also hashed
// straight from the printed rows), the community's figures and the score of
// each attempt. Changing either the page or the code without the other
// fails here.
func TestMetricsDocWorkedExample(t *testing.T) {
	raw, err := os.ReadFile(metricsDoc)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	grids := tableRows(t, block(t, doc, "grids"))
	attempts := tableRows(t, block(t, doc, "attempts"))
	areaFigures := tableRows(t, block(t, doc, "area"))
	canonical := codeBlock(t, block(t, doc, "canonical"))
	m := regexp.MustCompile("<!-- example:checksum --> checksum `([0-9a-f]{64})`").FindStringSubmatch(doc)
	if m == nil {
		t.Fatal("docs/metrics.md: no example checksum")
	}
	checksum := m[1]
	if len(grids) != 3 || len(attempts) < 10 || len(areaFigures) < 9 || strings.Count(canonical, "\n") != 3 {
		t.Fatalf("docs/metrics.md: example tables not read (%d grids, %d attempts, %d figures)", len(grids), len(attempts), len(areaFigures))
	}

	// The printed checksum is the SHA-256 of the printed rows, by hand.
	sum := sha256.Sum256([]byte(canonical))
	if hex.EncodeToString(sum[:]) != checksum {
		t.Errorf("the page's checksum %s is not the SHA-256 of its canonical rows (%x)", checksum, sum)
	}

	ctx := context.Background()
	db := testkit.OpenDB(t)
	areas, codes := area.NewStore(db), taxonomy.NewStore(db)
	lists, err := seed.Taxonomy()
	if err != nil {
		t.Fatal(err)
	}
	if err := codes.Seed(ctx, lists); err != nil {
		t.Fatal(err)
	}
	const community = "330802001001"
	rows := []area.Row{
		{Code: "330800", Name: "衢州市", Level: area.City},
		{Code: "330802", Name: "柯城区", ParentCode: "330800", Level: area.County},
		{Code: "330802001", Name: "府山街道", ParentCode: "330802", Level: area.Town},
		{Code: community, Name: "示例社区", ParentCode: "330802001", Level: area.Community},
	}
	gridCode := map[string]string{}
	for _, g := range grids { // grid | code | name | population
		pop, err := strconv.ParseInt(g[3], 10, 64)
		if err != nil {
			t.Fatalf("grid %v: %v", g, err)
		}
		gridCode[g[0]] = g[1]
		rows = append(rows, area.Row{Code: g[1], Name: g[2], ParentCode: community, Level: area.Grid, Population: pop, HasPopulation: true})
	}
	for i := range rows {
		rows[i].Line = i + 2
	}
	if _, err := areas.Import(ctx, rows, false); err != nil {
		t.Fatal(err)
	}
	gridPath := func(label string) string {
		a, err := areas.Get(ctx, gridCode[label])
		if err != nil {
			t.Fatalf("grid %s: %v", label, err)
		}
		return a.Path
	}

	aw := awareness.NewService(db, areas, codes)
	svc := assessment.NewService(db, areas, aw, assessment.Rule{})
	root := auth.Caller{UserID: 1, Role: auth.Admin, Username: "root", AreaCode: "330800", AreaPath: "/330800/"}
	// The rule of the example: the defaults, min_respondents set to 5 by a root admin.
	if !strings.Contains(doc, "except `min_respondents`, which a root admin set to 5") {
		t.Fatal("docs/metrics.md: the example's rule changed; change it here too")
	}
	if _, err := svc.Rules().Seed(ctx); err != nil {
		t.Fatal(err)
	}
	d := rule.Default()
	minResp := 5
	if _, err := svc.Rules().Update(ctx, root, rule.Input{TargetRate: &d.TargetRate, TargetCoverage: &d.TargetCoverage, MinRespondents: &minResp,
		PassScore: &d.PassScore, MinQuestions: &d.MinQuestions, MinSecondsPerQuestion: &d.MinSecondsPerQuestion}); err != nil {
		t.Fatal(err)
	}
	inForce, err := rule.Load(db.DB)
	if err != nil {
		t.Fatal(err)
	}

	// Q1 counts for awareness; Q2 is the same quiz as practice.
	now := time.Now().UTC()
	mk := func(counts bool) quiz.Quiz {
		q := quiz.Quiz{Title: "示例问答", AreaCode: "330800", AreaPath: "/330800/", Audience: quiz.Residents, Status: quiz.Published,
			StartsAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), EndsAt: now.AddDate(1, 0, 0), QuestionCount: 6, PassScore: 60, TimeLimitS: 600,
			MaxAttempts: 5, MinSecondsPerQuestion: 2, CountsForAwareness: counts, CreatedAt: now, UpdatedAt: now}
		if err := db.Create(&q).Error; err != nil {
			t.Fatal(err)
		}
		return q
	}
	quizzes := map[string]quiz.Quiz{"Q1": mk(true), "Q2": mk(false)}

	// The attempts: # | resident | quiz | grid | age band | submitted | correct | invalid | what happens.
	scoreSaid := regexp.MustCompile(`(\d+\.\d), (passed|failed)`)
	attemptNo := map[string]int{}
	for _, r := range attempts {
		q, ok := quizzes[r[2]]
		if !ok {
			t.Fatalf("attempt %s: unknown quiz %q", r[0], r[2])
		}
		user, err := strconv.ParseInt(strings.TrimPrefix(r[1], "r"), 10, 64)
		if err != nil {
			t.Fatalf("attempt %s: resident %q", r[0], r[1])
		}
		code, path, age, occ := gridCode[r[3]], gridPath(r[3]), r[4], "other"
		attemptNo[r[1]+r[2]]++
		a := quiz.Attempt{QuizID: q.ID, UserID: user, AttemptNo: attemptNo[r[1]+r[2]], GridCode: &code, GridPath: &path, AgeBand: &age, Occupation: &occ,
			Status: quiz.Open, Served: "[]", Invalid: r[7] == "yes"}
		var correct int
		if r[5] != "—" {
			at, err := time.ParseInLocation("2006-01-02 15:04:05", r[5], area.Shanghai)
			if err != nil {
				t.Fatalf("attempt %s: %v", r[0], err)
			}
			if correct, err = strconv.Atoi(r[6]); err != nil {
				t.Fatalf("attempt %s: correct %q", r[0], r[6])
			}
			// The score as the page defines it: fully correct questions of six, in tenths.
			tenths := int(math.Round(float64(correct) * 1000 / float64(q.QuestionCount)))
			passed := tenths >= q.PassScore*10
			at = at.UTC()
			a.Status, a.SubmittedAt, a.ScoreTenths, a.Passed = quiz.Submitted, &at, &tenths, &passed
			a.StartedAt, a.Deadline = at.Add(-5*time.Minute), at.Add(5*time.Minute)
			// Counting as the submit transaction decides it, by the rule in force.
			a.Counting = q.Audience == quiz.Residents && q.CountsForAwareness && inForce.Admits(q.PassScore, q.QuestionCount, q.MinSecondsPerQuestion)
			a.TallyPending = a.Counting
			if s := scoreSaid.FindStringSubmatch(r[8]); s != nil {
				if got := strconv.FormatFloat(float64(tenths)/10, 'f', 1, 64); got != s[1] || passed != (s[2] == "passed") {
					t.Errorf("attempt %s: the page says %s, %s; %d of 6 correct is %s, passed %v", r[0], s[1], s[2], correct, got, passed)
				}
			}
		} else {
			a.StartedAt, a.Deadline = now.Add(-time.Minute), now.Add(time.Hour)
		}
		if err := db.Create(&a).Error; err != nil {
			t.Fatal(err)
		}
		if a.Status != quiz.Submitted {
			continue
		}
		var answers []quiz.AttemptAnswer
		for qn := 1; qn <= q.QuestionCount; qn++ {
			ft := "investment"
			if qn > 3 {
				ft = "elderly"
			}
			answers = append(answers, quiz.AttemptAnswer{AttemptID: a.ID, QuestionID: int64(qn), AnswerKeys: "A", Correct: qn <= correct, FraudType: ft})
		}
		if err := db.Create(&answers).Error; err != nil {
			t.Fatal(err)
		}
	}

	p, err := awareness.ParsePeriod("2026Q3", now)
	if err != nil {
		t.Fatal(err)
	}
	check := func(when string) {
		t.Helper()
		f, err := aw.Compute(ctx, root, community, p)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{
			"respondents": strconv.FormatInt(f.Respondents, 10), "passed": strconv.FormatInt(f.Passed, 10),
			"population": strconv.FormatInt(f.Population, 10), "invalid": strconv.FormatInt(f.Invalid, 10),
		}
		decimals := map[string]*float64{"rate": f.Rate.Rate, "ci_low": f.CILow, "ci_high": f.CIHigh, "coverage": f.Coverage, "mean_score": f.MeanScore}
		for _, l := range f.ByAgeBand {
			got["age "+l.AgeBand] = fmt.Sprintf("%d/%d", l.Passed, l.Respondents)
		}
		for _, l := range f.ByFraudType {
			got["fraud "+l.FraudType] = fmt.Sprintf("%d/%d", l.Correct, l.Answered)
		}
		for _, row := range areaFigures { // figure | value
			name, want := row[0], row[1]
			g, ok := got[name]
			if v, isNum := decimals[name]; isNum {
				ok, g = v != nil, "null"
				if v != nil {
					g = strconv.FormatFloat(*v, 'f', decimalsOf(want), 64)
				}
			}
			if !ok || g != want {
				t.Errorf("%s: the community's %s is %s in the code, %s on the page", when, name, g, want)
			}
		}
		sh, err := svc.Get(ctx, root, community, p)
		if err != nil {
			t.Fatal(err)
		}
		if c := assessment.Canonical(sh.Rows); c != canonical {
			t.Errorf("%s: canonical rows in the code:\n%s\non the page:\n%s", when, c, canonical)
		}
		if c := assessment.Checksum(sh.Rows); c != checksum {
			t.Errorf("%s: checksum %s in the code, %s on the page", when, c, checksum)
		}
	}
	check("after the fold")
	if _, err := aw.Rebuild(ctx, nil); err != nil {
		t.Fatal(err)
	}
	check("after a rebuild")

	// Locking freezes the same rows under the same checksum, and verifies.
	locked, err := svc.Lock(ctx, root, community, p, "")
	if err != nil {
		t.Fatal(err)
	}
	if locked.Checksum == nil || *locked.Checksum != checksum {
		t.Errorf("locked snapshot checksum %v, the page says %s", locked.Checksum, checksum)
	}
	v, err := svc.Verify(ctx, root, community, p, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !v.Valid || v.Recomputed != checksum {
		t.Errorf("verify: %+v", v)
	}
}

// block is the text between <!-- example:name:begin --> and its end marker.
func block(t *testing.T, doc, name string) string {
	t.Helper()
	begin, end := "<!-- example:"+name+":begin -->", "<!-- example:"+name+":end -->"
	i, j := strings.Index(doc, begin), strings.Index(doc, end)
	if i < 0 || j < i {
		t.Fatalf("docs/metrics.md: no %s block", name)
	}
	return doc[i+len(begin) : j]
}

// tableRows reads a Markdown table's body rows as trimmed cells.
func tableRows(t *testing.T, s string) [][]string {
	t.Helper()
	var out [][]string
	header := true
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "|") {
			continue
		}
		if header || strings.HasPrefix(line, "|---") {
			header = false
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.Trim(strings.TrimSpace(cells[i]), "`")
		}
		out = append(out, cells)
	}
	return out
}

// codeBlock is the content of the fenced block in s, each line ending in "\n".
func codeBlock(t *testing.T, s string) string {
	t.Helper()
	i := strings.Index(s, "```text\n")
	j := strings.LastIndex(s, "```")
	if i < 0 || j <= i {
		t.Fatal("docs/metrics.md: no fenced canonical rows")
	}
	return s[i+len("```text\n") : j]
}

// decimalsOf counts the decimals a printed number has.
func decimalsOf(s string) int {
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return len(s) - i - 1
	}
	return 0
}
