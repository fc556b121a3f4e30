package citybench_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"wuzha/internal/citybench"
	"wuzha/internal/testkit"
)

// TestSmallCity runs the whole benchmark at a small size on every test run
// (SQLite, or MariaDB when WUZHA_TEST_MYSQL_DSN is set), so the loader and
// the checks cannot rot: three counties, a few grids, 2,000 attempts; the
// API's figures must equal the raw scan, and after the binary's rebuild
// during 20 live submissions the counters must equal a quiet rebuild's with
// each acknowledged submission counted once (Run fails otherwise). The
// binary is built here (seconds with the build cache) unless WUZHA_BIN
// names one.
func TestSmallCity(t *testing.T) {
	c := citybench.Config{Store: "sqlite", Seed: 7, Out: &strings.Builder{},
		Sizes: citybench.Sizes{Counties: 3, Towns: 4, Communities: 6, Grids: 9, Residents: 1_600, Attempts: 2_000, Reads: 2},
		Live:  20, LiveRate: 1000, Bin: os.Getenv("WUZHA_BIN")}
	if dsn := testkit.MySQLDSN(); dsn != "" {
		c.Store, c.MySQLDSN = "mysql", dsn
	}
	rep, err := citybench.Run(context.Background(), c)
	t.Log("\n" + c.Out.(*strings.Builder).String())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Load.Attempts != 2_000 || rep.Folded != 2_000 || rep.Load.Residents != 1_600 {
		t.Fatalf("loaded %d attempts of %d residents, folded %d", rep.Load.Attempts, rep.Load.Residents, rep.Folded)
	}
	if rep.Load.Answers < 5*2_000 || rep.Load.Answers > 10*2_000 {
		t.Fatalf("%d answers for 2,000 attempts of 5–10 questions", rep.Load.Answers)
	}
	// The seeded 6 counties and 32 towns stay; the three benchmark counties
	// have 4 towns among their seeded 16, 6 communities and 9 grids, and
	// the other counties keep their seeded communities and grids.
	if rep.ImportRows != 6+9 || rep.Tree["county"] != 6 {
		t.Fatalf("imported %d rows, tree %v", rep.ImportRows, rep.Tree)
	}
	city := rep.API["330800"]
	// Every resident has an attempt (2,000 ≥ 1,600); about 1% of attempts
	// are invalid and a retake may take their place, so nearly every
	// resident is a respondent, and not all pass.
	if city.Respondents < 1_550 || city.Respondents > 1_600 || city.Passed == 0 || city.Passed >= city.Respondents {
		t.Fatalf("city figures %+v for 1,600 residents", city)
	}
	if len(rep.Areas) != 5 || rep.API[rep.Areas[4]].Respondents == 0 {
		t.Fatalf("areas %v, figures %v", rep.Areas, rep.API)
	}
	if rep.Raw["330800"] != city {
		t.Fatalf("raw %+v, API %+v", rep.Raw["330800"], city)
	}
	// The 20 submissions go out at 1,000 a second while the binary starts,
	// opens the database and rebuilds.
	live := rep.Live
	if live == nil || !strings.HasPrefix(live.Summary, "rebuild: done") || live.Lines == 0 {
		t.Fatalf("live section %+v", live)
	}
	if s := live.Submissions; s.Sent == 0 || s.Errors != 0 || s.Acked != s.Sent || live.After.Respondents+live.After.Invalid != city.Respondents+live.Before.Invalid+int64(s.Acked) {
		t.Fatalf("live submissions %+v, figures before %+v, after %+v", s, live.Before, live.After)
	}
}

// TestCityBench is `make bench-city`: the full-size run, sized and pointed
// by BENCH_* variables (see ConfigFromEnv), only with WUZHA_BENCH_CITY=1.
func TestCityBench(t *testing.T) {
	if os.Getenv("WUZHA_BENCH_CITY") != "1" {
		t.Skip("the city benchmark runs with WUZHA_BENCH_CITY=1 (make bench-city)")
	}
	c, err := citybench.ConfigFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := citybench.Run(context.Background(), c); err != nil {
		t.Fatal(err)
	}
}
