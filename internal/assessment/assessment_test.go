package assessment

import (
	"strings"
	"testing"
)

func f(v float64) *float64 { return &v }

func TestScoreAndRank(t *testing.T) {
	rule := Rule{TargetRate: 0.9, TargetCoverage: 0.05, MinRespondents: 30}
	if s := score(rule, f(0.9), f(0.05)); s != 100 {
		t.Errorf("on target: %v", s)
	}
	if s := score(rule, f(0.45), f(0.10)); s != 50 {
		t.Errorf("half the rate, double the coverage: %v", s)
	}
	if s := score(rule, f(0.81), f(0.025)); s != 45 {
		t.Errorf("0.81/0.9 × 0.025/0.05: %v", s)
	}
	if s := score(rule, nil, f(0.5)); s != 0 {
		t.Errorf("no rate: %v", s)
	}
	rows := []Row{
		{AreaCode: "a", Score: 80, Rate: f(0.8)},
		{AreaCode: "b", Score: 90, Rate: f(0.7)},
		{AreaCode: "c", Score: 80, Rate: f(0.8)},
		{AreaCode: "d", Score: 80, Rate: f(0.6)},
		{AreaCode: "e", Score: 0, Rate: nil},
	}
	rank(rows)
	want := map[string]int{"b": 1, "a": 2, "c": 2, "d": 4, "e": 5}
	for _, r := range rows {
		if r.Rank != want[r.AreaCode] {
			t.Errorf("%s rank %d, want %d", r.AreaCode, r.Rank, want[r.AreaCode])
		}
	}
}

func TestChecksumIsCanonical(t *testing.T) {
	a := []Row{{AreaCode: "2", Name: "乙", Respondents: 3, Passed: 2, Rate: f(2.0 / 3), Score: 74.1, Rank: 1}, {AreaCode: "1", Name: "甲"}}
	b := []Row{a[1], a[0]}
	if Checksum(a) != Checksum(b) || len(Checksum(a)) != 64 {
		t.Fatal("checksum depends on row order")
	}
	if !strings.HasPrefix(Canonical(a), "1|甲|0|0|null|") {
		t.Fatalf("canonical form: %q", Canonical(a))
	}
	c := append([]Row(nil), a...)
	c[0].Passed = 1
	if Checksum(c) == Checksum(a) {
		t.Fatal("a changed row keeps the checksum")
	}
}
