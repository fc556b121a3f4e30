package testkit

import (
	"context"
	"testing"

	"gorm.io/gorm"

	"wuzha/internal/awareness"
)

// Counters is awareness.Dump for a test: the live generation's counters
// as sorted lines, equal for two states when the figures they make are.
func Counters(t testing.TB, db *gorm.DB) []string {
	t.Helper()
	out, err := awareness.Dump(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
