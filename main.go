// Command wuzha is the anti-fraud awareness server: `wuzha serve` runs it,
// `wuzha migrate`, `wuzha seed` and `wuzha user add` set an installation up.
// This file only reads the configuration, builds the application
// (internal/app) and runs the command: listening and shutting down for serve.
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
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"wuzha/frontend"
	"wuzha/internal/app"
	"wuzha/internal/auth"
	"wuzha/internal/awareness"
	"wuzha/internal/config"
	"wuzha/internal/fault"
	"wuzha/internal/store"
)

const usage = `usage: wuzha <command>

commands:
  serve                                       run the server (migrates and seeds first)
  migrate                                     apply database migrations
  seed                                        load the seed data (idempotent)
  seed --demo                                 also simulate this quarter's activity in the demo areas (once per quarter)
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
	ctx := context.Background()
	switch args[0] {
	case "serve":
		return serve(cfg, log)
	case "migrate":
		a, err := app.New(ctx, cfg, app.Options{Log: log, DataOnly: true})
		if err != nil {
			return err
		}
		defer a.Close()
		if err := a.DB.Migrate(ctx); err != nil {
			return err
		}
		log.Info("migrated", "schema_version", store.SchemaVersion())
		return nil
	case "seed":
		if len(args) > 1 && args[1] == "--demo" {
			return seedDemo(ctx, cfg, log, os.Stdout)
		}
		if len(args) > 1 {
			fmt.Fprint(stderr, usage)
			return fmt.Errorf("unknown seed option %q", args[1])
		}
		a, err := app.New(ctx, cfg, app.Options{Log: log, DataOnly: true})
		if err != nil {
			return err
		}
		defer a.Close()
		if err := a.Setup(ctx); err != nil {
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
		a, err := app.New(ctx, cfg, app.Options{Log: log, DataOnly: true})
		if err != nil {
			return err
		}
		defer a.Close()
		if err := a.DB.Migrate(ctx); err != nil {
			return err
		}
		// The rebuild holds a city's counters in memory (about 150 MB live
		// at a million attempts); a soft limit makes the collector keep the
		// heap near it instead of letting it grow to twice the live size.
		if os.Getenv("GOMEMLIMIT") == "" {
			debug.SetMemoryLimit(200 << 20)
		}
		var printed time.Time
		var phase string
		res, err := a.Awareness.Rebuild(ctx, func(p awareness.Progress) {
			// A line every two seconds while streaming, and at every phase.
			if p.Phase == phase && time.Since(printed) < 2*time.Second {
				return
			}
			printed, phase = time.Now(), p.Phase
			line := fmt.Sprintf("rebuild: %-8s %s", p.Phase, p.Elapsed.Round(time.Second))
			if p.Read > 0 || p.Total > 0 {
				line += fmt.Sprintf("  %d/%d attempts read", p.Read, p.Total)
				if s := p.Elapsed.Seconds(); s > 0 {
					line += fmt.Sprintf(", %.0f/s", float64(p.Read)/s)
				}
			}
			fmt.Fprintln(stderr, line)
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "rebuild: done in %s: generation %d, %d attempts read, %d resident-periods counted, %d pending attempts caught up, %d counter rows written\n",
			res.Duration.Round(time.Millisecond), res.Gen, res.Attempts, res.Firsts, res.CaughtUp, res.Rows)
		log.Info("awareness counters rebuilt", "generation", res.Gen, "respondent_periods", res.Firsts, "seconds", res.Duration.Seconds())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stderr, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", args[0])
	}
}

// serve runs the server. A database that cannot be reached at start is tried
// again for WUZHA_DB_WAIT (opening, then migrating and seeding) before serve
// gives up; /healthz answers from the moment the database is open, /readyz
// and the API say 503 until migration and seed are done.
func serve(cfg config.Config, log *slog.Logger) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a, err := app.New(ctx, cfg, app.Options{Log: log, Wait: cfg.DBWait, Frontend: frontend.Dist()})
	if err != nil {
		return err
	}
	defer a.Close()
	srv := a.Server()

	listenErr := make(chan error, 1)
	go func() { listenErr <- srv.App().Listen(cfg.Addr) }()
	log.Info("listening", "addr", cfg.Addr, "store", string(a.DB.Dialect), "env", cfg.Env)

	// Migrate and seed while /healthz already answers; /readyz and the API
	// answer 503 until this is done.
	if err := app.Retry(ctx, log, "migrate and seed", cfg.DBWait, func() error { return a.Setup(ctx) }); err != nil {
		return err
	}
	if err := a.SeedRule(ctx); err != nil {
		return err
	}
	srv.SetReady(true)
	log.Info("ready", "schema_version", store.SchemaVersion())
	go a.Background(ctx)

	select {
	case err := <-listenErr:
		return fmt.Errorf("listen %s: %w", cfg.Addr, err)
	case <-ctx.Done():
		log.Info("shutting down")
		srv.SetReady(false)
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		return srv.Shutdown(shutdownCtx)
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
	ctx := context.Background()
	a, err := setUp(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	// The operator's own bootstrap: only the length is enforced here, and
	// the account is not made to change it; say so when the password would
	// fail the rules every password set through the API follows.
	var rules fault.Validation
	auth.CheckPassword(&rules, "password", *username, password)
	u, err := a.Auth.CreateUser(ctx, nil, auth.NewUser{Username: *username, Password: password, Role: auth.Role(*role), AreaCode: *areaCode})
	if err != nil {
		return err
	}
	if err := rules.Err(); err != nil {
		log.Warn("the password does not follow the password rules; change it after signing in (修改密码)", "problem", err.Error())
	}
	log.Info("user created", "id", u.ID, "username", u.Username, "role", u.Role, "area_code", u.AreaCode)
	return nil
}

// setUp builds the whole application (with the phone vault and sign-in)
// and migrates and seeds the database, for the commands that write people.
func setUp(ctx context.Context, cfg config.Config, log *slog.Logger) (*app.App, error) {
	a, err := app.New(ctx, cfg, app.Options{Log: log})
	if err != nil {
		return nil, err
	}
	if err := a.Setup(ctx); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}
