package awareness

import (
	"math"
	"testing"
	"time"
)

func TestWilsonKnownValues(t *testing.T) {
	cases := []struct {
		passed, n int64
		low, high float64
	}{
		{38, 40, 0.835, 0.986},
		{9, 10, 0.596, 0.982},
		{270, 300, 0.861, 0.929},
		{0, 10, 0.000, 0.278},
		{10, 10, 0.722, 1.000},
	}
	for _, c := range cases {
		lo, hi, ok := Wilson(c.passed, c.n)
		if !ok || math.Abs(lo-c.low) > 0.0005 || math.Abs(hi-c.high) > 0.0005 {
			t.Errorf("Wilson(%d/%d) = %.3f–%.3f, want %.3f–%.3f", c.passed, c.n, lo, hi, c.low, c.high)
		}
	}
	if _, _, ok := Wilson(0, 0); ok {
		t.Error("Wilson of an empty sample")
	}
}

func TestParsePeriod(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	p, err := ParsePeriod("2026Q3", now)
	if err != nil || !p.Start.Equal(time.Date(2026, 6, 30, 16, 0, 0, 0, time.UTC)) || !p.End.Equal(time.Date(2026, 9, 30, 16, 0, 0, 0, time.UTC)) {
		t.Fatalf("2026Q3 = %+v, %v", p, err)
	}
	m, err := ParsePeriod("2026-02", now)
	if err != nil || !m.Start.Equal(time.Date(2026, 1, 31, 16, 0, 0, 0, time.UTC)) || !m.End.Equal(time.Date(2026, 2, 28, 16, 0, 0, 0, time.UTC)) {
		t.Fatalf("2026-02 = %+v, %v", m, err)
	}
	for _, bad := range []string{"2026Q5", "2026-13", "26Q1", "2026q1", "2027Q1", "2026-12-01", ""} {
		if _, err := ParsePeriod(bad, now); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if CurrentQuarter(time.Date(2026, 9, 30, 16, 30, 0, 0, time.UTC)) != "2026Q4" {
		t.Error("the quarter turns at midnight in Asia/Shanghai")
	}
}
