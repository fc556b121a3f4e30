// Package awareness computes the anti-fraud awareness figures of docs/metrics.md:
// respondents (each resident's first counted attempt in a period, in the
// grid stored on the attempt), passed, rate with its 95% Wilson interval,
// coverage and breakdowns, for any area's subtree — sums, never averages.
package awareness

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"time"

	"wuzha/internal/area"
	"wuzha/internal/fault"
)

// Period is a calendar quarter ("2026Q3") or month ("2026-09").
type Period struct {
	Name  string
	Start time.Time // inclusive, UTC
	End   time.Time // exclusive, UTC
}

var periodPattern = regexp.MustCompile(`^(\d{4})(?:Q([1-4])|-(0[1-9]|1[0-2]))$`)

// ErrBadPeriod is a period in the wrong format or in the future.
var ErrBadPeriod = fault.New(fault.Invalid, "invalid_period", "考核期格式应为 2026Q3 或 2026-09，且不能晚于当前")

// ParsePeriod reads a period name; periods that have not begun are refused.
func ParsePeriod(name string, now time.Time) (Period, error) {
	m := periodPattern.FindStringSubmatch(name)
	if m == nil {
		return Period{}, ErrBadPeriod
	}
	year, _ := strconv.Atoi(m[1])
	var start, end time.Time
	if m[2] != "" {
		q, _ := strconv.Atoi(m[2])
		start = time.Date(year, time.Month(3*(q-1)+1), 1, 0, 0, 0, 0, area.Shanghai)
		end = start.AddDate(0, 3, 0)
	} else {
		mo, _ := strconv.Atoi(m[3])
		start = time.Date(year, time.Month(mo), 1, 0, 0, 0, 0, area.Shanghai)
		end = start.AddDate(0, 1, 0)
	}
	if year < 2000 || start.After(now) {
		return Period{}, ErrBadPeriod
	}
	return Period{Name: name, Start: start.UTC(), End: end.UTC()}, nil
}

// CurrentQuarter is the quarter containing t.
func CurrentQuarter(t time.Time) string {
	l := t.In(area.Shanghai)
	return fmt.Sprintf("%dQ%d", l.Year(), (int(l.Month())-1)/3+1)
}

// z is the 97.5% normal quantile.
const z = 1.959964

// Wilson is the 95% Wilson score interval of passed/n; ok is false for n = 0.
func Wilson(passed, n int64) (low, high float64, ok bool) {
	if n <= 0 {
		return 0, 0, false
	}
	nf := float64(n)
	p := float64(passed) / nf
	z2 := z * z
	denom := 1 + z2/nf
	centre := (p + z2/(2*nf)) / denom
	half := z / denom * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf))
	return math.Max(0, centre-half), math.Min(1, centre+half), true
}
