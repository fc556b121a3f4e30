package auth

import (
	"fmt"
	"testing"
	"time"
)

func TestGuessDelayGrowsAndIsCapped(t *testing.T) {
	cases := []struct {
		failures int
		want     time.Duration
	}{
		{0, 0}, {1, 0}, {4, 0},
		{5, time.Second}, {6, 2 * time.Second}, {7, 4 * time.Second},
		{14, 512 * time.Second}, {15, loginMaxDelay}, {40, loginMaxDelay}, {1 << 30, loginMaxDelay},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%d failures", tc.failures), func(t *testing.T) {
			if got := guessDelay(tc.failures); got != tc.want {
				t.Fatalf("guessDelay(%d) = %v, want %v", tc.failures, got, tc.want)
			}
		})
	}
}

// An attacker who guesses the moment each guess is allowed gets this many
// checked guesses against one account: 17 in the first hour, then four an
// hour (one per loginMaxDelay), about 109 in the first day.
func TestGuessesPerHourAgainstOneAccount(t *testing.T) {
	perWindow := func(d time.Duration) int {
		var now, next time.Duration
		n := 0
		for {
			if next > now {
				now = next
			}
			if now >= d {
				return n
			}
			n++
			next = now + guessDelay(n)
		}
	}
	first, day := perWindow(time.Hour), perWindow(24*time.Hour)
	t.Logf("checked guesses against one account: %d in the first hour, %d in the first day", first, day)
	if first != 17 || day != 109 {
		t.Fatalf("got %d in the first hour and %d in a day, want 17 and 109", first, day)
	}
}
