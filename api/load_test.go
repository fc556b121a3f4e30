package api_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"wuzha/internal/awareness"
	"wuzha/internal/store"
	"wuzha/internal/testkit"
)

// TestSubmitLoad is the submission load benchmark: real HTTP on loopback,
// bounded in time, printing submissions per second and p50/p99 latency for
// wuzha's POST /attempts/{id}/submit and, in the same sitting, for a bare
// baseline — the same stack (Fiber, GORM, the same database) inserting one
// attempt row plus its answer rows in one transaction with no rules at all.
// The quiz has ten questions (WUZHA_LOAD_QUESTIONS changes it), so both
// sides write ten answer rows per submission. It runs only when asked, on
// SQLite or on any MySQL/MariaDB server the DSN names (one node of a Galera
// cluster included; the test makes and drops its own database there):
//
//	WUZHA_LOAD=1 go test -run TestSubmitLoad -v ./api/
//	WUZHA_LOAD=1 WUZHA_TEST_MYSQL_DSN='mysql://root@tcp(127.0.0.1:3306)/' go test -run TestSubmitLoad -v ./api/
//
//	WUZHA_LOAD=1 WUZHA_TEST_MYSQL_DSN='mysql://root@tcp(127.0.0.1:3407)/' go test -run TestSubmitLoad -v ./api/
//
// WUZHA_LOAD_SECONDS (default 5), WUZHA_LOAD_CLIENTS (default 32) and
// WUZHA_LOAD_PROBABILITY (the prize's chance, default 0.5) tune it.
func TestSubmitLoad(t *testing.T) {
	if os.Getenv("WUZHA_LOAD") == "" {
		t.Skip("load benchmark: set WUZHA_LOAD=1 to run")
	}
	// 32 clients already keep this 2-core machine saturated (64 give the
	// same rates, baseline included) and add only queueing to both phases;
	// the database pool is the production 64 either way.
	seconds, clients, questions := 5, 32, 10
	fmt.Sscan(os.Getenv("WUZHA_LOAD_SECONDS"), &seconds)
	fmt.Sscan(os.Getenv("WUZHA_LOAD_CLIENTS"), &clients)
	fmt.Sscan(os.Getenv("WUZHA_LOAD_QUESTIONS"), &questions)
	e := testkit.NewEnv(t)
	// The production pool (store.Open's default of 64 on MySQL; tests
	// open smaller ones); SQLite keeps its one writer connection.
	if sqlDB, err := e.DB.DB.DB(); err == nil && e.DB.Dialect == store.MySQL {
		sqlDB.SetMaxOpenConns(64)
		sqlDB.SetMaxIdleConns(64)
	}
	f := newQuizFixtureN(t, e, questions, map[string]any{"max_attempts": 20})
	testkit.Want(t, e.Call("POST", fmt.Sprintf("/api/v1/quizzes/%d/prizes", f.quizID), f.editor, map[string]any{"name": "奖品", "stock": 100000, "min_score": 60, "probability": loadProbability()}), 201)
	base := listen(t, e.Server.App())

	// One resident per attempt (a resident has one open attempt at a time),
	// created in bulk; then every attempt is started over HTTP before the
	// submission clock starts.
	budget := seconds * 2000
	// Spread over grids, age bands and occupations as a real city is.
	var tokens []string
	groups := [][3]string{{"30_44", "company_staff", "330802001001001"}, {"60p", "retiree", "330802001001002"}, {"18_29", "student", "330802001002001"},
		{"45_59", "farmer", "330802002001001"}, {"u18", "student", "330802002001002"}, {"30_44", "homemaker", "330802003001001"},
		{"60p", "farmer", "330802003002001"}, {"18_29", "flexible", "330802004001001"}}
	for _, g := range groups {
		tokens = append(tokens, e.BulkResidents(budget/len(groups), g[0], g[1], g[2])...)
	}
	// Each submission's body is made as its attempt starts, before the
	// clock: the load generator shares this process with the server, and
	// the baseline's body is made once up front too.
	type job struct {
		token   string
		attempt int64
		body    []byte
	}
	jobs := make(chan job, budget)
	next := make(chan int, budget)
	for i := range tokens {
		next <- i
	}
	close(next)
	starts := run(t, clients, time.Hour, func(int) (int, error) {
		i, ok := <-next
		if !ok {
			return 0, io.EOF
		}
		var s started
		st := post(base+fmt.Sprintf("/api/v1/quizzes/%d/attempts", f.quizID), tokens[i], "", map[string]any{}, &s)
		if st == 201 {
			// Seven of ten right (two of three): a pass, in the prize draw.
			right := map[int64]bool{}
			for k, q := range s.Questions {
				right[q.ID] = k < len(s.Questions)*7/10
			}
			body, _ := json.Marshal(map[string]any{"answers": f.answers(s, right)})
			jobs <- job{tokens[i], s.AttemptID, body}
			return 200, nil
		}
		return st, nil
	})
	close(jobs)
	t.Logf("attempt starts: %s", starts)

	// The baseline: one attempt row and the answer rows per request (one
	// multi-row INSERT, as wuzha writes them: the strongest bare baseline). It
	// runs right before and right after the submissions, and the ratio is
	// taken to the mean of the two: the database's background work (purge,
	// flushing) after one phase lands in the next, and on this shared
	// machine a single baseline moved by a quarter from run to run.
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	var nextUser int64 = 1 << 40
	var nextMu sync.Mutex
	app.Post("/baseline", func(c *fiber.Ctx) error {
		var body struct {
			Answers []struct {
				QuestionID int64    `json:"question_id"`
				Keys       []string `json:"keys"`
			} `json:"answers"`
		}
		if err := json.Unmarshal(c.Body(), &body); err != nil {
			return err
		}
		nextMu.Lock()
		nextUser++
		userID := nextUser
		nextMu.Unlock()
		now := time.Now().UTC()
		tx := e.DB.Begin()
		if err := tx.Exec("INSERT INTO attempts (quiz_id, user_id, attempt_no, status, served, started_at, deadline, submitted_at, score_tenths, passed) VALUES (?, ?, 1, 'submitted', '[]', ?, ?, ?, 1000, TRUE)", f.quizID, userID, now, now, now).Error; err != nil {
			tx.Rollback()
			return err
		}
		var id int64
		if err := tx.Raw("SELECT id FROM attempts WHERE quiz_id = ? AND user_id = ?", f.quizID, userID).Scan(&id).Error; err != nil {
			tx.Rollback()
			return err
		}
		q := "INSERT INTO attempt_answers (attempt_id, question_id, answer_keys, correct, fraud_type) VALUES "
		var args []any
		for i, a := range body.Answers {
			if i > 0 {
				q += ", "
			}
			q += "(?, ?, ?, TRUE, 'other')"
			args = append(args, id, a.QuestionID, strings.Join(a.Keys, ","))
		}
		if err := tx.Exec(q, args...).Error; err != nil {
			tx.Rollback()
			return err
		}
		if err := tx.Commit().Error; err != nil {
			return err
		}
		return c.JSON(fiber.Map{"attempt_id": id})
	})
	baseURL := listen(t, app)
	var baselineAnswers []map[string]any
	for i := 1; i <= questions; i++ {
		baselineAnswers = append(baselineAnswers, map[string]any{"question_id": i, "keys": []string{"A", "C"}[:1+i%2]})
	}
	payload, _ := json.Marshal(map[string]any{"answers": baselineAnswers})
	runBaseline := func() loadResult {
		return run(t, clients, time.Duration(seconds)*time.Second, func(int) (int, error) {
			return post(baseURL+"/baseline", "", "", payload, nil), nil
		})
	}

	before := runBaseline()

	if path := os.Getenv("WUZHA_LOAD_PROFILE"); path != "" {
		pf, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		pprof.StartCPUProfile(pf)
		defer pf.Close()
	}
	// The awareness folder runs as in `wuzha serve`.
	foldCtx, stopFold := context.WithCancel(context.Background())
	folding := make(chan struct{})
	go func() { e.Aware.Run(foldCtx, awareness.FoldEvery, slog.New(slog.DiscardHandler)); close(folding) }()
	wuzha := run(t, clients, time.Duration(seconds)*time.Second, func(i int) (int, error) {
		j, ok := <-jobs
		if !ok {
			return 0, io.EOF
		}
		st := post(base+fmt.Sprintf("/api/v1/attempts/%d/submit", j.attempt), j.token, "load", j.body, nil)
		return st, nil
	})
	stopFold()
	<-folding
	pprof.StopCPUProfile()
	t0 := time.Now()
	left, err := e.Aware.Fold(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("after the run: folded the last %d pending attempts in %s", left, time.Since(t0).Round(time.Millisecond))
	var respondents int64
	e.DB.Table("awareness_rollups").Select("COALESCE(SUM(respondents), 0)").Where("period LIKE ? AND area_path = ?", "%Q%", "/330800/").Scan(&respondents)
	if respondents != int64(wuzha.n) {
		t.Errorf("the counters hold %d respondents for %d submissions", respondents, wuzha.n)
	}

	after := runBaseline()
	baseRate := (before.rate + after.rate) / 2
	ratio := wuzha.rate / baseRate

	pool := 0
	if sqlDB, err := e.DB.DB.DB(); err == nil {
		pool = sqlDB.Stats().MaxOpenConnections
	}
	load, _ := os.ReadFile("/proc/loadavg")
	t.Logf("store %s (%s), %d questions, %d clients, %ds each, pool %d; load average %s", e.DB.Dialect, serverVersion(e), questions, clients, seconds, pool, strings.Join(strings.Fields(string(load))[:3], " "))
	t.Logf("starts:          %s", starts)
	t.Logf("baseline before: %s", before)
	t.Logf("wuzha submit:    %s", wuzha)
	t.Logf("baseline after:  %s", after)
	t.Logf("ratio: %.0f%% of the baselines' mean rate (%.0f/s)", 100*ratio, baseRate)
	verdict := func(ok bool) string {
		if ok {
			return "met"
		}
		return "MISSED"
	}
	t.Logf("targets: ≥60%% of baseline %s, ≥1000/s %s, p99 < 100 ms %s", verdict(ratio >= 0.6), verdict(wuzha.rate >= 1000), verdict(wuzha.p99 < 100))
	fmt.Printf("LOAD store=%s questions=%d clients=%d submit_rps=%.0f submit_p50_ms=%.1f submit_p99_ms=%.1f baseline_rps=%.0f/%.0f baseline_p99_ms=%.1f/%.1f ratio=%.2f\n",
		e.DB.Dialect, questions, clients, wuzha.rate, wuzha.p50, wuzha.p99, before.rate, after.rate, before.p99, after.p99, ratio)
	if wuzha.errors > 0 || before.errors > 0 || after.errors > 0 {
		t.Fatalf("errors: submit %d, baselines %d and %d", wuzha.errors, before.errors, after.errors)
	}
}

// serverVersion names the database server, and the Galera cluster's size
// when it is one.
func serverVersion(e *testkit.Env) string {
	if e.DB.Dialect != store.MySQL {
		return "SQLite"
	}
	var v string
	e.DB.Raw("SELECT VERSION()").Scan(&v)
	var row struct{ Name, Value string }
	if e.DB.Raw("SHOW STATUS LIKE 'wsrep_cluster_size'").Scan(&row); row.Value != "" && row.Value != "0" {
		v += ", Galera cluster of " + row.Value
	}
	return v
}

type loadResult struct {
	n, errors int
	rate      float64
	p50, p99  float64
	// CPU per successful request, in microseconds: this test process (server
	// and load generator together) and the local MariaDB server, if any.
	cpuSelf, cpuDB float64
}

func (r loadResult) String() string {
	return fmt.Sprintf("%d requests, %.0f/s, p50 %.1f ms, p99 %.1f ms, %d errors; CPU per request: this process %.0f µs, mariadbd %.0f µs",
		r.n, r.rate, r.p50, r.p99, r.errors, r.cpuSelf, r.cpuDB)
}

// cpuTimes reads the CPU time used so far by this process and by the local
// mariadbd (zero when there is none, or on SQLite where it idles).
func cpuTimes() (self, db time.Duration) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		self = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		comm, err := os.ReadFile("/proc/" + d.Name() + "/comm")
		if err != nil || strings.TrimSpace(string(comm)) != "mariadbd" {
			continue
		}
		stat, _ := os.ReadFile("/proc/" + d.Name() + "/stat")
		// Fields after the command's closing parenthesis; utime and stime
		// are the 12th and 13th of them, in clock ticks (100 per second).
		f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(f) > 12 {
			var u, s int64
			fmt.Sscan(f[11], &u)
			fmt.Sscan(f[12], &s)
			db += time.Duration(u+s) * 10 * time.Millisecond
		}
	}
	return self, db
}

func listen(t *testing.T, app *fiber.App) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go app.Listener(ln)
	t.Cleanup(func() {
		// fasthttp waits for keep-alive connections to go away: close ours.
		loadClient.CloseIdleConnections()
		app.ShutdownWithTimeout(5 * time.Second)
	})
	return "http://" + ln.Addr().String()
}

// loadClient asks for gzip as a phone does, so the server compresses as it
// would for one, but leaves the answers compressed: the generator shares
// this process's CPU with the server, and only the starts' answers, which
// the test reads, are worth unpacking.
var loadClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 256, DisableCompression: true}, Timeout: 30 * time.Second}

// post sends body (JSON bytes as they are, anything else marshalled) and
// decodes the answer into out when out is not nil.
func post(url, token, key string, body any, out any) int {
	raw, ok := body.([]byte)
	if !ok {
		raw, _ = json.Marshal(body)
	}
	req, _ := http.NewRequest("POST", url, bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept-Encoding", "gzip")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	res, err := loadClient.Do(req)
	if err != nil {
		return 0
	}
	defer res.Body.Close()
	if out == nil {
		io.Copy(io.Discard, res.Body)
		return res.StatusCode
	}
	var r io.Reader = res.Body
	if res.Header.Get("Content-Encoding") == "gzip" {
		if r, err = gzip.NewReader(res.Body); err != nil {
			return 0
		}
	}
	b, _ := io.ReadAll(r)
	json.Unmarshal(b, out)
	return res.StatusCode
}

// run keeps clients workers calling do until the duration ends or do says
// io.EOF, and returns the rate and latency percentiles of the successes.
func run(t *testing.T, clients int, d time.Duration, do func(int) (int, error)) loadResult {
	var mu sync.Mutex
	var lat []time.Duration
	errs := 0
	deadline := time.Now().Add(d)
	start := time.Now()
	self0, db0 := cpuTimes()
	var wg sync.WaitGroup
	for w := 0; w < clients; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			var local []time.Duration
			bad := 0
			for time.Now().Before(deadline) {
				t0 := time.Now()
				st, err := do(w)
				if err == io.EOF {
					break
				}
				if st != 200 {
					bad++
					continue
				}
				local = append(local, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, local...)
			errs += bad
			mu.Unlock()
		}(w)
	}
	wg.Wait()
	elapsed := time.Since(start)
	self1, db1 := cpuTimes()
	if len(lat) == 0 {
		return loadResult{errors: errs}
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	per := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(len(lat)) }
	return loadResult{n: len(lat), errors: errs, rate: float64(len(lat)) / elapsed.Seconds(), p50: ms(lat[len(lat)/2]), p99: ms(lat[len(lat)*99/100]),
		cpuSelf: per(self1 - self0), cpuDB: per(db1 - db0)}
}

// loadProbability is the prize pool's chance of winning: 0.5, or
// WUZHA_LOAD_PROBABILITY (a tiny one measures submissions without prizes).
func loadProbability() float64 {
	p := 0.5
	fmt.Sscan(os.Getenv("WUZHA_LOAD_PROBABILITY"), &p)
	return p
}
