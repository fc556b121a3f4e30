package assessment

import (
	"context"

	"wuzha/internal/auth"
	"wuzha/internal/awareness"
)

// IsLocked reports whether period p of the area code is locked (a snapshot
// is in force); the area must be in the caller's scope.
func (s *Service) IsLocked(ctx context.Context, c auth.Caller, code string, p awareness.Period) (bool, error) {
	l, err := s.locksOf(ctx, c, code, p)
	return l.current != nil, err
}
