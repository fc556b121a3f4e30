package app_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"wuzha/internal/app"
	"wuzha/internal/config"
)

// The one-shot data commands (migrate, seed, awareness rebuild) run on an
// installation that has no secrets yet and must not make any; the full
// application generates them on first start.
func TestSecretsOnlyWhereSigningInIsBuilt(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, tc := range []struct {
		name     string
		dataOnly bool
		secrets  bool
	}{
		{"data commands", true, false},
		{"serve and user add", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			cfg := config.Config{DataDir: dir, SMSOutbox: filepath.Join(dir, "outbox.jsonl"), TargetRate: 0.9, TargetCoverage: 0.05, MinRespondents: 30}
			a, err := app.New(context.Background(), cfg, app.Options{Log: log, DataOnly: tc.dataOnly})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			if err := a.Setup(context.Background()); err != nil {
				t.Fatalf("migrate and seed: %v", err)
			}
			_, err = os.Stat(filepath.Join(dir, "secrets.json"))
			if made := err == nil; made != tc.secrets {
				t.Fatalf("secrets.json written: %v, want %v", made, tc.secrets)
			}
			if (a.Auth != nil) != tc.secrets {
				t.Fatalf("auth built: %v, want %v", a.Auth != nil, tc.secrets)
			}
		})
	}
}
