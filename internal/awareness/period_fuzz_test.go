package awareness

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"wuzha/internal/area"
)

// FuzzParsePeriod: a period name parses to a period starting on the first
// of a month at midnight in Shanghai, one or three months long, whose name
// formats back to the input and parses again to the same period; anything
// else is ErrBadPeriod, never a panic.
func FuzzParsePeriod(f *testing.F) {
	for _, s := range []string{"2026Q3", "2026-09", "2026Q5", "2026-13", "1999Q4", "9999Q1", "2026q3", "２０２６Q3", "2026-9", "", "2026Q3\n"} {
		f.Add(s, int64(1780000000))
	}
	f.Fuzz(func(t *testing.T, name string, nowUnix int64) {
		now := time.Unix(nowUnix%(1<<40), 0)
		p, err := ParsePeriod(name, now)
		if err != nil {
			if !errors.Is(err, ErrBadPeriod) {
				t.Fatalf("error %v, want ErrBadPeriod", err)
			}
			return
		}
		local := p.Start.In(area.Shanghai)
		if local.Day() != 1 || local.Hour() != 0 || local.Minute() != 0 || !p.End.After(p.Start) || p.Start.After(now) {
			t.Fatalf("%q: period %v–%v (now %v)", name, p.Start, p.End, now)
		}
		var formatted string
		switch months := (p.End.In(area.Shanghai).Year()-local.Year())*12 + int(p.End.In(area.Shanghai).Month()) - int(local.Month()); months {
		case 3:
			formatted = fmt.Sprintf("%04dQ%d", local.Year(), (int(local.Month())-1)/3+1)
		case 1:
			formatted = fmt.Sprintf("%04d-%02d", local.Year(), int(local.Month()))
		default:
			t.Fatalf("%q spans %d months", name, months)
		}
		if formatted != name {
			t.Fatalf("%q formats back as %q", name, formatted)
		}
		again, err := ParsePeriod(formatted, now)
		if err != nil || again != p {
			t.Fatalf("%q parsed again as %+v, %v", formatted, again, err)
		}
		if len(name) == 6 && CurrentQuarter(p.Start) != name {
			t.Fatalf("CurrentQuarter(start of %q) = %q", name, CurrentQuarter(p.Start))
		}
	})
}
