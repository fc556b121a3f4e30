package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"wuzha/internal/config"
	"wuzha/internal/demo"
)

// seedDemo migrates and seeds, then simulates this quarter in the demo
// areas (once per quarter) and prints what it made.
func seedDemo(ctx context.Context, cfg config.Config, log *slog.Logger, out io.Writer) error {
	a, err := setUp(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.SeedRule(ctx); err != nil {
		return err
	}
	rep, err := a.SeedDemo(ctx, 1)
	if err != nil {
		return err
	}
	printDemo(out, rep)
	return nil
}

func printDemo(out io.Writer, r demo.Report) {
	if r.Already {
		fmt.Fprintf(out, "demo: %s was simulated before; nothing added (%.1fs)\n", r.Period, r.Took.Seconds())
	} else {
		fmt.Fprintf(out, "demo: simulated %s up to now in %.1fs\n", r.Period, r.Took.Seconds())
		fmt.Fprintf(out, "  residents %d (%d new), attempts %d (%d invalid, folded %d), sessions %d\n", r.Residents, r.NewResidents, r.Attempts, r.Invalid, r.Folded, r.Sessions)
		fmt.Fprintf(out, "  prizes won %d (%d redeemed), warning reads %d, acknowledgements %d, rectification items %d, staff accounts %d\n",
			r.Awards, r.Redeemed, r.Views, r.Acks, r.Items, r.Staff)
		for _, c := range r.Counties {
			fmt.Fprintf(out, "  %s %-6s respondents %5d  rate %s  coverage %s\n", c.Code, c.Name, c.Respondents, pct(c.Rate), pct(c.Coverage))
		}
	}
	fmt.Fprintf(out, "demo staff: %s (city admin) and %s<grid code> (grid workers), password %s\n", demo.AdminUsername, demo.WorkerPrefix, demo.Password)
}

func pct(p *float64) string {
	if p == nil {
		return "  —  "
	}
	return fmt.Sprintf("%5.1f%%", 100**p)
}
