// Command wuzha is the anti-fraud awareness server: `wuzha serve` runs it,
// `wuzha migrate`, `wuzha seed` and `wuzha user add` set an installation up.
// This file only wires configuration, store, services and the HTTP API.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"wuzha/api"
	"wuzha/frontend"
	"wuzha/internal/area"
	"wuzha/internal/assessment"
	"wuzha/internal/audit"
	"wuzha/internal/auth"
	"wuzha/internal/awareness"
	"wuzha/internal/config"
	"wuzha/internal/content"
	"wuzha/internal/phone"
	"wuzha/internal/quiz"
	"wuzha/internal/ratelimit"
	"wuzha/internal/session"
	"wuzha/internal/sms"
	"wuzha/internal/store"
	"wuzha/internal/taxonomy"
	"wuzha/seed"
)

const usage = `usage: wuzha <command>

commands:
  serve                                       run the server (migrates and seeds first)
  migrate                                     apply database migrations
  seed                                        load the seed data (idempotent)
  user add --username U --role R --area CODE  create a staff user; password on stdin
  awareness rebuild                           recompute the awareness counters from the raw attempts

configuration is read from WUZHA_* environment variables (see README).
`

func main() {
	if err := run(os.Args[1:], os.Stdin, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "wuzha:", err)
		os.Exit(1)
	}
}

func run(args []string, stdin io.Reader, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	switch args[0] {
	case "serve":
		return serve(cfg, log)
	case "migrate":
		db, err := openDB(cfg)
		if err != nil {
			return err
		}
		defer db.Close()
		if err := db.Migrate(context.Background()); err != nil {
			return err
		}
		log.Info("migrated", "schema_version", store.SchemaVersion())
		return nil
	case "seed":
		db, err := openDB(cfg)
		if err != nil {
			return err
		}
		defer db.Close()
		ctx := context.Background()
		if err := db.Migrate(ctx); err != nil {
			return err
		}
		areas, codes := area.NewStore(db), taxonomy.NewStore(db)
		t := seed.Targets{Areas: areas, Codes: codes, Warnings: content.NewService(db, areas, codes), Quizzes: quiz.NewService(db, areas, codes)}
		if err := seed.Load(ctx, t); err != nil {
			return err
		}
		log.Info("seeded")
		return nil
	case "user":
		if len(args) < 2 || args[1] != "add" {
			fmt.Fprint(stderr, usage)
			return errors.New("unknown user subcommand")
		}
		return userAdd(cfg, log, args[2:], stdin)
	case "awareness":
		if len(args) < 2 || args[1] != "rebuild" {
			fmt.Fprint(stderr, usage)
			return errors.New("unknown awareness subcommand")
		}
		db, err := openDB(cfg)
		if err != nil {
			return err
		}
		defer db.Close()
		ctx := context.Background()
		if err := db.Migrate(ctx); err != nil {
			return err
		}
		n, err := awareness.NewService(db, area.NewStore(db), taxonomy.NewStore(db)).Rebuild(ctx)
		if err != nil {
			return err
		}
		log.Info("awareness counters rebuilt", "respondent_periods", n)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stderr, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", args[0])
	}
}

func openDB(cfg config.Config) (*store.DB, error) {
	return store.Open(cfg.DBDSN, cfg.SQLitePath(), store.Options{})
}

// services is everything the server and the commands share.
type services struct {
	db        *store.DB
	areas     *area.Store
	codes     *taxonomy.Store
	auth      *auth.Service
	content   *content.Service
	quiz      *quiz.Service
	session   *session.Service
	awareness *awareness.Service
	audit     *audit.Store
	limiter   ratelimit.Limiter
	closers   []func() error
}

// retry runs f until it succeeds, ctx ends or wait has passed, backing off
// from half a second to five seconds and logging each failed try.
func retry(ctx context.Context, log *slog.Logger, what string, wait time.Duration, f func() error) error {
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

// wire opens the database and builds the services. With a wait, an
// unreachable database is tried again for that long (serve); without, the
// first failure is final (the one-shot commands).
func wire(cfg *config.Config, log *slog.Logger, wait ...time.Duration) (*services, error) {
	if err := cfg.EnsureSecrets(log); err != nil {
		return nil, err
	}
	var db *store.DB
	err := retry(context.Background(), log, "open database", append(wait, 0)[0], func() (err error) {
		db, err = openDB(*cfg)
		return err
	})
	if err != nil {
		return nil, err
	}
	s := &services{db: db, areas: area.NewStore(db), codes: taxonomy.NewStore(db), audit: audit.NewStore(db), closers: []func() error{db.Close}}
	if cfg.RedisURL != "" {
		r, err := ratelimit.NewRedis(cfg.RedisURL)
		if err != nil {
			db.Close()
			return nil, err
		}
		s.limiter = r
		s.closers = append(s.closers, r.Close)
	} else {
		s.limiter = ratelimit.NewDB(db)
	}
	vault, err := phone.NewVault(cfg.PhoneKey)
	if err != nil {
		s.close()
		return nil, err
	}
	var sender sms.Sender
	if cfg.SMSSender == "http" {
		sender = sms.NewHTTP(cfg.SMSHTTPURL, cfg.SMSHTTPToken)
	} else {
		outbox, err := sms.NewOutbox(cfg.SMSOutbox)
		if err != nil {
			s.close()
			return nil, err
		}
		if cfg.Production() {
			log.Warn("WUZHA_SMS_SENDER=outbox in production: no message is delivered; codes and phone numbers are written in clear to the outbox file", "path", cfg.SMSOutbox)
		}
		sender = outbox
	}
	s.content = content.NewService(db, s.areas, s.codes)
	s.quiz = quiz.NewService(db, s.areas, s.codes)
	s.session = session.NewService(db, s.areas, s.quiz)
	s.awareness = awareness.NewService(db, s.areas, s.codes)
	s.auth = auth.NewService(db, s.areas, s.codes, s.limiter, vault, sender,
		auth.Config{JWTSecret: cfg.JWTSecret, AccessTTL: cfg.AccessTTL, RefreshTTL: cfg.RefreshTTL}, log)
	return s, nil
}

func (s *services) seedTargets() seed.Targets {
	return seed.Targets{Areas: s.areas, Codes: s.codes, Warnings: s.content, Quizzes: s.quiz}
}

func (s *services) close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		_ = s.closers[i]()
	}
}

// serve runs the server. A database that cannot be reached at start is tried
// again for WUZHA_DB_WAIT (opening, then migrating and seeding) before serve
// gives up; /healthz answers from the moment the database is open, /readyz
// and the API say 503 until migration and seed are done.
func serve(cfg config.Config, log *slog.Logger) error {
	svc, err := wire(&cfg, log, cfg.DBWait)
	if err != nil {
		return err
	}
	defer svc.close()
	// The environment's targets only seed the rule the first time; from
	// then on it lives in the database and a root admin changes it.
	asmt := assessment.NewService(svc.db, svc.areas, svc.awareness, assessment.Rule{TargetRate: cfg.TargetRate, TargetCoverage: cfg.TargetCoverage, MinRespondents: cfg.MinRespondents})
	srv := api.New(api.Deps{
		Log: log, DB: svc.db, Auth: svc.auth, Content: svc.content, Quiz: svc.quiz, Sessions: svc.session, Awareness: svc.awareness,
		Assessment: asmt, Areas: svc.areas, Codes: svc.codes, Audit: svc.audit,
		Limiter: svc.limiter, Frontend: frontend.Dist(), TrustedProxies: cfg.TrustedProxies, MaxUploadBytes: cfg.BodyLimit, PublicURL: cfg.PublicURL,
		MetricsAllow: cfg.MetricsAllow, MetricsToken: cfg.MetricsToken, HSTS: cfg.Production(),
	})
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	listenErr := make(chan error, 1)
	go func() { listenErr <- srv.App().Listen(cfg.Addr) }()
	log.Info("listening", "addr", cfg.Addr, "store", string(svc.db.Dialect), "env", cfg.Env)

	// Migrate and seed while /healthz already answers; /readyz and the API
	// answer 503 until this is done.
	err = retry(ctx, log, "migrate and seed", cfg.DBWait, func() error {
		if err := svc.db.Migrate(ctx); err != nil {
			return err
		}
		return seed.Load(ctx, svc.seedTargets())
	})
	if err != nil {
		return err
	}
	if differs, err := asmt.Rules().Seed(ctx); err != nil {
		return err
	} else if differs {
		log.Warn("the assessment rule in the database differs from WUZHA_TARGET_RATE/WUZHA_TARGET_COVERAGE/WUZHA_MIN_RESPONDENTS; the database's rule is in force (a root admin changes it in the console)")
	}
	srv.SetReady(true)
	log.Info("ready", "schema_version", store.SchemaVersion())
	// Submissions leave the awareness counters pending; fold them as they
	// come (reads of the figures fold whatever is left first).
	go svc.awareness.Run(ctx, awareness.FoldEvery, log)

	sweep := time.NewTicker(10 * time.Minute)
	defer sweep.Stop()
	for {
		select {
		case err := <-listenErr:
			return fmt.Errorf("listen %s: %w", cfg.Addr, err)
		case <-sweep.C:
			if l, ok := svc.limiter.(*ratelimit.DB); ok {
				if err := l.Sweep(ctx); err != nil {
					log.Warn("rate limit sweep", "err", err)
				}
			}
			if err := svc.auth.SweepLoginThrottles(ctx); err != nil {
				log.Warn("login throttle sweep", "err", err)
			}
		case <-ctx.Done():
			log.Info("shutting down")
			srv.SetReady(false)
			shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			return srv.Shutdown(shutdownCtx)
		}
	}
}

func userAdd(cfg config.Config, log *slog.Logger, args []string, stdin io.Reader) error {
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	username := fs.String("username", "", "login name")
	role := fs.String("role", "", "grid_worker, editor, reviewer, admin or assessor")
	areaCode := fs.String("area", "", "scope area code, e.g. 330800")
	if err := fs.Parse(args); err != nil {
		return err
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read password from stdin: %w", err)
	}
	password := strings.TrimRight(line, "\r\n")
	svc, err := wire(&cfg, log)
	if err != nil {
		return err
	}
	defer svc.close()
	ctx := context.Background()
	if err := svc.db.Migrate(ctx); err != nil {
		return err
	}
	if err := seed.Load(ctx, svc.seedTargets()); err != nil {
		return err
	}
	u, err := svc.auth.CreateUser(ctx, nil, auth.NewUser{Username: *username, Password: password, Role: auth.Role(*role), AreaCode: *areaCode})
	if err != nil {
		return err
	}
	log.Info("user created", "id", u.ID, "username", u.Username, "role", u.Role, "area_code", u.AreaCode)
	return nil
}
