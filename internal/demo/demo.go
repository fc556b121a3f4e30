// Package demo fills a trial installation with one simulated quarter of
// activity in the seeded demo areas (`wuzha seed --demo`), so that a first
// `make run` shows living pages: residents across age bands and occupations,
// attempts on a counting quiz with pass rates that differ by county, fraud
// type and age band, spread over the quarter's days, warning reads and
// acknowledgements, grid workers' quiz sessions, prizes won and redeemed,
// and a few rectification items on the weakest demo communities.
//
// Everything it makes is demo data: residents and staff accounts carry
// users.demo = true, residents' phone numbers lie in the range
// 1990000xxxx–1990999xxxx (reserved by this product, not by the numbering
// plan: real people may hold them), and every resident, attempt, session,
// read and item is placed in a demo community or grid (areas.demo = true),
// never in a real area. The quarter's quiz is the marker: a run that finds it adds
// nothing. The data is written as the product writes it (phones sealed and
// hashed by the vault, attempts drawn and graded by the quiz service, the
// counting decision by the rule in force, counters folded by awareness.Fold).
package demo

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"wuzha/internal/area"
	"wuzha/internal/audit"
	"wuzha/internal/auth"
	"wuzha/internal/awareness"
	"wuzha/internal/content"
	"wuzha/internal/phone"
	"wuzha/internal/quiz"
	"wuzha/internal/session"
	"wuzha/internal/store"
	"wuzha/internal/supervision"
	"wuzha/seed"
)

// The demo's staff accounts. They are seeded, not made by an admin, so they
// are never asked to change their password; `wuzha seed --demo` refuses to
// run in production.
const (
	AdminUsername = "demo-admin"
	// WorkerPrefix + a grid code is that grid's demo grid worker.
	WorkerPrefix = "demo-gw-"
	Password     = "wuzha-demo-2026"
)

// PhonePrefix starts every demo resident's phone number: 1990 + a 3-digit
// grid number + a 4-digit resident number.
const PhonePrefix = "1990"

// Deps are the services the demo writes through.
type Deps struct {
	DB          *store.DB
	Areas       *area.Store
	Content     *content.Service
	Quiz        *quiz.Service
	Awareness   *awareness.Service
	Supervision *supervision.Service
	Vault       *phone.Vault
	BcryptCost  int
	// Scale multiplies the number of residents (0 means 1); tests use a
	// tenth to stay quick.
	Scale float64
}

// CountyLine is one county's figures after the run, as the product computes them.
type CountyLine struct {
	Code, Name  string
	Respondents int64
	Passed      int64
	Rate        *float64
	Coverage    *float64
}

// Report says what a run made.
type Report struct {
	Period       string
	Already      bool // the quarter was seeded before: nothing was added
	Staff        int  // demo staff accounts created
	Residents    int  // residents active in the quarter
	NewResidents int  // of which created now
	Attempts     int
	Invalid      int
	Sessions     int
	Awards       int
	Redeemed     int
	Views        int
	Acks         int
	Items        int
	Folded       int
	Counties     []CountyLine
	Took         time.Duration
}

// QuizTitle is the title of the demo quiz of a quarter ("2026Q4").
func QuizTitle(period string) string {
	return fmt.Sprintf("%s年第%s季度全民反诈知识问答（演示）", period[:4], map[byte]string{'1': "一", '2': "二", '3': "三", '4': "四"}[period[5]])
}

// Seed simulates the quarter containing now up to now, unless it was
// simulated before. Areas, code lists, warnings and questions must be seeded.
func Seed(ctx context.Context, d Deps, now time.Time) (Report, error) {
	began := time.Now()
	rep := Report{Period: awareness.CurrentQuarter(now)}
	period, err := awareness.ParsePeriod(rep.Period, now)
	if err != nil {
		return rep, err
	}
	var n int64
	if err := d.DB.WithContext(ctx).Model(&quiz.Quiz{}).Where("title = ?", QuizTitle(rep.Period)).Count(&n).Error; err != nil {
		return rep, err
	}
	if n > 0 {
		rep.Already, rep.Took = true, time.Since(began)
		return rep, nil
	}
	p, err := plan(ctx, d, period, now)
	if err != nil {
		return rep, err
	}
	if err := p.write(ctx, d, &rep); err != nil {
		return rep, err
	}
	if rep.Folded, err = d.Awareness.Fold(ctx); err != nil {
		return rep, err
	}
	if err := p.issueItems(ctx, d, &rep); err != nil {
		return rep, err
	}
	if err := countyLines(ctx, d, p, &rep); err != nil {
		return rep, err
	}
	rep.Took = time.Since(began)
	return rep, nil
}

// county is how a county's residents do: a shift of the chance to answer
// right (logit) and the share of each grid's population that takes part.
type county struct {
	skill, coverage float64
}

// counties differ on purpose, so the ranking means something: two reach the
// target rate, two are well below it; coverage runs from 2.5% to 6.5%.
var counties = map[string]county{
	"330802": {0.55, 0.065},  // 柯城区
	"330803": {-0.35, 0.035}, // 衢江区
	"330822": {0.05, 0.045},  // 常山县
	"330824": {-0.55, 0.025}, // 开化县
	"330825": {0.35, 0.055},  // 龙游县
	"330881": {0.45, 0.04},   // 江山市
}

// fraudSkill is how well a fraud type is known in general (logit shift).
var fraudSkill = map[string]float64{
	"brushing": 0.1, "investment": -0.55, "shopping": 0.35, "cs_impersonation": 0.15, "loan": -0.2, "credit": -0.45,
	"boss_impersonation": -0.1, "police_impersonation": 0.25, "romance": -0.3, "game_trading": 0.05, "elderly": -0.05, "other": 0.2,
}

// ageSkill shifts a band overall; ageFraud holds each band's blind spots.
var ageSkill = map[string]float64{"u18": -0.1, "18_29": 0.15, "30_44": 0.25, "45_59": 0.0, "60p": -0.35}

var ageFraud = map[string]map[string]float64{
	"u18":   {"game_trading": -0.9, "shopping": -0.4, "brushing": -0.3},
	"18_29": {"brushing": -0.7, "loan": -0.5, "credit": -0.5, "game_trading": -0.3},
	"30_44": {"investment": -0.35, "boss_impersonation": -0.3},
	"45_59": {"romance": -0.5, "investment": -0.45},
	"60p":   {"police_impersonation": -0.7, "elderly": -0.9, "investment": -0.3, "game_trading": 0.4},
}

// ageShare is the age structure of respondents.
var ageShare = []weighted{{"u18", 5}, {"18_29", 17}, {"30_44", 27}, {"45_59", 28}, {"60p", 23}}

// occupations by age band.
var occupationShare = map[string][]weighted{
	"u18":   {{"student", 1}},
	"18_29": {{"student", 28}, {"company_staff", 30}, {"flexible", 18}, {"business_owner", 8}, {"finance", 5}, {"civil_servant", 6}, {"other", 5}},
	"30_44": {{"company_staff", 30}, {"business_owner", 16}, {"farmer", 12}, {"finance", 6}, {"civil_servant", 8}, {"flexible", 12}, {"homemaker", 10}, {"other", 6}},
	"45_59": {{"company_staff", 22}, {"business_owner", 16}, {"farmer", 26}, {"finance", 4}, {"civil_servant", 7}, {"flexible", 10}, {"homemaker", 10}, {"other", 5}},
	"60p":   {{"retiree", 58}, {"farmer", 30}, {"homemaker", 9}, {"other", 3}},
}

type weighted struct {
	code string
	w    float64
}

func pick(rng *rand.Rand, ws []weighted) string {
	return ws[weightedIndex(rng, len(ws), func(i int) float64 { return ws[i].w })].code
}

// weightedIndex draws one of n items with chances proportional to weight.
func weightedIndex(rng *rand.Rand, n int, weight func(int) float64) int {
	total := 0.0
	for i := 0; i < n; i++ {
		total += weight(i)
	}
	x := rng.Float64() * total
	for i := 0; i < n; i++ {
		if x < weight(i) {
			return i
		}
		x -= weight(i)
	}
	return n - 1
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// resident is one simulated resident of a grid.
type resident struct {
	grid        *grid
	phone       string
	ageBand     string
	occupation  string
	ability     float64
	userID      int64 // known once existing ones are looked up or new ones inserted
	createdAt   time.Time
	firstActive time.Time
}

type grid struct {
	area   area.Area
	county string
	noise  float64
	worker int64 // the demo grid worker's user id
}

// sessionPlan is a session a grid's worker ran; attempts point at its index.
type sessionPlan struct {
	grid           *grid
	opened, closed time.Time
	row            session.Session
}

type simulated struct {
	res     *resident
	session int // index into sessions, or -1
	sim     quiz.Simulated
}

type demoPlan struct {
	period    awareness.Period
	now       time.Time
	root      area.Area
	grids     []*grid
	residents []*resident
	sessions  []*sessionPlan
	attempts  []simulated
	quiz      quiz.Quiz
	pools     []quiz.PrizePool
	views     []content.View
	viewOwner []*resident
	acks      []content.Ack
	ackOwner  []*resident
	staff     []auth.User
	adminID   int64
}

// plan decides everything before anything is written: SQLite has one
// connection, and drawing questions reads the bank outside any transaction.
func plan(ctx context.Context, d Deps, period awareness.Period, now time.Time) (*demoPlan, error) {
	p := &demoPlan{period: period, now: now.UTC()}
	var err error
	if p.root, err = d.Areas.Get(ctx, seed.RootArea); err != nil {
		return nil, fmt.Errorf("demo: the seeded areas are missing (run wuzha seed): %w", err)
	}
	var grids []area.Area
	if err := d.DB.WithContext(ctx).Where("demo = ? AND level = ? AND path LIKE ?", true, area.Grid, p.root.Path+"%").Order("code").Find(&grids).Error; err != nil {
		return nil, err
	}
	if len(grids) == 0 {
		return nil, errors.New("demo: no demo grids under the seeded city")
	}
	p.quiz = quiz.Quiz{Title: QuizTitle(period.Name),
		Description: "本季度全市反诈知识问答：10 道题，60 分及格，每题至少 2 秒，最多答 3 次，只有第一次有效作答计入知晓率。本问答及其答题记录为演示数据。",
		AreaCode:    p.root.Code, AreaPath: p.root.Path, Audience: quiz.Residents, Status: quiz.Published,
		StartsAt: period.Start, EndsAt: p.now, QuestionCount: 10, PassScore: 60, TimeLimitS: 900, MaxAttempts: 3,
		MinSecondsPerQuestion: 2, CountsForAwareness: true, CreatedAt: period.Start, UpdatedAt: period.Start}
	p.pools = []quiz.PrizePool{
		{Name: "反诈定制雨伞（演示）", Stock: 150, MinScore: 100, Probability: 0.12, CreatedAt: period.Start},
		{Name: "防诈宣传帆布袋（演示）", Stock: 900, MinScore: 80, Probability: 0.08, CreatedAt: period.Start},
	}
	days := p.days()
	scale := d.Scale
	if scale <= 0 {
		scale = 1
	}
	for i, g := range grids {
		c := countyOf(g.Path)
		if _, ok := counties[c]; !ok {
			continue
		}
		rng := rand.New(rand.NewPCG(uint64(i)+1, 0x5eed)) // the same residents every quarter
		gr := &grid{area: g, county: c, noise: rng.NormFloat64() * 0.25}
		p.grids = append(p.grids, gr)
		n := int(math.Round(float64(g.Population) * counties[c].coverage * (0.6 + 0.8*rng.Float64()) * scale))
		for j := 0; j < n; j++ {
			age := pick(rng, ageShare)
			p.residents = append(p.residents, &resident{grid: gr, phone: fmt.Sprintf("%s%03d%04d", PhonePrefix, i, j), ageBand: age,
				occupation: pick(rng, occupationShare[age]), ability: rng.NormFloat64() * 0.5})
		}
	}
	if err := p.lookupResidents(ctx, d); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(uint64(period.Start.Unix()), 0xdec0de))
	p.planSessions(rng, days)
	if err := p.planAttempts(ctx, d, rng, days); err != nil {
		return nil, err
	}
	return p, p.planReads(ctx, d, rng)
}

// countyOf is the county code in a grid's path "/city/county/…".
func countyOf(path string) string {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if len(parts) < 2 {
		return ""
	}
	return parts[1]
}

// day is one day of the quarter so far, with how busy it was.
type day struct {
	start  time.Time // midnight, Asia/Shanghai
	weight float64
}

// days are the quarter's days up to now: busier as the quarter goes on,
// quieter at weekends, with a campaign week two thirds of the way in.
func (p *demoPlan) days() []day {
	var out []day
	for t := p.period.Start; t.Before(p.now); t = t.AddDate(0, 0, 1) {
		out = append(out, day{start: t})
	}
	for i := range out {
		x := float64(i) / float64(max(1, len(out)-1))
		w := 0.55 + 0.8*x
		if wd := out[i].start.In(area.Shanghai).Weekday(); wd == time.Saturday || wd == time.Sunday {
			w *= 0.7
		}
		if math.Abs(x-0.66) < 0.05 {
			w *= 1.9
		}
		out[i].weight = w
	}
	return out
}

// at is a moment on day d between from and to o'clock, before now less margin.
func (p *demoPlan) at(rng *rand.Rand, d day, from, to float64, margin time.Duration) time.Time {
	lo := d.start.Add(time.Duration(from * float64(time.Hour)))
	hi := d.start.Add(time.Duration(to * float64(time.Hour)))
	if limit := p.now.Add(-margin); hi.After(limit) {
		hi = limit
	}
	if !hi.After(lo) { // today, early: anywhere between the quarter's start and now
		lo, hi = p.period.Start, p.now.Add(-margin)
		if !hi.After(lo) {
			return p.period.Start
		}
	}
	return lo.Add(time.Duration(rng.Int64N(int64(hi.Sub(lo)))))
}

// midnight is the start of t's day in Asia/Shanghai.
func midnight(t time.Time) time.Time {
	l := t.In(area.Shanghai)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, area.Shanghai).UTC()
}

func pickDay(rng *rand.Rand, days []day) int {
	return weightedIndex(rng, len(days), func(i int) float64 { return days[i].weight })
}

// lookupResidents finds the demo residents made in an earlier quarter.
func (p *demoPlan) lookupResidents(ctx context.Context, d Deps) error {
	byHash := map[string]*resident{}
	hashes := make([]string, 0, len(p.residents))
	for _, r := range p.residents {
		h := d.Vault.Hash(r.phone)
		byHash[h] = r
		hashes = append(hashes, h)
	}
	for from := 0; from < len(hashes); from += 500 {
		var found []auth.User
		if err := d.DB.WithContext(ctx).Select("id", "phone_hash").Where("phone_hash IN ?", hashes[from:min(from+500, len(hashes))]).Find(&found).Error; err != nil {
			return err
		}
		for _, u := range found {
			byHash[*u.PhoneHash].userID = u.ID
		}
	}
	return nil
}

// planSessions gives each grid's worker two to five sessions on weekdays.
func (p *demoPlan) planSessions(rng *rand.Rand, days []day) {
	for _, g := range p.grids {
		k := 2 + rng.IntN(4)
		for s := 0; s < k; s++ {
			d := days[pickDay(rng, days)]
			opened := p.at(rng, d, 9, 15, 3*time.Hour)
			closed := opened.Add(90*time.Minute + time.Duration(rng.IntN(90))*time.Minute)
			if closed.After(p.now) {
				closed = p.now
			}
			p.sessions = append(p.sessions, &sessionPlan{grid: g, opened: opened, closed: closed})
		}
	}
}

// planAttempts simulates each resident's attempts: most answer once; a few
// answer too fast first (invalid) and again properly; some who fail try
// again days later (learning, not counted). About a third answer at a
// session their grid worker ran.
func (p *demoPlan) planAttempts(ctx context.Context, d Deps, rng *rand.Rand, days []day) error {
	byGrid := map[*grid][]int{}
	for i, s := range p.sessions {
		byGrid[s.grid] = append(byGrid[s.grid], i)
	}
	span := p.now.Sub(p.period.Start)
	for _, r := range p.residents {
		c := counties[r.grid.county]
		took := time.Duration(60+rng.IntN(190)) * time.Second
		sess := -1
		var start time.Time
		if ss := byGrid[r.grid]; len(ss) > 0 && rng.Float64() < 0.33 {
			sess = ss[rng.IntN(len(ss))]
			sp := p.sessions[sess]
			window := sp.closed.Sub(sp.opened) - took
			if window <= 0 {
				window = time.Minute
			}
			start = sp.opened.Add(time.Duration(rng.Int64N(int64(window))))
		} else {
			start = p.at(rng, days[pickDay(rng, days)], 8, 21.5, took+time.Minute)
		}
		progress := 0.0
		if span > 0 {
			progress = float64(start.Sub(p.period.Start)) / float64(span)
		}
		base := 1.15 + c.skill + ageSkill[r.ageBand] + r.grid.noise + r.ability + 0.45*progress
		knows := func(boost float64) func(string) bool {
			return func(ft string) bool {
				return rng.Float64() < sigmoid(base+boost+fraudSkill[ft]+ageFraud[r.ageBand][ft])
			}
		}
		resp := quiz.Respondent{GridCode: r.grid.area.Code, GridPath: r.grid.area.Path, AgeBand: r.ageBand, Occupation: r.occupation}
		no := 1
		add := func(at time.Time, took time.Duration, session int, k func(string) bool) (quiz.Simulated, error) {
			sim, err := d.Quiz.Simulate(ctx, p.quiz, 0, no, resp, at, took, k, rng)
			if err != nil {
				return sim, err
			}
			p.attempts = append(p.attempts, simulated{res: r, session: session, sim: sim})
			no++
			return sim, nil
		}
		r.firstActive = start
		if rng.Float64() < 0.025 { // tapped through too fast first: invalid, left out
			fast := time.Duration(8+rng.IntN(10)) * time.Second
			first := start.Add(-time.Duration(5+rng.IntN(40)) * time.Minute)
			if first.Before(p.period.Start) {
				first = p.period.Start
			}
			if _, err := add(first, fast, sess, knows(-1.5)); err != nil {
				return err
			}
			r.firstActive = first
		}
		sim, err := add(start, took, sess, knows(0))
		if err != nil {
			return err
		}
		retake := 0.05
		if !*sim.Attempt.Passed {
			retake = 0.4
		}
		if later := sim.Attempt.SubmittedAt.Add(time.Duration(1+rng.IntN(10)) * 24 * time.Hour); no <= p.quiz.MaxAttempts && rng.Float64() < retake && later.Before(p.now.Add(-10*time.Minute)) {
			later = p.at(rng, day{start: midnight(later)}, 8, 21.5, 5*time.Minute)
			if later.After(*sim.Attempt.SubmittedAt) {
				if _, err := add(later, time.Duration(80+rng.IntN(150))*time.Second, -1, knows(0.6)); err != nil {
					return err
				}
			}
		}
		r.createdAt = r.firstActive.Add(-time.Duration(1+rng.IntN(30)) * time.Minute)
		if r.createdAt.Before(p.period.Start) {
			r.createdAt = p.period.Start
		}
	}
	return nil
}

// planReads has each resident open a few of the warnings meant for them
// (and acknowledge most of what they read) on days after they first came.
func (p *demoPlan) planReads(ctx context.Context, d Deps, rng *rand.Rand) error {
	ws, err := seed.Warnings()
	if err != nil {
		return err
	}
	ids, err := d.Content.IDsBySlug(ctx)
	if err != nil {
		return err
	}
	type target struct {
		id         int64
		ages, occs []string
	}
	var live []target
	for _, w := range ws {
		if id, ok := ids[w.Slug]; ok {
			live = append(live, target{id, w.AgeBands, w.Occupations})
		}
	}
	if len(live) == 0 {
		return nil
	}
	fits := func(list []string, v string) bool { return len(list) == 0 || contains(list, v) }
	for _, r := range p.residents {
		var mine []int64
		for _, t := range live {
			if fits(t.ages, r.ageBand) && fits(t.occs, r.occupation) {
				mine = append(mine, t.id)
			}
		}
		if len(mine) == 0 {
			continue
		}
		rng.Shuffle(len(mine), func(i, j int) { mine[i], mine[j] = mine[j], mine[i] })
		k := min(len(mine), 1+rng.IntN(5))
		for _, id := range mine[:k] {
			at := r.firstActive.Add(time.Duration(rng.Int64N(int64(max(time.Minute, p.now.Sub(r.firstActive))))))
			gp, ab, oc := r.grid.area.Path, r.ageBand, r.occupation
			p.views = append(p.views, content.View{WarningID: id, Day: at.In(area.Shanghai).Format("2006-01-02"), GridPath: &gp, AgeBand: &ab, Occupation: &oc, CreatedAt: at.UTC()})
			p.viewOwner = append(p.viewOwner, r)
			if rng.Float64() < 0.62 {
				p.acks = append(p.acks, content.Ack{WarningID: id, GridPath: &gp, AgeBand: &ab, Occupation: &oc, CreatedAt: at.Add(time.Duration(20+rng.IntN(200)) * time.Second).UTC()})
				p.ackOwner = append(p.ackOwner, r)
			}
		}
	}
	return nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// write stores the plan in one transaction: staff, residents, the quiz,
// sessions, attempts (with their prize draws), reads, redemptions and the
// audit entries of what the grid workers did.
func (p *demoPlan) write(ctx context.Context, d Deps, rep *Report) error {
	hash, err := bcrypt.GenerateFromPassword([]byte(Password), d.BcryptCost)
	if err != nil {
		return err
	}
	return d.DB.Tx(ctx, func(tx *gorm.DB) error {
		if err := p.writeStaff(tx, string(hash), rep); err != nil {
			return err
		}
		if err := p.writeResidents(tx, d, rep); err != nil {
			return err
		}
		if err := d.Quiz.CreateSimulatedQuiz(tx, &p.quiz, p.pools); err != nil {
			return err
		}
		if err := p.writeSessions(tx, rep); err != nil {
			return err
		}
		sims := make([]quiz.Simulated, len(p.attempts))
		for i, a := range p.attempts {
			s := a.sim
			s.Attempt.QuizID, s.Attempt.UserID = p.quiz.ID, a.res.userID
			if a.session >= 0 {
				id := p.sessions[a.session].row.ID
				s.Attempt.SessionID = &id
			}
			if s.Attempt.Invalid {
				rep.Invalid++
			}
			sims[i] = s
		}
		if err := d.Quiz.RecordSimulated(tx, p.quiz, sims); err != nil {
			return err
		}
		rep.Attempts = len(sims)
		if err := p.writeReads(tx, rep); err != nil {
			return err
		}
		return p.redeem(tx, rep)
	})
}

// writeStaff makes the root admin and one grid worker per demo grid, when
// missing. They share one bcrypt hash of Password: hashing 193 passwords
// one by one would take most of the run.
func (p *demoPlan) writeStaff(tx *gorm.DB, hash string, rep *Report) error {
	names := []string{AdminUsername}
	for _, g := range p.grids {
		names = append(names, WorkerPrefix+g.area.Code)
	}
	var have []auth.User
	if err := tx.Select("id", "username").Where("username IN ?", names).Find(&have).Error; err != nil {
		return err
	}
	ids := map[string]int64{}
	for _, u := range have {
		ids[*u.Username] = u.ID
	}
	var fresh []auth.User
	for i, name := range names {
		if _, ok := ids[name]; ok {
			continue
		}
		role, code := auth.Admin, p.root.Code
		if i > 0 {
			role, code = auth.GridWorker, p.grids[i-1].area.Code
		}
		n, h, c := name, hash, code
		fresh = append(fresh, auth.User{Username: &n, PasswordHash: &h, Role: role, AreaCode: &c, Demo: true, CreatedAt: p.period.Start, UpdatedAt: p.period.Start})
	}
	if len(fresh) > 0 {
		if err := tx.CreateInBatches(&fresh, 100).Error; err != nil {
			return fmt.Errorf("demo: staff: %w", err)
		}
	}
	for _, u := range fresh {
		ids[*u.Username] = u.ID
	}
	rep.Staff = len(fresh)
	p.adminID = ids[AdminUsername]
	for _, g := range p.grids {
		g.worker = ids[WorkerPrefix+g.area.Code]
	}
	return nil
}

// writeResidents creates the residents not made in an earlier quarter, as
// signing in by SMS and filling in the profile would: the phone sealed and
// hashed by the vault, the profile with consent.
func (p *demoPlan) writeResidents(tx *gorm.DB, d Deps, rep *Report) error {
	var fresh []*resident
	var users []auth.User
	for _, r := range p.residents {
		if r.userID != 0 {
			continue
		}
		h, enc := d.Vault.Hash(r.phone), d.Vault.Seal(r.phone)
		fresh = append(fresh, r)
		users = append(users, auth.User{Role: auth.Resident, PhoneHash: &h, PhoneEnc: &enc, Demo: true, CreatedAt: r.createdAt.UTC(), UpdatedAt: r.createdAt.UTC()})
	}
	if len(users) > 0 {
		if err := tx.CreateInBatches(&users, 150).Error; err != nil {
			return fmt.Errorf("demo: residents: %w", err)
		}
	}
	profiles := make([]auth.Profile, len(fresh))
	for i, r := range fresh {
		r.userID = users[i].ID
		at := r.createdAt.Add(40 * time.Second).UTC()
		profiles[i] = auth.Profile{UserID: r.userID, AgeBand: r.ageBand, Occupation: r.occupation, GridCode: r.grid.area.Code,
			ConsentVersion: auth.ConsentVersion, ConsentAt: at, UpdatedAt: at}
	}
	if len(profiles) > 0 {
		if err := tx.CreateInBatches(&profiles, 150).Error; err != nil {
			return fmt.Errorf("demo: profiles: %w", err)
		}
	}
	rep.Residents, rep.NewResidents = len(p.residents), len(fresh)
	return nil
}

// writeSessions stores the sessions and what the workers' opening and
// closing them put in the audit log.
func (p *demoPlan) writeSessions(tx *gorm.DB, rep *Report) error {
	rows := make([]session.Session, len(p.sessions))
	for i, s := range p.sessions {
		rows[i] = session.Simulated(p.quiz.ID, s.grid.worker, s.grid.area.Code, s.grid.area.Path, p.quiz.EndsAt, s.opened, s.closed)
	}
	if len(rows) > 0 {
		if err := tx.CreateInBatches(&rows, 100).Error; err != nil {
			return fmt.Errorf("demo: sessions: %w", err)
		}
	}
	var entries []audit.Entry
	for i, s := range p.sessions {
		s.row = rows[i]
		target := fmt.Sprintf("session:%d", rows[i].ID)
		detail := fmt.Sprintf(`{"quiz_id":%d}`, p.quiz.ID)
		entries = append(entries,
			p.entry(s.grid, s.opened, "session.open", target, &detail),
			p.entry(s.grid, s.closed, "session.close", target, nil))
	}
	rep.Sessions = len(rows)
	return insertAudit(tx, entries)
}

func (p *demoPlan) entry(g *grid, at time.Time, action, target string, detail *string) audit.Entry {
	id, code, path := g.worker, g.area.Code, g.area.Path
	return audit.Entry{At: at.UTC(), ActorID: &id, ActorName: WorkerPrefix + g.area.Code, ActorRole: string(auth.GridWorker), Action: action,
		AreaCode: &code, AreaPath: &path, Target: target, Detail: detail}
}

func insertAudit(tx *gorm.DB, entries []audit.Entry) error {
	if len(entries) == 0 {
		return nil
	}
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].At.Before(entries[j].At) })
	return tx.CreateInBatches(&entries, 80).Error
}

// writeReads stores the residents' warning views and acknowledgements.
func (p *demoPlan) writeReads(tx *gorm.DB, rep *Report) error {
	for i := range p.views {
		p.views[i].Viewer = fmt.Sprintf("u:%d", p.viewOwner[i].userID)
	}
	for i := range p.acks {
		p.acks[i].UserID = p.ackOwner[i].userID
	}
	noDup := clause.OnConflict{DoNothing: true}
	if len(p.views) > 0 {
		res := tx.Clauses(noDup).CreateInBatches(&p.views, 150)
		if res.Error != nil {
			return fmt.Errorf("demo: views: %w", res.Error)
		}
		rep.Views = int(res.RowsAffected)
	}
	if len(p.acks) > 0 {
		res := tx.Clauses(noDup).CreateInBatches(&p.acks, 150)
		if res.Error != nil {
			return fmt.Errorf("demo: acknowledgements: %w", res.Error)
		}
		rep.Acks = int(res.RowsAffected)
	}
	return nil
}

// redeem hands over about two thirds of the prizes won, at the grid
// worker's, a few days after they were won, as POST /prizes/redeem does.
func (p *demoPlan) redeem(tx *gorm.DB, rep *Report) error {
	var awards []quiz.Award
	if err := tx.Where("quiz_id = ?", p.quiz.ID).Order("id").Find(&awards).Error; err != nil {
		return err
	}
	rep.Awards = len(awards)
	byPath := map[string]*grid{}
	for _, g := range p.grids {
		byPath[g.area.Path] = g
	}
	var names []struct {
		ID   int64
		Name string
	}
	if err := tx.Table("prize_pools").Select("id, name").Where("quiz_id = ?", p.quiz.ID).Scan(&names).Error; err != nil {
		return err
	}
	poolName := map[int64]string{}
	for _, n := range names {
		poolName[n.ID] = n.Name
	}
	rng := rand.New(rand.NewPCG(uint64(p.period.Start.Unix()), 0x9e3779b9))
	var entries []audit.Entry
	for _, a := range awards {
		g := byPath[deref(a.GridPath)]
		at := a.CreatedAt.Add(time.Duration(rng.Int64N(int64(10 * 24 * time.Hour))))
		if g == nil || rng.Float64() > 0.68 || at.After(p.now) {
			continue
		}
		if err := tx.Model(&quiz.Award{}).Where("id = ? AND redeemed_at IS NULL", a.ID).Updates(map[string]any{"redeemed_at": at.UTC(), "redeemed_by": g.worker}).Error; err != nil {
			return err
		}
		detail := fmt.Sprintf(`{"prize":%q,"quiz_id":%d}`, poolName[a.PoolID], a.QuizID)
		entries = append(entries, p.entry(g, at, "prize.redeem", fmt.Sprintf("award:%d", a.ID), &detail))
		rep.Redeemed++
	}
	return insertAudit(tx, entries)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// issueItems has the demo root admin issue rectification items (督办) to
// the four demo communities with the lowest rate on a sufficient sample,
// through the supervision service, with deadlines from two days to three
// weeks away (so the lights differ).
func (p *demoPlan) issueItems(ctx context.Context, d Deps, rep *Report) error {
	if d.Supervision == nil || p.adminID == 0 {
		return nil
	}
	type tallyLine struct {
		code       string
		n, passed  int
		gridsNamed string
	}
	byCommunity := map[string]*tallyLine{}
	seen := map[int64]bool{}
	for _, a := range p.attempts {
		if a.sim.Attempt.Invalid || seen[a.res.userID] {
			continue
		}
		seen[a.res.userID] = true
		code := deref(a.res.grid.area.ParentCode)
		if byCommunity[code] == nil {
			byCommunity[code] = &tallyLine{code: code}
		}
		byCommunity[code].n++
		if *a.sim.Attempt.Passed {
			byCommunity[code].passed++
		}
	}
	var lines []*tallyLine
	for _, l := range byCommunity {
		if l.n >= 30 {
			lines = append(lines, l)
		}
	}
	sort.Slice(lines, func(i, j int) bool {
		ri, rj := float64(lines[i].passed)/float64(lines[i].n), float64(lines[j].passed)/float64(lines[j].n)
		if ri != rj {
			return ri < rj
		}
		return lines[i].code < lines[j].code
	})
	admin := auth.Caller{UserID: p.adminID, Role: auth.Admin, Username: AdminUsername, AreaCode: p.root.Code, AreaPath: p.root.Path}
	dues := []int{2, 7, 14, 21}
	for i, l := range lines[:min(len(lines), len(dues))] {
		a, err := d.Areas.Get(ctx, l.code)
		if err != nil {
			return err
		}
		due := p.now.Add(time.Duration(dues[i]) * 24 * time.Hour)
		_, err = d.Supervision.Create(ctx, admin, supervision.NewItem{AreaCode: l.code, Title: fmt.Sprintf("%s知晓率偏低，限期整改（演示）", a.Name),
			Detail: fmt.Sprintf("%s本季度反诈知晓率 %.1f%%（%d/%d），低于全市目标。请组织网格员入户宣传、开展现场答题，重点讲解本社区答错较多的诈骗类型。本事项为演示数据。",
				a.Name, 100*float64(l.passed)/float64(l.n), l.passed, l.n),
			DueAt: &due, Period: p.period.Name, Metric: supervision.MetricRate})
		if errors.Is(err, supervision.ErrAlreadyOpen) {
			continue
		}
		if err != nil {
			return fmt.Errorf("demo: rectification item for %s: %w", l.code, err)
		}
		rep.Items++
	}
	return nil
}

// countyLines reads the counties' figures back through the awareness service.
func countyLines(ctx context.Context, d Deps, p *demoPlan, rep *Report) error {
	admin := auth.Caller{UserID: p.adminID, Role: auth.Admin, Username: AdminUsername, AreaCode: p.root.Code, AreaPath: p.root.Path}
	f, err := d.Awareness.Compute(ctx, admin, p.root.Code, p.period)
	if err != nil {
		return err
	}
	for _, c := range f.Children {
		rep.Counties = append(rep.Counties, CountyLine{Code: c.AreaCode, Name: c.Name, Respondents: c.Respondents, Passed: c.Passed, Rate: c.Rate.Rate, Coverage: c.Coverage})
	}
	return nil
}
