// Package ratelimit counts hits in fixed windows in state that every wuzha
// instance shares: the database by default, Redis when configured.
package ratelimit

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"wuzha/internal/store"
)

// Result is the outcome of one hit.
type Result struct {
	Allowed    bool
	Hits       int
	RetryAfter time.Duration // until the window ends
}

// Limiter counts hits of key in the current window of the given length.
type Limiter interface {
	// Hit records one hit and says whether it is within limit.
	Hit(ctx context.Context, key string, limit int, window time.Duration) (Result, error)
	// Count reads the hits of the current window without adding one.
	Count(ctx context.Context, key string, window time.Duration) (int, time.Duration, error)
}

func bucket(key string, window time.Duration, now time.Time) (string, time.Time) {
	w := now.UnixNano() / int64(window)
	end := time.Unix(0, (w+1)*int64(window))
	return key + "|" + strconv.FormatInt(int64(window/time.Second), 10) + "|" + strconv.FormatInt(w, 10), end
}

// DB keeps counters in the rate_counters table: one atomic upsert per hit.
type DB struct{ db *store.DB }

// NewDB returns a database-backed limiter.
func NewDB(db *store.DB) *DB { return &DB{db: db} }

// Counter is a row of rate_counters: the hits of one key in one window.
type Counter struct {
	Bucket    string `gorm:"primaryKey"`
	Hits      int
	ExpiresAt time.Time
}

// TableName is the counters table.
func (Counter) TableName() string { return "rate_counters" }

// Hit implements Limiter.
func (l *DB) Hit(ctx context.Context, key string, limit int, window time.Duration) (Result, error) {
	now := time.Now()
	b, end := bucket(key, window, now)
	var hits int
	err := l.db.Tx(ctx, func(tx *gorm.DB) error {
		err := tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "bucket"}},
			DoUpdates: clause.Assignments(map[string]any{"hits": gorm.Expr("rate_counters.hits + 1")}),
		}).Create(&Counter{Bucket: b, Hits: 1, ExpiresAt: end.UTC()}).Error
		if err != nil {
			return err
		}
		return tx.Model(&Counter{}).Where("bucket = ?", b).Select("hits").Scan(&hits).Error
	})
	if err != nil {
		return Result{}, fmt.Errorf("ratelimit: hit %s: %w", key, err)
	}
	return Result{Allowed: hits <= limit, Hits: hits, RetryAfter: end.Sub(now)}, nil
}

// Count implements Limiter.
func (l *DB) Count(ctx context.Context, key string, window time.Duration) (int, time.Duration, error) {
	now := time.Now()
	b, end := bucket(key, window, now)
	var hits []int
	if err := l.db.WithContext(ctx).Model(&Counter{}).Where("bucket = ?", b).Pluck("hits", &hits).Error; err != nil {
		return 0, 0, fmt.Errorf("ratelimit: count %s: %w", key, err)
	}
	if len(hits) == 0 {
		return 0, end.Sub(now), nil
	}
	return hits[0], end.Sub(now), nil
}

// Sweep deletes expired counters; call it now and then.
func (l *DB) Sweep(ctx context.Context) error {
	return l.db.WithContext(ctx).Where("expires_at < ?", time.Now().UTC()).Delete(&Counter{}).Error
}

// Redis keeps counters in Redis with INCR and an expiry per window.
type Redis struct{ rdb *redis.Client }

// NewRedis connects to url (redis://host:port/db).
func NewRedis(url string) (*Redis, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("ratelimit: WUZHA_REDIS_URL: %w", err)
	}
	return &Redis{rdb: redis.NewClient(opt)}, nil
}

// Ping checks Redis answers.
func (l *Redis) Ping(ctx context.Context) error { return l.rdb.Ping(ctx).Err() }

// Close closes the client.
func (l *Redis) Close() error { return l.rdb.Close() }

// Hit implements Limiter.
func (l *Redis) Hit(ctx context.Context, key string, limit int, window time.Duration) (Result, error) {
	now := time.Now()
	b, end := bucket(key, window, now)
	pipe := l.rdb.TxPipeline()
	incr := pipe.Incr(ctx, "wuzha:rl:"+b)
	pipe.ExpireAt(ctx, "wuzha:rl:"+b, end.Add(time.Second))
	if _, err := pipe.Exec(ctx); err != nil {
		return Result{}, fmt.Errorf("ratelimit: redis hit: %w", err)
	}
	hits := int(incr.Val())
	return Result{Allowed: hits <= limit, Hits: hits, RetryAfter: end.Sub(now)}, nil
}

// Count implements Limiter.
func (l *Redis) Count(ctx context.Context, key string, window time.Duration) (int, time.Duration, error) {
	now := time.Now()
	b, end := bucket(key, window, now)
	n, err := l.rdb.Get(ctx, "wuzha:rl:"+b).Int()
	if err == redis.Nil {
		return 0, end.Sub(now), nil
	}
	if err != nil {
		return 0, 0, fmt.Errorf("ratelimit: redis count: %w", err)
	}
	return n, end.Sub(now), nil
}
