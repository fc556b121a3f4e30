// Package app builds wuzha once: the store, every domain service, the seed
// targets and the HTTP server, for `wuzha serve`, the one-shot commands and
// the tests alike. Imports run one way: main → app → api → internal/<domain>
// → store; app is the only package that knows how the pieces fit together.
package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path/filepath"
	"time"

	"golang.org/x/crypto/bcrypt"

	"wuzha/api"
	"wuzha/internal/area"
	"wuzha/internal/assessment"
	"wuzha/internal/audit"
	"wuzha/internal/auth"
	"wuzha/internal/awareness"
	"wuzha/internal/config"
	"wuzha/internal/content"
	"wuzha/internal/demo"
	"wuzha/internal/phone"
	"wuzha/internal/picture"
	"wuzha/internal/quiz"
	"wuzha/internal/ratelimit"
	"wuzha/internal/session"
	"wuzha/internal/sms"
	"wuzha/internal/store"
	"wuzha/internal/supervision"
	"wuzha/internal/taxonomy"
	"wuzha/internal/workbench"
	"wuzha/seed"
)

// Options vary how New builds the application.
type Options struct {
	Log *slog.Logger
	// DB is a database to use instead of opening the configured one (tests:
	// a fresh database per test, or one shared by two instances). The App
	// does not close it.
	DB *store.DB
	// Wait is how long an unreachable database is tried again (serve);
	// zero makes the first failure final (the one-shot commands).
	Wait time.Duration
	// DataOnly builds the store and the domain services without what
	// signing in needs (secrets, rate limiter, SMS sender, auth): for
	// migrate, seed and awareness rebuild, which must run without secrets.
	DataOnly bool
	// Limiter replaces the configured one (WUZHA_REDIS_URL, else the
	// database's).
	Limiter ratelimit.Limiter
	// BcryptCost is the cost of stored passwords (0 = bcrypt's default;
	// tests use the minimum).
	BcryptCost int
	// Frontend is the built console and resident app the server serves.
	Frontend fs.FS
}

// App is the wired application.
type App struct {
	Config config.Config
	Log    *slog.Logger
	DB     *store.DB

	Areas      *area.Store
	Codes      *taxonomy.Store
	Audit      *audit.Store
	Content    *content.Service
	Quiz       *quiz.Service
	Sessions   *session.Service
	Awareness  *awareness.Service
	Assessment *assessment.Service

	// Nil with Options.DataOnly.
	Auth        *auth.Service
	Limiter     ratelimit.Limiter
	Vault       *phone.Vault
	SMS         sms.Sender
	Supervision *supervision.Service
	Workbench   *workbench.Service
	Pictures    *picture.Store

	frontend   fs.FS
	bcryptCost int
	closers    []func() error
}

// New opens the store and builds every service once.
func New(ctx context.Context, cfg config.Config, o Options) (*App, error) {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	a := &App{Config: cfg, Log: o.Log, DB: o.DB, frontend: o.Frontend, bcryptCost: o.BcryptCost}
	if !o.DataOnly {
		if err := a.Config.EnsureSecrets(o.Log); err != nil {
			return nil, err
		}
	}
	if a.DB == nil {
		err := Retry(ctx, o.Log, "open database", o.Wait, func() (err error) {
			a.DB, err = store.Open(cfg.DBDSN, cfg.SQLitePath(), store.Options{MaxOpen: cfg.DBPool})
			return err
		})
		if err != nil {
			return nil, err
		}
		a.closers = append(a.closers, a.DB.Close)
	}
	db := a.DB
	a.Areas, a.Codes, a.Audit = area.NewStore(db), taxonomy.NewStore(db), audit.NewStore(db)
	a.Audit.Names = func(ctx context.Context, ids []int64) (map[int64]string, error) {
		return auth.DisplayNames(ctx, db.DB, ids)
	}
	a.Audit.AreaNames = a.Areas.Names
	a.Content = content.NewService(db, a.Areas, a.Codes)
	a.Quiz = quiz.NewService(db, a.Areas, a.Codes)
	a.Sessions = session.NewService(db, a.Areas, a.Quiz)
	a.Awareness = awareness.NewService(db, a.Areas, a.Codes)
	// The configured targets only seed the rule the first time (SeedRule);
	// from then on it lives in the database and a root admin changes it.
	a.Assessment = assessment.NewService(db, a.Areas, a.Awareness, assessment.Rule{TargetRate: cfg.TargetRate, TargetCoverage: cfg.TargetCoverage, MinRespondents: cfg.MinRespondents})
	if o.DataOnly {
		return a, nil
	}
	if err := a.wireAuth(o); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

// wireAuth builds what signing in needs: the limiter, the phone vault, the
// SMS sender and the auth service, which quizzes and warnings ask for the
// caller's profile.
func (a *App) wireAuth(o Options) error {
	cfg := a.Config
	switch {
	case o.Limiter != nil:
		a.Limiter = o.Limiter
	case cfg.RedisURL != "":
		r, err := ratelimit.NewRedis(cfg.RedisURL)
		if err != nil {
			return err
		}
		a.Limiter = r
		a.closers = append(a.closers, r.Close)
	default:
		a.Limiter = ratelimit.NewDB(a.DB)
	}
	vault, err := phone.NewVault(cfg.PhoneKey)
	if err != nil {
		return err
	}
	a.Vault = vault
	var sender sms.Sender
	if cfg.SMSSender == "http" {
		sender = sms.NewHTTP(cfg.SMSHTTPURL, cfg.SMSHTTPToken)
	} else {
		outbox, err := sms.NewOutbox(cfg.SMSOutbox)
		if err != nil {
			return err
		}
		if cfg.Production() {
			a.Log.Warn("WUZHA_SMS_SENDER=outbox in production: no message is delivered; codes and phone numbers are written in clear to the outbox file", "path", cfg.SMSOutbox)
		}
		sender = outbox
	}
	a.SMS = sender
	a.Auth = auth.NewService(a.DB, a.Areas, a.Codes, a.Limiter, vault, sender,
		auth.Config{JWTSecret: cfg.JWTSecret, AccessTTL: cfg.AccessTTL, RefreshTTL: cfg.RefreshTTL, BcryptCost: o.BcryptCost, IdleTimeout: cfg.IdleTimeout}, a.Log)
	a.Quiz.UseProfiles(a.Auth)
	a.Content.UseProfiles(a.Auth)
	a.Pictures = picture.NewStore(filepath.Join(cfg.DataDir, "images"))
	a.Supervision = supervision.NewService(a.DB, a.Areas, a.Awareness, a.Assessment, a.Auth, sender, cfg.DataDir)
	a.Workbench = workbench.NewService(workbench.Deps{DB: a.DB, Areas: a.Areas, Codes: a.Codes, Auth: a.Auth, Content: a.Content,
		Quiz: a.Quiz, Awareness: a.Awareness, Assessment: a.Assessment, Supervision: a.Supervision})
	return nil
}

// SeedTargets are the stores the seed data is written into.
func (a *App) SeedTargets() seed.Targets {
	return seed.Targets{Areas: a.Areas, Codes: a.Codes, Warnings: a.Content, Quizzes: a.Quiz}
}

// Setup migrates the database and loads the seed data (both idempotent).
func (a *App) Setup(ctx context.Context) error {
	if err := a.DB.Migrate(ctx); err != nil {
		return err
	}
	return seed.Load(ctx, a.SeedTargets())
}

// SeedDemo fills the demo areas with one simulated quarter of activity
// (`wuzha seed --demo`), once per quarter; the seed must be loaded. It needs
// the phone vault, so the App must not be DataOnly, and it refuses to run in
// production. scale multiplies the number of residents (0 or 1: the full
// demo; tests use less).
func (a *App) SeedDemo(ctx context.Context, scale float64) (demo.Report, error) {
	if a.Config.Production() {
		return demo.Report{}, errors.New("seed --demo writes demo accounts with a published password: refused with WUZHA_ENV=production")
	}
	if a.Vault == nil {
		return demo.Report{}, errors.New("seed --demo needs the phone vault: build the App without DataOnly")
	}
	cost := a.bcryptCost
	if cost == 0 {
		cost = bcrypt.DefaultCost
	}
	return demo.Seed(ctx, demo.Deps{DB: a.DB, Areas: a.Areas, Content: a.Content, Quiz: a.Quiz, Awareness: a.Awareness,
		Supervision: a.Supervision, Vault: a.Vault, BcryptCost: cost, Scale: scale}, time.Now())
}

// SeedRule stores the configured assessment rule if the database has none,
// and warns when the stored one differs from the configuration.
func (a *App) SeedRule(ctx context.Context) error {
	differs, err := a.Assessment.Rules().Seed(ctx)
	if err != nil {
		return err
	}
	if differs {
		a.Log.Warn("the assessment rule in the database differs from WUZHA_TARGET_RATE/WUZHA_TARGET_COVERAGE/WUZHA_MIN_RESPONDENTS; the database's rule is in force (a root admin changes it in the console)")
	}
	return nil
}

// Server builds the HTTP surface over the services. It answers /readyz and
// the API with 503 until SetReady(true).
func (a *App) Server() *api.Server {
	cfg := a.Config
	return api.New(api.Deps{
		Log: a.Log, DB: a.DB, Auth: a.Auth, Content: a.Content, Quiz: a.Quiz, Sessions: a.Sessions, Awareness: a.Awareness,
		Assessment: a.Assessment, Areas: a.Areas, Codes: a.Codes, Audit: a.Audit, Supervision: a.Supervision,
		Workbench: a.Workbench, Pictures: a.Pictures, Limiter: a.Limiter, Frontend: a.frontend, TrustedProxies: cfg.TrustedProxies, MaxUploadBytes: cfg.BodyLimit, PublicURL: cfg.PublicURL,
		MetricsAllow: cfg.MetricsAllow, MetricsToken: cfg.MetricsToken, HSTS: cfg.Production(),
	})
}

// SweepEvery is how often Background sweeps expired limiter and throttle rows.
const SweepEvery = 10 * time.Minute

// Background runs the server's loops until ctx ends: the awareness fold of
// pending submissions (reads of the figures fold whatever is left first),
// the supervision reminders and the sweep of expired rate-limit and login-throttle rows.
func (a *App) Background(ctx context.Context) {
	go a.Awareness.Run(ctx, awareness.FoldEvery, a.Log)
	go a.Supervision.Run(ctx, supervision.RemindEvery, a.Log)
	sweep := time.NewTicker(SweepEvery)
	defer sweep.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-sweep.C:
			if l, ok := a.Limiter.(*ratelimit.DB); ok {
				if err := l.Sweep(ctx); err != nil {
					a.Log.Warn("rate limit sweep", "err", err)
				}
			}
			if err := a.Auth.SweepLoginThrottles(ctx); err != nil {
				a.Log.Warn("login throttle sweep", "err", err)
			}
		}
	}
}

// Close releases what New opened, last opened first.
func (a *App) Close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		_ = a.closers[i]()
	}
	a.closers = nil
}

// Retry runs f until it succeeds, ctx ends or wait has passed, backing off
// from half a second to five seconds and logging each failed try.
func Retry(ctx context.Context, log *slog.Logger, what string, wait time.Duration, f func() error) error {
	deadline := time.Now().Add(wait)
	pause := 500 * time.Millisecond
	for try := 1; ; try++ {
		err := f()
		if err == nil || wait <= 0 {
			return err
		}
		left := time.Until(deadline)
		if left <= 0 {
			return fmt.Errorf("%s: gave up after %d tries in %v: %w", what, try, wait, err)
		}
		sleep := min(pause, left)
		log.Warn(what+" failed; retrying", "try", try, "retry_in", sleep.String(), "err", err)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(sleep):
		}
		pause = min(pause*2, 5*time.Second)
	}
}
