package api_test

import (
	"io"
	"net"
	"net/http"
	"sort"
	"sync"
	"testing"
	"time"

	"wuzha/internal/testkit"
)

// BenchmarkFeed measures GET /feed over real HTTP on loopback with 32
// concurrent clients, on SQLite or (with WUZHA_TEST_MYSQL_DSN) MariaDB, and
// reports requests per second and p50/p99 latency:
//
//	go test -run '^$' -bench Feed -benchtime 5s ./api/
//	WUZHA_TEST_MYSQL_DSN='mysql://root@tcp(127.0.0.1:3306)/' go test -run '^$' -bench Feed -benchtime 5s ./api/
func BenchmarkFeed(b *testing.B) {
	e := testkit.NewEnv(b)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go e.Server.App().Listener(ln)
	b.Cleanup(func() { e.Server.App().Shutdown() })
	base := "http://" + ln.Addr().String()
	resident := e.ResidentWithProfile("13900009999", "60p", "retiree", "330802001001001").AccessToken
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

	for _, bc := range []struct {
		name, query, token string
	}{
		{"anonymous", "/api/v1/feed?age_band=18_29&occupation=student&grid_code=330881001001001", ""},
		{"resident", "/api/v1/feed", resident},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var mu sync.Mutex
			lat := make([]time.Duration, 0, b.N)
			b.SetParallelism(16)
			start := time.Now()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				local := make([]time.Duration, 0, 1024)
				for pb.Next() {
					req, _ := http.NewRequest("GET", base+bc.query, nil)
					if bc.token != "" {
						req.Header.Set("Authorization", "Bearer "+bc.token)
					}
					t0 := time.Now()
					res, err := client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if res.StatusCode != 200 {
						b.Errorf("status %d", res.StatusCode)
						return
					}
					local = append(local, time.Since(t0))
				}
				mu.Lock()
				lat = append(lat, local...)
				mu.Unlock()
			})
			elapsed := time.Since(start)
			b.StopTimer()
			if len(lat) == 0 {
				return
			}
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "req/s")
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50_ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99_ms")
		})
	}
}
