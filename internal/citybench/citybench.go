// Package citybench is the city benchmark (issue 15): a fresh database
// grown through the product's area import to a prefecture-level city the
// size of 衢州, a quarter's submitted attempts loaded straight into the
// product's tables, folded by the product's own Fold, and the awareness
// reads timed through the real HTTP API on a loopback listener, their
// figures checked against one SQL scan of the raw attempts; then the
// operator's `wuzha awareness rebuild` is run and measured while fresh
// residents submit, and its counters checked (live.go).
//
// `make bench-city` runs it at full size on MariaDB (`STORE=sqlite` for
// SQLite); a small size runs in the ordinary test suite, so it cannot rot.
package citybench

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"wuzha/internal/app"
	"wuzha/internal/auth"
	"wuzha/internal/awareness"
	"wuzha/internal/config"
	"wuzha/internal/store"
)

// Sizes are how big the city and its quarter are.
type Sizes struct {
	Counties    int // of the seeded ones (at most 6)
	Towns       int
	Communities int
	Grids       int
	Residents   int
	Attempts    int
	Reads       int // timed reads of each figure
}

// FullSize is 衢州 as the issue measured it.
var FullSize = Sizes{Counties: 6, Towns: 100, Communities: 1500, Grids: 5000, Residents: 800_000, Attempts: 1_000_000, Reads: 20}

// Config is one run.
type Config struct {
	Store    string // "mysql" or "sqlite"
	MySQLDSN string // the server, e.g. mysql://root@tcp(127.0.0.1:3306)/
	Keep     bool   // keep the database afterwards
	Seed     uint64
	Sizes    Sizes
	Out      io.Writer // where the report is printed
	// Live fresh residents submit while `wuzha awareness rebuild` runs
	// (section 6), LiveRate submissions a second; 0 skips the section.
	Live     int
	LiveRate float64
	Bin      string // the wuzha binary the section runs; empty: go build
}

// ConfigFromEnv reads BENCH_STORE (mysql), BENCH_MYSQL_DSN, BENCH_KEEP,
// BENCH_SEED, the sizes BENCH_COUNTIES, BENCH_TOWNS, BENCH_COMMUNITIES,
// BENCH_GRIDS, BENCH_RESIDENTS, BENCH_ATTEMPTS, BENCH_READS (default
// FullSize), BENCH_LIVE (3000; 0 skips section 6), BENCH_LIVE_RATE (50)
// and WUZHA_BIN.
func ConfigFromEnv() (Config, error) {
	c := Config{Store: env("BENCH_STORE", "mysql"), MySQLDSN: env("BENCH_MYSQL_DSN", "mysql://root@tcp(127.0.0.1:3306)/"),
		Keep: os.Getenv("BENCH_KEEP") == "1", Sizes: FullSize, Out: os.Stdout, Live: 3000, LiveRate: 50, Bin: os.Getenv("WUZHA_BIN")}
	var err error
	num := func(name string, into *int) {
		if v := os.Getenv(name); v != "" && err == nil {
			var n int
			if n, err = strconv.Atoi(strings.ReplaceAll(v, "_", "")); err != nil || n < 1 {
				err = fmt.Errorf("citybench: %s=%q is not a positive number", name, v)
			}
			*into = n
		}
	}
	num("BENCH_COUNTIES", &c.Sizes.Counties)
	num("BENCH_TOWNS", &c.Sizes.Towns)
	num("BENCH_COMMUNITIES", &c.Sizes.Communities)
	num("BENCH_GRIDS", &c.Sizes.Grids)
	num("BENCH_RESIDENTS", &c.Sizes.Residents)
	num("BENCH_ATTEMPTS", &c.Sizes.Attempts)
	num("BENCH_READS", &c.Sizes.Reads)
	seed := 15
	num("BENCH_SEED", &seed)
	c.Seed = uint64(seed)
	if v := os.Getenv("BENCH_LIVE"); v != "" && err == nil {
		if c.Live, err = strconv.Atoi(strings.ReplaceAll(v, "_", "")); err != nil || c.Live < 0 {
			err = fmt.Errorf("citybench: BENCH_LIVE=%q is not a number of residents (0 skips the section)", v)
		}
	}
	if v := os.Getenv("BENCH_LIVE_RATE"); v != "" && err == nil {
		if c.LiveRate, err = strconv.ParseFloat(v, 64); err != nil || c.LiveRate <= 0 {
			err = fmt.Errorf("citybench: BENCH_LIVE_RATE=%q is not a positive number of submissions a second", v)
		}
	}
	if c.Store != "mysql" && c.Store != "sqlite" {
		err = errors.Join(err, fmt.Errorf("citybench: BENCH_STORE must be mysql or sqlite, not %q", c.Store))
	}
	return c, err
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// Totals are an area's respondents and passed residents.
type Totals struct {
	Respondents int64 `json:"respondents"`
	Passed      int64 `json:"passed"`
}

// Timing is one figure read Reads times over HTTP.
type Timing struct {
	Label, Path   string
	Median, Worst time.Duration
}

// Report is what a run measured.
type Report struct {
	Period      string
	ImportRows  int
	ImportTime  time.Duration
	Tree        map[string]int // areas per level after the import
	Load        loadStats
	Folded      int
	FoldTime    time.Duration
	Reads       []Timing
	Areas       []string          // city, county, town, community, grid
	API, Raw    map[string]Totals // per area code
	RawScanTime time.Duration
	Live        *LiveStats // nil when skipped
}

// Run does the whole benchmark and prints it to c.Out. It fails when the
// API's figures differ from the raw scan.
func Run(ctx context.Context, c Config) (*Report, error) {
	out := c.Out
	if out == nil {
		out = io.Discard
	}
	dir, err := os.MkdirTemp("", "wuzha-citybench-")
	if err != nil {
		return nil, err
	}
	defer func() {
		if !c.Keep {
			os.RemoveAll(dir)
		}
	}()
	fr, err := openFresh(c, dir)
	if err != nil {
		return nil, err
	}
	db, scanDB := fr.db, fr.scan
	defer func() {
		if c.Keep {
			db.Close()
			if scanDB != db {
				scanDB.Close()
			}
			fmt.Fprintf(out, "kept       %s\n", fr.where)
			return
		}
		fr.drop()
	}()
	version, err := dbVersion(db)
	if err != nil {
		return nil, err
	}
	s := c.Sizes
	fmt.Fprintf(out, "== wuzha city benchmark (issue 15)\n")
	fmt.Fprintf(out, "store      %s, %s, %s\n", c.Store, version, fr.where)
	fmt.Fprintf(out, "go         %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(out, "machine    %s\n", machineLoad())
	fmt.Fprintf(out, "sizes      counties %d, towns %d, communities %d, grids %d; residents %s, attempts %s; %d reads a figure\n",
		s.Counties, s.Towns, s.Communities, s.Grids, thousands(int64(s.Residents)), thousands(int64(s.Attempts)), s.Reads)

	if err := db.Migrate(ctx); err != nil {
		return nil, err
	}
	cfg := config.Config{
		SMSOutbox: filepath.Join(dir, "sms-outbox.jsonl"), DataDir: dir, PublicURL: "http://127.0.0.1",
		JWTSecret: randomBytes(48), PhoneKey: randomBytes(32), AccessTTL: time.Hour, RefreshTTL: 24 * time.Hour,
		TargetRate: 0.9, TargetCoverage: 0.05, MinRespondents: 30, BodyLimit: 8 << 20,
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	a, err := app.New(ctx, cfg, app.Options{Log: log, DB: db, BcryptCost: bcrypt.MinCost})
	if err != nil {
		return nil, err
	}
	defer a.Close()
	if err := a.Setup(ctx); err != nil {
		return nil, err
	}
	if err := a.SeedRule(ctx); err != nil {
		return nil, err
	}
	srv := a.Server()
	srv.SetReady(true)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	go func() { _ = srv.App().Listener(ln) }()
	defer srv.App().ShutdownWithTimeout(5 * time.Second)
	api := &client{base: "http://" + ln.Addr().String() + "/api/v1", http: &http.Client{Timeout: 10 * time.Minute}}

	// Staff at the root: an admin (imports with populations, reads every
	// figure) and an editor (publishes the quizzes).
	for _, u := range []auth.NewUser{{Username: "benchadmin", Password: "bench-admin-pass", Role: auth.Admin, AreaCode: "330800"},
		{Username: "benchedit", Password: "bench-edit-pass", Role: auth.Editor, AreaCode: "330800"}} {
		if _, err := a.Auth.CreateUser(ctx, nil, u); err != nil {
			return nil, err
		}
	}
	admin, err := api.login("benchadmin", "bench-admin-pass")
	if err != nil {
		return nil, err
	}
	editor, err := api.login("benchedit", "bench-edit-pass")
	if err != nil {
		return nil, err
	}

	rep := &Report{Tree: map[string]int{}, API: map[string]Totals{}, Raw: map[string]Totals{}}
	rng := rand.New(rand.NewPCG(c.Seed, 0))

	// 1. The tree, through the admin's area import.
	rows, grids, err := cityTree(s, rng)
	if err != nil {
		return nil, err
	}
	section(out, "area import: POST /areas/import (CSV, root admin)")
	t0 := time.Now()
	var imported struct{ Imported int }
	if err := api.upload(admin, "/areas/import", "bench-areas.csv", importCSV(rows), &imported); err != nil {
		return nil, err
	}
	rep.ImportTime, rep.ImportRows = time.Since(t0), imported.Imported
	var levels []struct {
		Level      string
		N          int
		Population int64
	}
	if err := db.Raw("SELECT level, COUNT(*) AS n, SUM(population) AS population FROM areas GROUP BY level").Scan(&levels).Error; err != nil {
		return nil, err
	}
	var population int64
	for _, l := range levels {
		rep.Tree[l.Level] = l.N
		population += l.Population
	}
	fmt.Fprintf(out, "imported   %s rows in %.2f s\n", thousands(int64(rep.ImportRows)), rep.ImportTime.Seconds())
	fmt.Fprintf(out, "tree       %d city, %d counties, %s towns, %s communities, %s grids; population %s (the whole seeded city)\n",
		rep.Tree["city"], rep.Tree["county"], thousands(int64(rep.Tree["town"])), thousands(int64(rep.Tree["community"])), thousands(int64(rep.Tree["grid"])), thousands(population))

	// 2. The quizzes and the attempts.
	now := time.Now()
	rep.Period = awareness.CurrentQuarter(now)
	period, err := awareness.ParsePeriod(rep.Period, now)
	if err != nil {
		return nil, err
	}
	l, err := newLoader(ctx, a, db, grids, c, rng)
	if err != nil {
		return nil, err
	}
	if l.quizzes, err = publishQuizzes(api, editor, period.Start, now); err != nil {
		return nil, err
	}
	if err := l.readBank(ctx); err != nil {
		return nil, err
	}
	section(out, fmt.Sprintf("load: multi-row INSERTs into users, resident_profiles, attempts, attempt_answers (%d writers)", l.writers))
	end := now.Add(-time.Minute)
	if !end.After(period.Start) {
		end = now
	}
	if rep.Load, err = l.load(ctx, s, period.Start, end); err != nil {
		return nil, err
	}
	ld := rep.Load
	fmt.Fprintf(out, "residents  %s (users + resident_profiles) in %.1f s\n", thousands(int64(ld.Residents)), ld.ResidentsTime.Seconds())
	fmt.Fprintf(out, "attempts   %s submitted, counting, pending (%s), with %s answers, in %.1f s\n",
		thousands(int64(ld.Attempts)), rep.Period, thousands(int64(ld.Answers)), ld.AttemptsTime.Seconds())
	total := ld.ResidentsTime + ld.AttemptsTime
	fmt.Fprintf(out, "load       %.1f s, %s rows/s\n", total.Seconds(), thousands(int64(float64(2*ld.Residents+ld.Attempts+ld.Answers)/total.Seconds())))

	// 3. The product's own fold.
	section(out, "fold: awareness.Fold of every pending attempt")
	t0 = time.Now()
	if rep.Folded, err = a.Awareness.Fold(ctx); err != nil {
		return nil, err
	}
	rep.FoldTime = time.Since(t0)
	fmt.Fprintf(out, "folded     %s attempts in %.1f s: %s attempts/s\n", thousands(int64(rep.Folded)), rep.FoldTime.Seconds(),
		thousands(int64(float64(rep.Folded)/rep.FoldTime.Seconds())))
	if rep.Folded != ld.Attempts {
		return rep, fmt.Errorf("citybench: folded %d attempts, loaded %d", rep.Folded, ld.Attempts)
	}

	// 4. The reads, over HTTP.
	g := grids[0]
	parts := strings.Split(strings.Trim(gridPath(l, g.Code), "/"), "/")
	if len(parts) != 5 {
		return rep, fmt.Errorf("citybench: grid %s has path %v", g.Code, parts)
	}
	rep.Areas = parts
	labels := []string{"city", "county", "town", "community", "grid"}
	// A staff sign-in ends after 30 idle minutes (WUZHA_STAFF_IDLE_TIMEOUT),
	// and loading and folding a full-size city on SQLite take longer.
	if admin, err = api.login("benchadmin", "bench-admin-pass"); err != nil {
		return rep, err
	}
	section(out, fmt.Sprintf("reads over HTTP on %s as a root admin, %d each (median / worst)", ln.Addr(), s.Reads))
	q := "?period=" + rep.Period
	for i, code := range parts {
		var f Totals
		tm, err := api.timed(admin, "/awareness/"+code+q, s.Reads, &f)
		if err != nil {
			return rep, err
		}
		tm.Label = labels[i] + " " + code
		rep.Reads = append(rep.Reads, tm)
		rep.API[code] = f
		printTiming(out, tm, fmt.Sprintf("respondents %s, passed %s", thousands(f.Respondents), thousands(f.Passed)))
	}
	var sheet struct {
		Rows   []json.RawMessage `json:"rows"`
		Locked bool              `json:"locked"`
	}
	tm, err := api.timed(admin, "/assessment/"+rep.Period+"/330800", s.Reads, &sheet)
	if err != nil {
		return rep, err
	}
	tm.Label = "assessment 330800"
	rep.Reads = append(rep.Reads, tm)
	printTiming(out, tm, fmt.Sprintf("%d rows, locked %v", len(sheet.Rows), sheet.Locked))
	var list struct {
		Items []json.RawMessage `json:"items"`
	}
	tm, err = api.timed(admin, "/awareness/330800/grids"+q, s.Reads, &list)
	if err != nil {
		return rep, err
	}
	tm.Label = "grid coverage 330800"
	rep.Reads = append(rep.Reads, tm)
	printTiming(out, tm, fmt.Sprintf("%s grids", thousands(int64(len(list.Items)))))

	// 5. The same totals from the raw attempts.
	section(out, "raw scan: one SQL pass over attempts (first counted attempt per resident in the period)")
	t0 = time.Now()
	if rep.Raw, err = rawTotals(ctx, scanDB, period, parts); err != nil {
		return rep, err
	}
	rep.RawScanTime = time.Since(t0)
	fmt.Fprintf(out, "scan       %.0f ms for the five areas at once\n", float64(rep.RawScanTime.Microseconds())/1000)
	var mismatch []string
	for i, code := range parts {
		api, raw := rep.API[code], rep.Raw[code]
		verdict := "equal to the API"
		if api != raw {
			verdict = fmt.Sprintf("DIFFERS from the API (respondents %d, passed %d)", api.Respondents, api.Passed)
			mismatch = append(mismatch, code)
		}
		fmt.Fprintf(out, "%-10s %s: respondents %s, passed %s — %s\n", labels[i], code, thousands(raw.Respondents), thousands(raw.Passed), verdict)
	}
	if len(mismatch) > 0 {
		return rep, fmt.Errorf("citybench: the API's figures differ from the raw attempts for %v", mismatch)
	}

	// 6. The rebuild, as an operator runs it, during live submissions.
	if c.Live > 0 {
		section(out, fmt.Sprintf("rebuild during live submissions: `wuzha awareness rebuild` while %s fresh residents submit over HTTP", thousands(int64(c.Live))))
		if admin, err = api.login("benchadmin", "bench-admin-pass"); err != nil { // idle again since the reads, on a slow store
			return rep, err
		}
		lr := &liveRun{c: c, a: a, l: l, api: api, admin: admin, secret: cfg.JWTSecret, dsn: fr.dsn, dir: dir, period: rep.Period, log: log, out: out}
		if rep.Live, err = lr.run(ctx); err != nil {
			return rep, err
		}
	}
	fmt.Fprintf(out, "done       %s\n", machineLoad())
	return rep, nil
}

func gridPath(l *loader, code string) string {
	for _, g := range l.grids {
		if g.Code == code {
			return g.Path
		}
	}
	return ""
}

func section(out io.Writer, title string) {
	fmt.Fprintf(out, "\n-- %s  [%s]\n", title, machineLoad())
}

func printTiming(out io.Writer, t Timing, what string) {
	fmt.Fprintf(out, "%-26s median %8.1f ms  worst %8.1f ms  GET %s  (%s)\n", t.Label, ms(t.Median), ms(t.Worst), t.Path, what)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// machineLoad is the 1-minute load average beside the number of CPUs.
func machineLoad() string {
	load := "?"
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) > 0 {
			load = f[0]
		}
	}
	return fmt.Sprintf("load %s (1-min) on %d CPUs", load, runtime.NumCPU())
}

// thousands writes n with thousands separators.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = crand.Read(b)
	return b
}

// fresh is a new, empty database for one run.
type fresh struct {
	db, scan *store.DB
	where    string // what the report names it by
	dsn      string // the WUZHA_DB_DSN that opens it, in the documented form
	drop     func()
}

// openFresh opens a new, empty database: a new MariaDB/MySQL database on
// the server (drop drops it and closes both handles), or a SQLite file in
// dir. scan is the handle for the raw scan: on MySQL one connection whose
// read timeout outlasts a scan of a million attempts (the product's pool
// gives up after 30 s); on SQLite the same handle (one writer).
func openFresh(c Config, dir string) (fresh, error) {
	if c.Store == "sqlite" {
		path := filepath.Join(dir, "wuzha.db")
		db, err := store.Open("", path, store.Options{})
		return fresh{db: db, scan: db, where: "file " + path, dsn: "sqlite://" + path, drop: func() { db.Close() }}, err
	}
	base := strings.SplitN(c.MySQLDSN, "?", 2)[0]
	i := strings.LastIndex(base, ")/")
	if !strings.HasPrefix(base, "mysql://") || i < 0 {
		return fresh{}, fmt.Errorf("citybench: BENCH_MYSQL_DSN must look like mysql://USER:PASS@tcp(HOST:PORT)/, not %q", c.MySQLDSN)
	}
	server := base[:i+2]
	admin, err := store.Open(server, "", store.Options{MaxOpen: 1})
	if err != nil {
		return fresh{}, err
	}
	name := "wuzha_bench_" + hex.EncodeToString(randomBytes(4))
	if err := admin.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin").Error; err != nil {
		admin.Close()
		return fresh{}, err
	}
	var handles []*store.DB
	drop := func() {
		for _, h := range handles {
			h.Close()
		}
		admin.Exec("DROP DATABASE " + name)
		admin.Close()
	}
	for _, o := range []struct {
		params string
		max    int
	}{{"", 0}, {"?readTimeout=30m", 1}} {
		h, err := store.Open(server+name+o.params, "", store.Options{MaxOpen: o.max})
		if err != nil {
			drop()
			return fresh{}, err
		}
		handles = append(handles, h)
	}
	return fresh{db: handles[0], scan: handles[1], where: "database " + name, dsn: server + name, drop: drop}, nil
}

func dbVersion(db *store.DB) (string, error) {
	var v string
	q := "SELECT sqlite_version()"
	if db.Dialect == store.MySQL {
		q = "SELECT version()"
	}
	if err := db.Raw(q).Scan(&v).Error; err != nil {
		return "", err
	}
	if db.Dialect == store.MySQL {
		return "server " + v, nil
	}
	return "SQLite " + v + " (modernc, pure Go)", nil
}

// client calls the API over the loopback listener.
type client struct {
	base string
	http *http.Client
}

func (c *client) do(method, path, token, contentType string, body []byte, into any) error {
	req, err := http.NewRequest(method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return c.send(req, into)
}

// send sends req and decodes a 2xx answer into into (when not nil).
func (c *client) send(req *http.Request, into any) error {
	res, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("citybench: %s %s: %d %s", req.Method, strings.TrimPrefix(req.URL.String(), c.base), res.StatusCode, b)
	}
	if into == nil {
		return nil
	}
	return json.Unmarshal(b, into)
}

func (c *client) json(method, path, token string, body, into any) error {
	raw, err := json.Marshal(body)
	if err != nil {
		return err
	}
	return c.do(method, path, token, "application/json", raw, into)
}

func (c *client) login(username, password string) (string, error) {
	var p auth.TokenPair
	err := c.json("POST", "/auth/login", "", map[string]string{"username": username, "password": password}, &p)
	return p.AccessToken, err
}

func (c *client) upload(token, path, name string, data []byte, into any) error {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	f, err := w.CreateFormFile("file", name)
	if err != nil {
		return err
	}
	_, _ = f.Write(data)
	if err := w.Close(); err != nil {
		return err
	}
	return c.do("POST", path, token, w.FormDataContentType(), b.Bytes(), into)
}

// timed GETs path n times and keeps the last answer in into.
func (c *client) timed(token, path string, n int, into any) (Timing, error) {
	took := make([]time.Duration, 0, n)
	for i := 0; i < max(n, 1); i++ {
		t0 := time.Now()
		if err := c.do("GET", path, token, "", nil, into); err != nil {
			return Timing{}, err
		}
		took = append(took, time.Since(t0))
	}
	slices.Sort(took)
	median := took[len(took)/2]
	if len(took)%2 == 0 {
		median = (took[len(took)/2-1] + median) / 2
	}
	return Timing{Path: "/api/v1" + path, Median: median, Worst: took[len(took)-1]}, nil
}
