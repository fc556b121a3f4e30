// Command clusterproof drives three `wuzha serve` instances behind HAProxy
// (on one MariaDB, or each on its own node of a Galera cluster) and proves
// what must hold however many instances serve: every acknowledged submission
// is stored exactly once, prizes never exceed their stock, rate limits are
// shared, concurrent submissions of one attempt grade it once, first
// attempts stay first, and the awareness figures equal a rebuild and an
// independent recomputation from the raw attempts.
//
// It is run by .ci/cluster/haproxy-proof.sh and .ci/cluster/galera-proof.sh,
// which start the processes, kill one during the timed load and clean up:
//
//	go run ./internal/clusterproof -url http://127.0.0.1:18080 \
//	  -instances http://127.0.0.1:18081,http://127.0.0.1:18082,http://127.0.0.1:18083 \
//	  -dsn 'mysql://root@tcp(127.0.0.1:3306)/wuzha_proof' -bin bin/wuzha -started /tmp/x/started
//
// It reads WUZHA_JWT_SECRET (to mint resident tokens for residents it
// inserts, as a resident's SMS sign-in would) and passes its environment to
// `wuzha user add` and `wuzha awareness rebuild`. It prints a summary and
// exits 1 when any check fails.
package main

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	mrand "math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"reflect"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"wuzha/internal/auth"
	"wuzha/internal/rule"
	"wuzha/internal/store"
)

var (
	lbURL     = flag.String("url", "http://127.0.0.1:18080", "HAProxy's address")
	instances = flag.String("instances", "", "the instances' own addresses, comma separated")
	dsn       = flag.String("dsn", "", "the database (mysql://…) the instances share, for the checks")
	bin       = flag.String("bin", "bin/wuzha", "the wuzha binary (user add, awareness rebuild)")
	started   = flag.String("started", "", "a file written when the timed load begins (the script kills an instance then)")
	duration  = flag.Duration("duration", 40*time.Second, "how long the timed load runs")
	clients   = flag.Int("clients", 48, "concurrent clients of the timed load")
	stock     = flag.Int("stock", 400, "stock of the load quiz's prize (probability 0.5, min score 60)")
	label     = flag.String("label", "haproxy", "what the summary calls this run")
)

const questions = 5

func main() {
	flag.Parse()
	p := &proof{inst: strings.Split(*instances, ",")}
	if err := p.run(); err != nil {
		p.check(false, "the proof ran to its end: %v", err)
	}
	p.txRetries()
	fmt.Printf("\n== %s proof summary ==\n", *label)
	for _, l := range p.lines {
		fmt.Println(l)
	}
	failed := 0
	for _, c := range p.checks {
		mark := "PASS"
		if !c.ok {
			mark, failed = "FAIL", failed+1
		}
		fmt.Printf("[%s] %s\n", mark, c.what)
	}
	if failed > 0 {
		fmt.Printf("%d of %d checks FAILED\n", failed, len(p.checks))
		os.Exit(1)
	}
	fmt.Printf("all %d checks passed\n", len(p.checks))
}

type check struct {
	ok   bool
	what string
}

type proof struct {
	inst   []string
	db     *store.DB
	secret []byte
	editor string
	admin  string
	worker string
	lines  []string
	checks []check
	quiz   quizInfo
}

func (p *proof) say(format string, a ...any) {
	l := fmt.Sprintf(format, a...)
	p.lines = append(p.lines, l)
	fmt.Println(l)
}

func (p *proof) check(ok bool, format string, a ...any) {
	p.checks = append(p.checks, check{ok, fmt.Sprintf(format, a...)})
}

func (p *proof) run() error {
	var err error
	if p.secret, err = base64.StdEncoding.DecodeString(os.Getenv("WUZHA_JWT_SECRET")); err != nil || len(p.secret) < 32 {
		return errors.New("WUZHA_JWT_SECRET (base64, the instances' secret) is needed to mint resident tokens")
	}
	if p.db, err = store.Open(*dsn, "", store.Options{MaxOpen: 8}); err != nil {
		return err
	}
	if err := p.prepare(); err != nil {
		return fmt.Errorf("prepare: %w", err)
	}
	p.timedLoad()
	// The phases below address every instance directly: wait until the
	// one whose process or database was killed is back.
	if err := p.waitReady(); err != nil {
		return err
	}
	if err := p.doubleSubmits(); err != nil {
		return fmt.Errorf("double submits: %w", err)
	}
	if err := p.firstAttempts(); err != nil {
		return fmt.Errorf("first attempts: %w", err)
	}
	if err := p.prizeRace(); err != nil {
		return fmt.Errorf("prize race: %w", err)
	}
	if err := p.sharedRateLimit(); err != nil {
		return fmt.Errorf("rate limit: %w", err)
	}
	if err := p.verifyStock(); err != nil {
		return err
	}
	return p.verifyAwareness()
}

func (p *proof) waitReady() error {
	for _, base := range p.inst {
		for t0 := time.Now(); call("GET", base+"/readyz", "", nil, nil).status != 200; time.Sleep(250 * time.Millisecond) {
			if time.Since(t0) > 3*time.Minute {
				return fmt.Errorf("%s did not become ready again", base)
			}
		}
	}
	return nil
}

// ---- HTTP ----

var client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 512, MaxConnsPerHost: 512}, Timeout: 15 * time.Second}

type resp struct {
	status int
	body   []byte
}

func (r resp) code() string {
	var pr struct{ Code string }
	json.Unmarshal(r.body, &pr)
	return pr.Code
}

// call sends one request; status 0 is a transport error (connection refused
// or reset, timeout).
func call(method, url, token string, body any, header map[string]string) resp {
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, url, rd)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := client.Do(req)
	if err != nil {
		return resp{}
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{res.StatusCode, b}
}

// retried counts the requests sent again after a transport error or a
// 502/503/504 from HAProxy (an instance killed under the request).
var retried atomic.Int64

// callRetrying sends a request the API makes safe to repeat — starting an
// attempt (a resident's open attempt is resumed, never a second one made)
// and submitting with the same Idempotency-Key and answers (the first
// result is answered again, never a second submission) — again on a
// transport error or 502/503/504, for up to 30 s. Nothing else is retried.
func callRetrying(method, url, token string, body any, header map[string]string) resp {
	deadline := time.Now().Add(30 * time.Second)
	for {
		r := call(method, url, token, body, header)
		if (r.status != 0 && r.status != 502 && r.status != 503 && r.status != 504) || time.Now().After(deadline) {
			return r
		}
		retried.Add(1)
		time.Sleep(200 * time.Millisecond)
	}
}

func mustJSON(r resp, want int, v any) error {
	if r.status != want {
		return fmt.Errorf("status %d (want %d): %s", r.status, want, r.body)
	}
	if v != nil {
		return json.Unmarshal(r.body, v)
	}
	return nil
}

// ---- preparation ----

type quizInfo struct {
	id      int64
	correct map[int64]map[string]bool // question → the right options' texts
}

type servedQuestion struct {
	ID      int64
	Options []struct{ Key, Text string }
}

type startResp struct {
	AttemptID int64            `json:"attempt_id"`
	Questions []servedQuestion `json:"questions"`
}

type submitResp struct {
	AttemptID int64   `json:"attempt_id"`
	Score     float64 `json:"score"`
	Passed    bool    `json:"passed"`
	Prize     *struct{ Name, Code string }
}

func (p *proof) staff(name, role, area string) (string, error) {
	pw := "Proof-" + hex.EncodeToString(randBytes(8))
	cmd := exec.Command(*bin, "user", "add", "--username", name, "--role", role, "--area", area)
	cmd.Stdin = strings.NewReader(pw + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("wuzha user add %s: %v: %s", name, err, out)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	err := mustJSON(call("POST", *lbURL+"/api/v1/auth/login", "", map[string]string{"username": name, "password": pw}, nil), 200, &tok)
	return tok.AccessToken, err
}

func (p *proof) prepare() error {
	// The city's rule as the tests relax it: questions answered at once
	// count (the load answers in milliseconds); everything else is the
	// default (≥ 5 questions, pass mark 60).
	r := rule.Default()
	r.MinSecondsPerQuestion = 0
	row := rule.Stored{ID: 1, TargetRate: r.TargetRate, TargetCoverage: r.TargetCoverage, MinRespondents: r.MinRespondents,
		PassScore: r.PassScore, MinQuestions: r.MinQuestions, MinSecondsPerQuestion: r.MinSecondsPerQuestion}
	if err := p.db.Save(&row).Error; err != nil {
		return err
	}
	suffix := hex.EncodeToString(randBytes(3))
	var err error
	if p.editor, err = p.staff("proof_editor_"+suffix, "editor", "330802"); err != nil {
		return err
	}
	reviewer, err := p.staff("proof_reviewer_"+suffix, "reviewer", "330802")
	if err != nil {
		return err
	}
	if p.admin, err = p.staff("proof_admin_"+suffix, "admin", "330800"); err != nil {
		return err
	}
	if p.worker, err = p.staff("proof_worker_"+suffix, "grid_worker", "330802001001001"); err != nil {
		return err
	}
	var ids []int64
	correct := map[int64]map[string]bool{}
	for i := 0; i < questions; i++ {
		body := map[string]any{"kind": "single", "stem": fmt.Sprintf("集群验证第 %d 题（%s）：陌生人来电称可以办理高额贷款，但要先交保证金，应该怎么做？", i+1, suffix),
			"options": []map[string]string{{"key": "A", "text": "先交保证金"}, {"key": "B", "text": "拒绝并挂断，向官方渠道核实"}, {"key": "C", "text": "把验证码告诉对方"}},
			"answer":  []string{"B"}, "explanation": "正规贷款不会要求先交保证金，先交钱的都是诈骗。", "fraud_type": []string{"loan", "other", "brushing", "police_impersonation", "other"}[i], "difficulty": 1}
		var q struct{ ID int64 }
		if err := mustJSON(call("POST", *lbURL+"/api/v1/questions", p.editor, body, nil), 201, &q); err != nil {
			// An unknown fraud type code: fall back to "other".
			body["fraud_type"] = "other"
			if err := mustJSON(call("POST", *lbURL+"/api/v1/questions", p.editor, body, nil), 201, &q); err != nil {
				return fmt.Errorf("question: %w", err)
			}
		}
		if err := mustJSON(call("POST", fmt.Sprintf("%s/api/v1/questions/%d/approve", *lbURL, q.ID), reviewer, nil, nil), 200, nil); err != nil {
			return fmt.Errorf("approve: %w", err)
		}
		ids = append(ids, q.ID)
		correct[q.ID] = map[string]bool{"拒绝并挂断，向官方渠道核实": true}
	}
	mk := func(title string, maxAttempts int) (int64, error) {
		body := map[string]any{"title": title, "area_code": "330802", "audience": "residents", "counts_for_awareness": true,
			"starts_at": time.Now().Add(-time.Hour).Format(time.RFC3339), "ends_at": time.Now().Add(24 * time.Hour).Format(time.RFC3339),
			"question_count": questions, "pass_score": 60, "time_limit_s": 600, "max_attempts": maxAttempts, "core_question_ids": ids, "min_seconds_per_question": 0}
		var q struct{ ID int64 }
		if err := mustJSON(call("POST", *lbURL+"/api/v1/quizzes", p.editor, body, nil), 201, &q); err != nil {
			return 0, err
		}
		return q.ID, mustJSON(call("POST", fmt.Sprintf("%s/api/v1/quizzes/%d/publish", *lbURL, q.ID), p.editor, nil, nil), 200, nil)
	}
	if p.quiz.id, err = mk("集群验证有奖问答", 3); err != nil {
		return fmt.Errorf("quiz: %w", err)
	}
	p.quiz.correct = correct
	return p.addPrize(p.quiz.id, *stock, 60, 0.5)
}

func (p *proof) addPrize(quizID int64, stock, minScore int, probability float64) error {
	return mustJSON(call("POST", fmt.Sprintf("%s/api/v1/quizzes/%d/prizes", *lbURL, quizID), p.editor,
		map[string]any{"name": "反诈帆布袋", "stock": stock, "min_score": minScore, "probability": probability}, nil), 201, nil)
}

// residents inserts n residents with profiles spread over 柯城区's grids and
// sign-ins, and mints their access tokens with the instances' secret.
func (p *proof) residents(n int) ([]string, error) {
	grids := [][3]string{{"30_44", "company_staff", "330802001001001"}, {"60p", "retiree", "330802001001002"}, {"18_29", "student", "330802001002001"},
		{"45_59", "farmer", "330802002001001"}, {"60p", "farmer", "330802003002001"}, {"18_29", "flexible", "330802004001001"}}
	now := time.Now().UTC()
	users := make([]auth.User, n)
	for i := range users {
		h := hex.EncodeToString(randBytes(16))
		users[i] = auth.User{Role: auth.Resident, PhoneHash: &h, CreatedAt: now, UpdatedAt: now}
	}
	if err := p.db.CreateInBatches(&users, 500).Error; err != nil {
		return nil, err
	}
	profiles := make([]auth.Profile, n)
	signIns := make([]auth.SignIn, n)
	tokens := make([]string, n)
	for i, u := range users {
		g := grids[i%len(grids)]
		profiles[i] = auth.Profile{UserID: u.ID, AgeBand: g[0], Occupation: g[1], GridCode: g[2], ConsentVersion: auth.ConsentVersion, ConsentAt: now, UpdatedAt: now}
		signIns[i] = auth.SignIn{ID: hex.EncodeToString(randBytes(12)), UserID: u.ID, CreatedAt: now}
		tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
			"iss": "wuzha", "aud": []string{"wuzha-api"}, "sub": fmt.Sprint(u.ID), "sid": signIns[i].ID, "typ": "access",
			"iat": now.Unix(), "nbf": now.Add(-time.Minute).Unix(), "exp": now.Add(2 * time.Hour).Unix(),
		}).SignedString(p.secret)
		if err != nil {
			return nil, err
		}
		tokens[i] = tok
	}
	if err := p.db.CreateInBatches(&profiles, 500).Error; err != nil {
		return nil, err
	}
	return tokens, p.db.CreateInBatches(&signIns, 500).Error
}

// answers answers the served questions: the first `right` of them right,
// the rest wrong.
func (p *proof) answers(s startResp, right int) []map[string]any {
	var out []map[string]any
	for i, q := range s.Questions {
		for _, o := range q.Options {
			if p.quiz.correct[q.ID][o.Text] == (i < right) {
				out = append(out, map[string]any{"question_id": q.ID, "keys": []string{o.Key}})
				break
			}
		}
	}
	return out
}

func (p *proof) start(base, token string, quizID int64) (startResp, resp) {
	var s startResp
	r := callRetrying("POST", fmt.Sprintf("%s/api/v1/quizzes/%d/attempts", base, quizID), token, map[string]any{}, nil)
	if r.status == 201 || r.status == 200 {
		json.Unmarshal(r.body, &s)
	}
	return s, r
}

// ---- the timed load ----

type ack struct {
	attemptID int64
	score     float64
	prize     string
}

var acks struct {
	sync.Mutex
	list []ack
}

func (p *proof) timedLoad() {
	budget := int(duration.Seconds()) * 400
	t0 := time.Now()
	tokens, err := p.residents(budget)
	if err != nil {
		p.check(false, "prepare %d residents: %v", budget, err)
		return
	}
	p.say("prepared %d residents in %s", budget, time.Since(t0).Round(time.Millisecond))
	next := atomic.Int64{}
	var startFail, submitFail, starts atomic.Int64
	failures := sync.Map{}
	var lat []time.Duration
	var latMu sync.Mutex
	if *started != "" {
		os.WriteFile(*started, []byte(time.Now().Format(time.RFC3339)), 0o644)
	}
	deadline := time.Now().Add(*duration)
	t0 = time.Now()
	var wg sync.WaitGroup
	for w := 0; w < *clients; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				i := int(next.Add(1)) - 1
				if i >= len(tokens) {
					return
				}
				s, r := p.start(*lbURL, tokens[i], p.quiz.id)
				if s.AttemptID == 0 {
					startFail.Add(1)
					failures.Store(fmt.Sprintf("start %d %s", r.status, r.code()), true)
					continue
				}
				starts.Add(1)
				key := "proof-" + fmt.Sprint(s.AttemptID)
				right := 2 + mrand.IntN(questions-1) // 2..5 right: 40–100 points
				t1 := time.Now()
				r = callRetrying("POST", fmt.Sprintf("%s/api/v1/attempts/%d/submit", *lbURL, s.AttemptID), tokens[i], map[string]any{"answers": p.answers(s, right)},
					map[string]string{"Idempotency-Key": key})
				var res submitResp
				if r.status != 200 || json.Unmarshal(r.body, &res) != nil || res.AttemptID != s.AttemptID {
					submitFail.Add(1)
					failures.Store(fmt.Sprintf("submit %d %s", r.status, r.code()), true)
					continue
				}
				latMu.Lock()
				lat = append(lat, time.Since(t1))
				latMu.Unlock()
				a := ack{attemptID: res.AttemptID, score: res.Score}
				if res.Prize != nil {
					a.prize = res.Prize.Code
				}
				acks.Lock()
				acks.list = append(acks.list, a)
				acks.Unlock()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(t0)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(q float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		return float64(lat[int(q*float64(len(lat)-1))].Microseconds()) / 1000
	}
	load, _ := os.ReadFile("/proc/loadavg")
	p.say("timed load: %d clients for %s through HAProxy: %d attempts started, %d submissions acknowledged (%.0f/s), submit p50 %.1f ms, p99 %.1f ms; %d requests retried after a transport error or 502/503/504; failed: %d starts, %d submits; load average %s",
		*clients, elapsed.Round(time.Millisecond), starts.Load(), len(acks.list), float64(len(acks.list))/elapsed.Seconds(), pct(0.5), pct(0.99), retried.Load(), startFail.Load(), submitFail.Load(),
		strings.Join(strings.Fields(string(load))[:3], " "))
	failures.Range(func(k, _ any) bool { p.say("  a failure seen: %v", k); return true })
	p.check(startFail.Load() == 0 && submitFail.Load() == 0, "every start and submission of the timed load succeeded, retries included (%d start and %d submit failures)", startFail.Load(), submitFail.Load())

	// Every acknowledged submission is stored exactly once: the attempt is
	// submitted with the acknowledged score, has exactly one answer row per
	// question, and has the acknowledged prize (or none).
	ids := make([]int64, 0, len(acks.list))
	byID := map[int64]ack{}
	for _, a := range acks.list {
		ids = append(ids, a.attemptID)
		byID[a.attemptID] = a
	}
	type stored struct {
		ID          int64
		Status      string
		ScoreTenths *int
		Answers     int
		Awards      int
		Code        *string
	}
	var rows []stored
	for i := 0; i < len(ids); i += 1000 {
		var chunk []stored
		err := p.db.Raw(`SELECT a.id, a.status, a.score_tenths,
 (SELECT COUNT(*) FROM attempt_answers x WHERE x.attempt_id = a.id) AS answers,
 (SELECT COUNT(*) FROM awards w WHERE w.attempt_id = a.id) AS awards,
 (SELECT MIN(w.code) FROM awards w WHERE w.attempt_id = a.id) AS code
FROM attempts a WHERE a.id IN ?`, ids[i:min(i+1000, len(ids))]).Scan(&chunk).Error
		if err != nil {
			p.check(false, "read stored submissions: %v", err)
			return
		}
		rows = append(rows, chunk...)
	}
	lost, doubled, wrong := len(ids)-len(rows), 0, 0
	for _, r := range rows {
		a := byID[r.ID]
		if r.Answers != questions || r.Awards > 1 {
			doubled++
		}
		code := ""
		if r.Code != nil {
			code = *r.Code
		}
		if r.Status != "submitted" || r.ScoreTenths == nil || float64(*r.ScoreTenths)/10 != a.score || code != a.prize {
			wrong++
		}
	}
	var perUser []int64
	p.db.Raw("SELECT COUNT(*) FROM attempts WHERE quiz_id = ? GROUP BY user_id HAVING COUNT(*) > 1", p.quiz.id).Scan(&perUser)
	var unacked int64
	p.db.Raw("SELECT COUNT(*) FROM attempts WHERE quiz_id = ? AND status = 'submitted'", p.quiz.id).Scan(&unacked)
	unacked -= int64(len(ids))
	p.say("acknowledged submissions: %d; stored: %d; lost %d, doubled %d, differing from the acknowledgement %d; stored but never acknowledged: %d; residents with a second attempt: %d",
		len(ids), len(rows), lost, doubled, wrong, unacked, len(perUser))
	p.check(len(ids) > 0 && lost == 0 && doubled == 0 && wrong == 0, "every acknowledged submission is stored exactly once, with the acknowledged score and prize (%d acknowledged)", len(ids))
	p.check(len(perUser) == 0, "no resident got a second attempt from a retried start (%d did)", len(perUser))
}

// ---- concurrent submissions of one attempt on different instances ----

func (p *proof) doubleSubmits() error {
	const n = 150
	tokens, err := p.residents(n)
	if err != nil {
		return err
	}
	type job struct {
		token string
		s     startResp
	}
	var jobs []job
	for _, t := range tokens {
		s, r := p.start(*lbURL, t, p.quiz.id)
		if s.AttemptID == 0 {
			return fmt.Errorf("start: %d %s", r.status, r.body)
		}
		jobs = append(jobs, job{t, s})
	}
	var ok200, conflict409, other atomic.Int64
	var oneWinner atomic.Int64
	others := sync.Map{}
	var wg sync.WaitGroup
	sem := make(chan struct{}, 24)
	for _, j := range jobs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			// The same attempt on every instance at once, each with its own
			// key: exactly one may be graded.
			var inner sync.WaitGroup
			wins := atomic.Int64{}
			body := map[string]any{"answers": p.answers(j.s, 4)}
			for k, base := range p.inst {
				inner.Add(1)
				go func() {
					defer inner.Done()
					r := call("POST", fmt.Sprintf("%s/api/v1/attempts/%d/submit", base, j.s.AttemptID), j.token, body, map[string]string{"Idempotency-Key": fmt.Sprintf("double-%d", k)})
					switch {
					case r.status == 200:
						ok200.Add(1)
						wins.Add(1)
					case r.status == 409 && r.code() == "already_submitted":
						conflict409.Add(1)
					default:
						other.Add(1)
						others.Store(fmt.Sprintf("%d %s", r.status, r.body), true)
					}
				}()
			}
			inner.Wait()
			if wins.Load() == 1 {
				oneWinner.Add(1)
			}
		}()
	}
	wg.Wait()
	var badAnswers []int64
	ids := make([]int64, 0, n)
	for _, j := range jobs {
		ids = append(ids, j.s.AttemptID)
	}
	p.db.Raw("SELECT a.id FROM attempts a WHERE a.id IN ? AND (a.status <> 'submitted' OR (SELECT COUNT(*) FROM attempt_answers x WHERE x.attempt_id = a.id) <> ? OR (SELECT COUNT(*) FROM awards w WHERE w.attempt_id = a.id) > 1)", ids, questions).Scan(&badAnswers)
	p.say("double submits: %d attempts each submitted on all %d instances at once with different keys: %d answered 200, %d answered 409 already_submitted, %d otherwise; attempts with exactly one 200: %d; attempts not stored exactly once: %d",
		n, len(p.inst), ok200.Load(), conflict409.Load(), other.Load(), oneWinner.Load(), len(badAnswers))
	others.Range(func(k, _ any) bool { p.say("  other answer: %v", k); return true })
	p.check(oneWinner.Load() == n && other.Load() == 0 && len(badAnswers) == 0, "concurrent submits of one attempt on different instances grade it exactly once (%d of %d)", oneWinner.Load(), n)
	return nil
}

// ---- first attempts: a failed first attempt, then a passed second one on
// another instance; awareness must count the first ----

func (p *proof) firstAttempts() error {
	const n = 150
	tokens, err := p.residents(n)
	if err != nil {
		return err
	}
	var failed atomic.Int64
	var wg sync.WaitGroup
	sem := make(chan struct{}, 24)
	for i, t := range tokens {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			for k, right := range []int{1, questions} { // 20 points, then 100
				base := p.inst[(i+k)%len(p.inst)]
				s, r := p.start(base, t, p.quiz.id)
				if s.AttemptID == 0 {
					failed.Add(1)
					fmt.Println("first attempts: start:", r.status, string(r.body))
					return
				}
				r = callRetrying("POST", fmt.Sprintf("%s/api/v1/attempts/%d/submit", base, s.AttemptID), t, map[string]any{"answers": p.answers(s, right)}, map[string]string{"Idempotency-Key": "first"})
				if r.status != 200 {
					failed.Add(1)
					fmt.Println("first attempts: submit:", r.status, string(r.body))
					return
				}
			}
		}()
	}
	wg.Wait()
	p.say("first attempts: %d residents failed a first attempt on one instance, then passed a second on the next (%d failures)", n, failed.Load())
	p.check(failed.Load() == 0, "every resident of the first-attempt phase took both attempts")
	return nil
}

// ---- the prize race: few prizes, many winners at once on every instance ----

func (p *proof) prizeRace() error {
	const n, small = 300, 25
	body := map[string]any{"title": "集群验证抢奖", "area_code": "330802", "audience": "residents", "counts_for_awareness": false,
		"starts_at": time.Now().Add(-time.Hour).Format(time.RFC3339), "ends_at": time.Now().Add(24 * time.Hour).Format(time.RFC3339),
		"question_count": questions, "pass_score": 60, "time_limit_s": 600, "max_attempts": 1, "min_seconds_per_question": 0}
	var ids []int64
	for id := range p.quiz.correct {
		ids = append(ids, id)
	}
	body["core_question_ids"] = ids
	var q struct{ ID int64 }
	if err := mustJSON(call("POST", *lbURL+"/api/v1/quizzes", p.editor, body, nil), 201, &q); err != nil {
		return err
	}
	if err := mustJSON(call("POST", fmt.Sprintf("%s/api/v1/quizzes/%d/publish", *lbURL, q.ID), p.editor, nil, nil), 200, nil); err != nil {
		return err
	}
	if err := p.addPrize(q.ID, small, 0, 1); err != nil {
		return err
	}
	tokens, err := p.residents(n)
	if err != nil {
		return err
	}
	type job struct {
		token string
		s     startResp
	}
	jobs := make([]job, 0, n)
	for _, t := range tokens {
		s, r := p.start(*lbURL, t, q.ID)
		if s.AttemptID == 0 {
			return fmt.Errorf("start: %d %s", r.status, r.body)
		}
		jobs = append(jobs, job{t, s})
	}
	var won, ok atomic.Int64
	codes := sync.Map{}
	gate := make(chan struct{})
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gate
			r := callRetrying("POST", fmt.Sprintf("%s/api/v1/attempts/%d/submit", p.inst[i%len(p.inst)], j.s.AttemptID), j.token, map[string]any{"answers": p.answers(j.s, questions)}, map[string]string{"Idempotency-Key": "race"})
			var res submitResp
			if r.status == 200 && json.Unmarshal(r.body, &res) == nil {
				ok.Add(1)
				if res.Prize != nil {
					won.Add(1)
					codes.Store(res.Prize.Code, true)
				}
			} else {
				fmt.Println("prize race: submit:", r.status, string(r.body))
			}
		}()
	}
	close(gate)
	wg.Wait()
	var awards, remaining int64
	p.db.Raw("SELECT COUNT(*) FROM awards WHERE quiz_id = ?", q.ID).Scan(&awards)
	p.db.Raw("SELECT COALESCE(SUM(s.remaining), 0) FROM prize_stock s JOIN prize_pools pp ON pp.id = s.pool_id WHERE pp.quiz_id = ?", q.ID).Scan(&remaining)
	distinct := 0
	codes.Range(func(_, _ any) bool { distinct++; return true })
	p.say("prize race: %d residents submitted at once over %d instances for a prize of stock %d (probability 1): %d submissions answered 200, %d won a prize (%d distinct codes); awards stored %d, stock left %d",
		n, len(p.inst), small, ok.Load(), won.Load(), distinct, awards, remaining)
	p.check(ok.Load() == n, "every prize-race submission succeeded (%d of %d)", ok.Load(), n)
	p.check(won.Load() == small && awards == small && remaining == 0 && distinct == small, "the prize race gave exactly its stock (%d won, %d stored, stock %d), never more", won.Load(), awards, small)
	return nil
}

// ---- a limit shared across instances ----

func (p *proof) sharedRateLimit() error {
	// Ten wrong join codes from one address, spread over the instances:
	// then the eleventh, on any instance, is refused.
	addr := fmt.Sprintf("203.0.113.%d", 1+mrand.IntN(250))
	var got []string
	for i := 0; i < 10; i++ {
		r := call("GET", p.inst[i%len(p.inst)]+"/api/v1/sessions/join/"+randomCode(), "", nil, map[string]string{"X-Forwarded-For": addr})
		got = append(got, fmt.Sprint(r.status))
	}
	var after []string
	for _, base := range p.inst {
		r := call("GET", base+"/api/v1/sessions/join/"+randomCode(), "", nil, map[string]string{"X-Forwarded-For": addr})
		after = append(after, fmt.Sprintf("%d %s", r.status, r.code()))
	}
	r := call("GET", *lbURL+"/api/v1/sessions/join/"+randomCode(), "", nil, map[string]string{"X-Forwarded-For": addr})
	after = append(after, fmt.Sprintf("%d %s (through HAProxy)", r.status, r.code()))
	p.say("shared rate limit: ten wrong join codes from %s over the instances answered %s; then %s", addr, strings.Join(got, " "), strings.Join(after, ", "))
	all404 := strings.Count(strings.Join(got, " "), "404") == 10
	refused := 0
	for _, a := range after {
		if strings.HasPrefix(a, "429 too_many_wrong_codes") {
			refused++
		}
	}
	p.check(all404 && refused == len(after), "the wrong-code limit is shared: 10 wrong codes over %d instances, then 429 on every instance and through HAProxy", len(p.inst))
	return nil
}

func randomCode() string {
	n, _ := rand.Int(rand.Reader, big.NewInt(9_000_000_000))
	return fmt.Sprint(n.Int64() + 1_000_000_000)
}

// ---- stock arithmetic of the load quiz ----

func (p *proof) verifyStock() error {
	var poolStock, awards, remaining int64
	p.db.Raw("SELECT COALESCE(SUM(stock), 0) FROM prize_pools WHERE quiz_id = ?", p.quiz.id).Scan(&poolStock)
	p.db.Raw("SELECT COUNT(*) FROM awards WHERE quiz_id = ?", p.quiz.id).Scan(&awards)
	p.db.Raw("SELECT COALESCE(SUM(s.remaining), 0) FROM prize_stock s JOIN prize_pools pp ON pp.id = s.pool_id WHERE pp.quiz_id = ?", p.quiz.id).Scan(&remaining)
	var negative, perAttempt int64
	p.db.Raw("SELECT COUNT(*) FROM prize_stock WHERE remaining < 0").Scan(&negative)
	p.db.Raw("SELECT COUNT(*) FROM (SELECT attempt_id FROM awards GROUP BY attempt_id HAVING COUNT(*) > 1) d").Scan(&perAttempt)
	won := 0
	for _, a := range acks.list {
		if a.prize != "" {
			won++
		}
	}
	p.say("load quiz prize: stock %d, awards stored %d (acknowledged %d in the timed load), stock left %d; negative slots %d, attempts with two awards %d", poolStock, awards, won, remaining, negative, perAttempt)
	p.check(awards <= poolStock && awards+remaining == poolStock && negative == 0 && perAttempt == 0, "prizes won ≤ stock and stock arithmetic exact: %d awarded + %d left = %d", awards, remaining, poolStock)
	return nil
}

// ---- awareness: live counters = rebuild = raw recomputation ----

func (p *proof) verifyAwareness() error {
	// Wait for the instances' folders to take every pending attempt.
	var pending int64
	for t0 := time.Now(); time.Since(t0) < 90*time.Second; time.Sleep(500 * time.Millisecond) {
		if err := p.db.Raw("SELECT COUNT(*) FROM attempts WHERE tally_pending = ?", true).Scan(&pending).Error; err != nil {
			return err
		}
		if pending == 0 {
			break
		}
	}
	p.check(pending == 0, "the instances folded every submitted attempt into the counters (%d left pending)", pending)
	get := func() (map[string]any, error) {
		var m map[string]any
		err := mustJSON(call("GET", *lbURL+"/api/v1/awareness/330800", p.admin, nil, nil), 200, &m)
		return m, err
	}
	before, err := get()
	if err != nil {
		return fmt.Errorf("awareness before: %w", err)
	}
	cmd := exec.Command(*bin, "awareness", "rebuild")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("wuzha awareness rebuild: %v: %s", err, out)
	}
	after, err := get()
	if err != nil {
		return fmt.Errorf("awareness after: %w", err)
	}
	p.say("awareness 330800 %v (live counters): respondents %v, passed %v, rate %v, mean score %v", before["period"], before["respondents"], before["passed"], before["rate"], before["mean_score"])
	p.say("awareness 330800 %v (after wuzha awareness rebuild): respondents %v, passed %v, rate %v, mean score %v", after["period"], after["respondents"], after["passed"], after["rate"], after["mean_score"])
	diff := []string{}
	for k := range after {
		if !reflect.DeepEqual(before[k], after[k]) {
			diff = append(diff, k)
		}
	}
	sort.Strings(diff)
	p.check(len(diff) == 0, "the awareness figures equal a rebuild's (fields that differ: %v)", diff)

	// Independently from the raw attempts: each resident's first counting,
	// valid attempt submitted in the quarter.
	loc, _ := time.LoadLocation("Asia/Shanghai")
	now := time.Now().In(loc)
	qStart := time.Date(now.Year(), time.Month((int(now.Month())-1)/3*3+1), 1, 0, 0, 0, 0, loc)
	qEnd := qStart.AddDate(0, 3, 0)
	var raw []struct {
		UserID      int64
		ScoreTenths int
		Passed      bool
	}
	err = p.db.Raw(`SELECT a.user_id, a.score_tenths, a.passed FROM attempts a
WHERE a.status = 'submitted' AND a.counting = ? AND a.invalid = ? AND a.submitted_at >= ? AND a.submitted_at < ? AND a.grid_path LIKE ?
ORDER BY a.submitted_at, a.id`, true, false, qStart.UTC(), qEnd.UTC(), "%330800%").Scan(&raw).Error
	if err != nil {
		return err
	}
	seen := map[int64]bool{}
	var respondents, passed, tenths int64
	for _, r := range raw {
		if seen[r.UserID] {
			continue
		}
		seen[r.UserID] = true
		respondents++
		tenths += int64(r.ScoreTenths)
		if r.Passed {
			passed++
		}
	}
	p.say("awareness 330800 recomputed from the raw attempts: respondents %d, passed %d, mean score %.2f", respondents, passed, float64(tenths)/10/float64(max(respondents, 1)))
	num := func(v any) int64 { f, _ := v.(float64); return int64(f) }
	p.check(num(before["respondents"]) == respondents && num(before["passed"]) == passed,
		"the awareness figures equal an independent recomputation from the raw attempts (respondents %d = %d, passed %d = %d)", num(before["respondents"]), respondents, num(before["passed"]), passed)

	// The first-attempt phase's residents failed their first attempt and
	// passed the second: the recomputation counts them as failed, so a
	// counter that took a second attempt for a first would differ above.
	return nil
}

// txRetries reports each instance's count of transactions run again after
// a deadlock or certification conflict (since that instance started).
func (p *proof) txRetries() {
	var counts []string
	for _, base := range p.inst {
		r := call("GET", base+"/metrics", "", nil, nil)
		n := "?"
		for _, l := range strings.Split(string(r.body), "\n") {
			if strings.HasPrefix(l, "wuzha_db_tx_retries_total ") {
				n = strings.TrimPrefix(l, "wuzha_db_tx_retries_total ")
			}
		}
		counts = append(counts, n)
	}
	p.say("transactions retried after a deadlock or certification conflict, per instance since its start: %s", strings.Join(counts, ", "))
}

func randBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return b
}
