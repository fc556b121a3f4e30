package api_test

import (
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"wuzha/internal/testkit"
)

var requestsLine = regexp.MustCompile(`^wuzha_http_requests_total\{method="([^"]*)",route="([^"]*)",status="([^"]*)"\} (\d+)$`)

// scrape reads wuzha_http_requests_total as method route status → count.
func scrape(t *testing.T, base string, token string) (int, map[string]int) {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/metrics", nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := loadClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := map[string]int{}
	for _, line := range strings.Split(string(raw), "\n") {
		if m := requestsLine.FindStringSubmatch(line); m != nil {
			n, _ := strconv.Atoi(m[4])
			out[m[1]+" "+m[2]+" "+m[3]] += n
		}
	}
	return res.StatusCode, out
}

// TestMetricsLabelsSurviveConcurrentTraffic sends many requests of mixed
// methods over kept-alive connections at once, then checks that /metrics
// still answers and counts each request once under its own method and route
// pattern. Labels taken from Fiber's reused buffers used to turn into "POS"
// or "GETT", count a GET under PUT, and in the end break /metrics (500).
func TestMetricsLabelsSurviveConcurrentTraffic(t *testing.T) {
	e := testkit.NewEnv(t)
	base := listen(t, e.Server.App())
	type call struct{ method, path, route, status string }
	calls := []call{
		{"GET", "/api/v1/taxonomy", "/api/v1/taxonomy", "200"},
		{"GET", "/api/v1/areas/330802", "/api/v1/areas/:code", "200"},
		{"PUT", "/api/v1/me/profile", "/api/v1/me/profile", "401"},
		{"PATCH", "/api/v1/warnings/12345", "/api/v1/warnings/:id", "401"},
		{"POST", "/api/v1/auth/logout", "/api/v1/auth/logout", "401"},
		{"DELETE", "/api/v1/no-such-route/77", "/api/v1", "404"},
		{"HEAD", "/healthz", "/healthz", "200"},
		{"OPTIONS", "/api/v1/taxonomy", "/api/v1", "404"},
	}
	const workers, rounds = 8, 40
	client := loadClient
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < rounds; i++ {
				for j := range calls {
					c := calls[(i+j+w)%len(calls)]
					req, _ := http.NewRequest(c.method, base+c.path, nil)
					res, err := client.Do(req)
					if err != nil {
						errs <- err
						return
					}
					io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if strconv.Itoa(res.StatusCode) != c.status {
						errs <- fmt.Errorf("%s %s: %d, want %s", c.method, c.path, res.StatusCode, c.status)
						return
					}
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	status, got := scrape(t, base, "")
	if status != 200 {
		t.Fatalf("/metrics answered %d", status)
	}
	want := map[string]int{}
	for _, c := range calls {
		want[c.method+" "+c.route+" "+c.status] += workers * rounds
	}
	for k, n := range got {
		if strings.HasPrefix(k, "GET /metrics ") {
			continue
		}
		if want[k] != n {
			t.Errorf("series %q counted %d, want %d", k, n, want[k])
		}
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("series %q counted %d, want %d", k, got[k], n)
		}
	}
}

// TestMetricsAccess: /metrics answers loopback, allowed addresses and the
// token; anyone else gets a 403 and no figures.
func TestMetricsAccess(t *testing.T) {
	e := testkit.NewEnv(t)
	t.Run("remote address refused", func(t *testing.T) {
		r := e.Call("GET", "/metrics", "", nil) // testkit's client, 192.0.2.1
		testkit.Want(t, r, 403, "metrics_forbidden")
		if strings.Contains(string(r.Body), "wuzha_http_requests_total") {
			t.Fatal("figures leaked")
		}
	})
	t.Run("forwarded client outside the allow list refused", func(t *testing.T) {
		e.Server.MetricsAllow = []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16")}
		defer func() { e.Server.MetricsAllow = nil }()
		r := e.Do(testkit.Request{Method: "GET", Path: "/metrics", Header: map[string]string{"X-Forwarded-For": "127.0.0.1, 203.0.113.9"}})
		testkit.Want(t, r, 403, "metrics_forbidden")
		r = e.Do(testkit.Request{Method: "GET", Path: "/metrics", Header: map[string]string{"X-Forwarded-For": "10.1.2.3"}})
		testkit.Want(t, r, 200)
	})
	t.Run("token", func(t *testing.T) {
		e.Server.MetricsToken = "a-long-metrics-token"
		defer func() { e.Server.MetricsToken = "" }()
		testkit.Want(t, e.Call("GET", "/metrics", "wrong-token-of-some-length", nil), 403, "metrics_forbidden")
		r := e.Call("GET", "/metrics", "a-long-metrics-token", nil)
		testkit.Want(t, r, 200)
		// The store's retried transactions (deadlocks, Galera conflicts) too.
		for _, series := range []string{"go_goroutines", "wuzha_db_tx_retries_total"} {
			if !strings.Contains(string(r.Body), series) {
				t.Fatalf("no %s: %.300s", series, r.Body)
			}
		}
	})
	t.Run("loopback", func(t *testing.T) {
		base := listen(t, e.Server.App())
		if status, _ := scrape(t, base, ""); status != 200 {
			t.Fatalf("loopback scrape: %d", status)
		}
	})
}
