package ratelimit_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"sync"
	"testing"
	"time"

	"wuzha/internal/ratelimit"
	"wuzha/internal/testkit"
)

func limiters(t *testing.T) map[string]ratelimit.Limiter {
	out := map[string]ratelimit.Limiter{"database": ratelimit.NewDB(testkit.OpenDB(t))}
	if url := os.Getenv("WUZHA_TEST_REDIS_URL"); url != "" {
		r, err := ratelimit.NewRedis(url)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Ping(context.Background()); err != nil {
			t.Fatalf("redis at %s: %v", url, err)
		}
		t.Cleanup(func() { r.Close() })
		out["redis"] = r
	} else {
		t.Log("WUZHA_TEST_REDIS_URL not set: Redis limiter not tested")
	}
	return out
}

func TestLimiterCountsExactlyUnderConcurrency(t *testing.T) {
	for name, l := range limiters(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			b := make([]byte, 4)
			rand.Read(b)
			key := "test:" + hex.EncodeToString(b)
			var wg sync.WaitGroup
			var mu sync.Mutex
			allowed := 0
			for i := 0; i < 50; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r, err := l.Hit(ctx, key, 10, time.Hour)
					if err != nil {
						t.Error(err)
						return
					}
					if r.Allowed {
						mu.Lock()
						allowed++
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			if allowed != 10 {
				t.Fatalf("%d hits allowed, want exactly 10", allowed)
			}
			n, retry, err := l.Count(ctx, key, time.Hour)
			if err != nil || n != 50 || retry <= 0 || retry > time.Hour {
				t.Fatalf("count %d retry %v err %v", n, retry, err)
			}
		})
	}
}
