package citybench

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"wuzha/internal/phone"
	"wuzha/internal/store"
)

// The loader writes residents, their submitted attempts and the graded
// answers straight into the product's tables with multi-row INSERTs: the
// rows Submit would have left (status submitted, counting, tally_pending,
// the score and the pass decided as Submit decides them). It never writes
// the awareness counters: folding the pending attempts is the product's job.

// bankQuestion is an approved question as attempts serve it.
type bankQuestion struct {
	ID        int64
	Kind      string
	Keys      []string // the question's own option keys
	Answer    []string // the right keys, sorted
	Right     []string // the right options' texts (served keys are letters in a shuffled order)
	FraudType string
	Version   int
}

// servedJSON mirrors quiz's served list (internal/quiz/model.go): what an
// attempt showed, with what grading needs.
type servedJSON struct {
	QuestionID int64    `json:"q"`
	Kind       string   `json:"k"`
	Order      []string `json:"o"`
	Answer     []string `json:"a"`
	FraudType  string   `json:"f"`
	Version    int      `json:"v,omitempty"`
}

// benchQuiz is one published counting quiz the attempts are spread over.
type benchQuiz struct {
	ID            int64
	QuestionCount int
	PassScore     int
	TimeLimitS    int
	MinSeconds    int
}

// resident is what the generator keeps of one resident.
type resident struct {
	grid    int32 // index into the grids
	age     uint8
	occ     uint8
	ability float32 // added to every answer's chance of being right
}

// plannedAttempt is one attempt before its rows are made.
type plannedAttempt struct {
	at   int64 // submission, unix milliseconds
	user int32 // index into the residents
	no   uint8 // the resident's attempt number
}

type loader struct {
	db        *store.DB
	sqlDB     *sql.DB
	vault     *phone.Vault
	seed      uint64
	grids     []gridRef
	ages      []string
	occs      []string
	bank      []bankQuestion
	quizzes   []benchQuiz
	ftBase    map[string]float64 // chance of a right answer per fraud type
	county    []float64          // added to it per county
	firstUser int64
	firstAtt  int64
	writers   int
}

// gridRef is a grid as attempts carry it.
type gridRef struct {
	Code, Path string
	County     int
	Population int64
}

// loadStats counts what the loader wrote.
type loadStats struct {
	Residents, Attempts, Answers int
	ResidentsTime, AttemptsTime  time.Duration
}

// Rows per statement: on MariaDB big statements (a few hundred kB, under
// the 16 MB packet); on SQLite about 500 bound values, because the driver
// binds each argument by scanning the statement's parameters, so a
// statement's cost grows with the square of its values.
const (
	mysqlValuesPerInsert  = 20_000
	sqliteValuesPerInsert = 500
	attemptsPerTx         = 4000
	residentsPerTx        = 4000
)

func (l *loader) load(ctx context.Context, s Sizes, start, end time.Time) (loadStats, error) {
	var st loadStats
	rng := rand.New(rand.NewPCG(l.seed, 1))
	people := l.residents(s.Residents, rng)
	t0 := time.Now()
	if err := l.insertResidents(ctx, people, l.firstUser, "139%08d"); err != nil {
		return st, err
	}
	st.Residents, st.ResidentsTime = len(people), time.Since(t0)
	plan := planAttempts(s.Attempts, len(people), start, end, rng)
	t0 = time.Now()
	n, err := l.insertAttempts(ctx, people, plan)
	if err != nil {
		return st, err
	}
	st.Attempts, st.Answers, st.AttemptsTime = len(plan), n, time.Since(t0)
	return st, nil
}

// residents draws n residents: grids weighted by their population, age
// bands and occupations with a city's rough mix, and an ability each.
func (l *loader) residents(n int, rng *rand.Rand) []resident {
	cum := make([]int64, len(l.grids))
	var total int64
	for i, g := range l.grids {
		total += g.Population
		cum[i] = total
	}
	ageWeights := []float64{0.06, 0.18, 0.26, 0.28, 0.22} // u18, 18–29, 30–44, 45–59, 60+
	out := make([]resident, n)
	for i := range out {
		x := rng.Int64N(total)
		g, _ := slices.BinarySearch(cum, x+1)
		out[i] = resident{grid: int32(g), age: uint8(pick(ageWeights, len(l.ages), rng)), occ: uint8(rng.IntN(len(l.occs))),
			ability: float32(rng.NormFloat64() * 0.08)}
	}
	return out
}

func pick(weights []float64, n int, rng *rand.Rand) int {
	if len(weights) != n {
		return rng.IntN(n)
	}
	x := rng.Float64()
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return n - 1
}

// planAttempts gives every resident one attempt (while attempts last) and
// spreads the rest as retakes, at most three attempts a resident, at
// random times of [start, end); sorted by submission, as ids grow in a
// running system.
func planAttempts(n, residents int, start, end time.Time, rng *rand.Rand) []plannedAttempt {
	plan := make([]plannedAttempt, 0, n)
	taken := make([]uint8, residents)
	span := max(end.Sub(start).Milliseconds(), 1)
	for u := 0; u < residents && len(plan) < n; u++ {
		plan = append(plan, plannedAttempt{user: int32(u)})
		taken[u] = 1
	}
	for len(plan) < n {
		u := rng.IntN(residents)
		if taken[u] >= 3 {
			continue
		}
		taken[u]++
		plan = append(plan, plannedAttempt{user: int32(u)})
	}
	for i := range plan {
		plan[i].at = start.UnixMilli() + rng.Int64N(span)
	}
	sort.Slice(plan, func(i, j int) bool { return plan[i].at < plan[j].at })
	clear(taken)
	for i := range plan {
		taken[plan[i].user]++
		plan[i].no = taken[plan[i].user]
	}
	return plan
}

// insertResidents writes users (role resident, phone hashed and sealed by
// the product's vault) and their profiles, with ids from first on and phone
// numbers made by phones (a format of the resident's index).
func (l *loader) insertResidents(ctx context.Context, people []resident, first int64, phones string) error {
	now := time.Now().UTC()
	return l.parallel(ctx, len(people), residentsPerTx, func(tx *sql.Tx, from, to int) error {
		users := l.newInsert(ctx, tx, "users", "id", "role", "phone_hash", "phone_enc", "disabled", "created_at", "updated_at")
		profiles := l.newInsert(ctx, tx, "resident_profiles", "user_id", "age_band", "occupation", "grid_code", "consent_version", "consent_at", "updated_at")
		for i := from; i < to; i++ {
			id := first + int64(i)
			n := fmt.Sprintf(phones, i)
			if err := users.add(id, "resident", l.vault.Hash(n), l.vault.Seal(n), false, now, now); err != nil {
				return err
			}
			p := people[i]
			if err := profiles.add(id, l.ages[p.age], l.occs[p.occ], l.grids[p.grid].Code, "v1", now, now); err != nil {
				return err
			}
		}
		if err := users.flush(); err != nil {
			return err
		}
		return profiles.flush()
	})
}

// insertAttempts writes the planned attempts and their answers, and says
// how many answers it wrote.
func (l *loader) insertAttempts(ctx context.Context, people []resident, plan []plannedAttempt) (int, error) {
	var mu sync.Mutex
	answers := 0
	err := l.parallel(ctx, len(plan), attemptsPerTx, func(tx *sql.Tx, from, to int) error {
		att := l.newInsert(ctx, tx, "attempts", "id", "quiz_id", "user_id", "attempt_no", "grid_code", "grid_path", "age_band", "occupation", "status", "served",
			"started_at", "deadline", "submitted_at", "score_tenths", "passed", "invalid", "invalid_reason", "idempotency_key", "counting", "tally_pending")
		ans := l.newInsert(ctx, tx, "attempt_answers", "attempt_id", "question_id", "answer_keys", "correct", "fraud_type")
		written := 0
		for i := from; i < to; i++ {
			n, err := l.attempt(l.firstAtt+int64(i), people, plan[i], att, ans)
			if err != nil {
				return err
			}
			written += n
		}
		if err := att.flush(); err != nil {
			return err
		}
		if err := ans.flush(); err != nil {
			return err
		}
		mu.Lock()
		answers += written
		mu.Unlock()
		return nil
	})
	return answers, err
}

// attempt makes one attempt's row and its answers' rows, graded as Submit
// grades: a question is right only with exactly its keys; the score is the
// percentage right, in tenths; passed is score ≥ the quiz's pass mark; an
// attempt answered faster than the quiz's seconds per question is invalid.
func (l *loader) attempt(id int64, people []resident, pa plannedAttempt, att, ans *insert) (int, error) {
	rng := rand.New(rand.NewPCG(l.seed, uint64(id)<<1|1))
	p := people[pa.user]
	g := l.grids[p.grid]
	q := l.quizzes[rng.IntN(len(l.quizzes))]
	picked := rng.Perm(len(l.bank))[:q.QuestionCount]
	srv := make([]servedJSON, len(picked))
	correct := 0
	for i, bi := range picked {
		bq := l.bank[bi]
		order := slices.Clone(bq.Keys)
		if bq.Kind != "true_false" {
			rng.Shuffle(len(order), func(a, b int) { order[a], order[b] = order[b], order[a] })
		}
		srv[i] = servedJSON{QuestionID: bq.ID, Kind: bq.Kind, Order: order, Answer: bq.Answer, FraudType: bq.FraudType, Version: bq.Version}
		chance := l.ftBase[bq.FraudType] + l.county[g.County] + float64(p.ability)
		right := rng.Float64() < chance
		keys := bq.Answer
		if !right {
			keys = wrongKeys(bq, rng)
		}
		if right {
			correct++
		}
		if err := ans.add(id, bq.ID, strings.Join(keys, ","), right, bq.FraudType); err != nil {
			return 0, err
		}
	}
	served, err := json.Marshal(srv)
	if err != nil {
		return 0, err
	}
	tenths := int(math.Round(float64(correct) * 1000 / float64(q.QuestionCount)))
	passed := tenths >= q.PassScore*10
	submitted := time.UnixMilli(pa.at).UTC()
	took := time.Duration(q.QuestionCount*(8+rng.IntN(30))) * time.Second
	invalid, reason := false, ""
	if rng.IntN(100) == 0 { // about 1% answered impossibly fast
		took = time.Duration(q.QuestionCount) * time.Second
		invalid = true
		reason = fmt.Sprintf("用时过短：%d 道题用了 %.1f 秒，少于每题至少 %d 秒，本次作答不计入知晓率、不参与抽奖", q.QuestionCount, took.Seconds(), q.MinSeconds)
	}
	started := submitted.Add(-took)
	err = att.add(id, q.ID, l.firstUser+int64(pa.user), int(pa.no), g.Code, g.Path, l.ages[p.age], l.occs[p.occ], "submitted", string(served),
		started, started.Add(time.Duration(q.TimeLimitS)*time.Second), submitted, tenths, passed, invalid, reason,
		fmt.Sprintf("bench-%d", id), true, true)
	return len(picked), err
}

// wrongKeys is a wrong answer to q, in its own keys, sorted.
func wrongKeys(q bankQuestion, rng *rand.Rand) []string {
	if q.Kind == "multiple" {
		// One key too few, or one too many.
		if len(q.Answer) > 1 && rng.IntN(2) == 0 {
			out := slices.Clone(q.Answer)
			i := rng.IntN(len(out))
			return append(out[:i], out[i+1:]...)
		}
		for _, k := range q.Keys {
			if !slices.Contains(q.Answer, k) {
				out := append(slices.Clone(q.Answer), k)
				slices.Sort(out)
				return out
			}
		}
	}
	var others []string
	for _, k := range q.Keys {
		if !slices.Contains(q.Answer, k) {
			others = append(others, k)
		}
	}
	if len(others) == 0 {
		return []string{}
	}
	return []string{others[rng.IntN(len(others))]}
}

// parallel splits n items into chunks of size and writes each chunk in one
// transaction, on l.writers connections at once.
func (l *loader) parallel(ctx context.Context, n, size int, write func(tx *sql.Tx, from, to int) error) error {
	chunks := make(chan int)
	errs := make(chan error, l.writers)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for w := 0; w < l.writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for from := range chunks {
				if err := l.tx(ctx, func(tx *sql.Tx) error { return write(tx, from, min(from+size, n)) }); err != nil {
					errs <- err
					cancel()
					return
				}
			}
		}()
	}
	for from := 0; from < n; from += size {
		select {
		case chunks <- from:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(chunks)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
		return ctx.Err()
	}
}

func (l *loader) tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := l.sqlDB.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// insert builds multi-row INSERTs of up to max rows, sent as they fill.
type insert struct {
	ctx  context.Context
	tx   *sql.Tx
	head string
	one  string
	max  int
	sql  strings.Builder
	args []any
	rows int
}

func (l *loader) newInsert(ctx context.Context, tx *sql.Tx, table string, cols ...string) *insert {
	values := sqliteValuesPerInsert
	if l.db.Dialect == store.MySQL {
		values = mysqlValuesPerInsert
	}
	return &insert{ctx: ctx, tx: tx, max: max(values/len(cols), 1),
		head: "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ",
		one:  "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"}
}

// add adds a row, and sends the statement when it is full.
func (b *insert) add(values ...any) error {
	if b.rows == 0 {
		b.sql.WriteString(b.head)
	} else {
		b.sql.WriteString(", ")
	}
	b.sql.WriteString(b.one)
	b.args = append(b.args, values...)
	b.rows++
	if b.rows >= b.max {
		return b.flush()
	}
	return nil
}

// flush sends the rows gathered so far, if any.
func (b *insert) flush() error {
	if b.rows == 0 {
		return nil
	}
	_, err := b.tx.ExecContext(b.ctx, b.sql.String(), b.args...)
	b.sql.Reset()
	b.args, b.rows = b.args[:0], 0
	if err != nil {
		return fmt.Errorf("citybench: insert: %w", err)
	}
	return nil
}
