package quiz

import (
	"context"

	"wuzha/internal/auth"
)

// Profiles is where a resident's profile comes from (the auth service).
type Profiles interface {
	ProfileOf(ctx context.Context, userID int64) (*auth.Profile, error)
}

// UseProfiles gives the service the residents' profiles, which say where a
// resident's attempts count.
func (s *Service) UseProfiles(p Profiles) { s.profiles = p }

// Respondent is where the caller's attempts are attributed: a resident's
// profile grid (with its path as it is now), or a staff member's scope. A
// resident without a profile is the zero Respondent.
func (s *Service) Respondent(ctx context.Context, c auth.Caller) (Respondent, error) {
	if c.Role.IsStaff() {
		return Respondent{GridCode: c.AreaCode, GridPath: c.AreaPath}, nil
	}
	if s.profiles == nil {
		return Respondent{}, nil
	}
	p, err := s.profiles.ProfileOf(ctx, c.UserID)
	if err != nil || p == nil {
		return Respondent{}, err
	}
	g, err := s.areas.Get(ctx, p.GridCode)
	if err != nil {
		return Respondent{}, err
	}
	return Respondent{GridCode: g.Code, GridPath: g.Path, AgeBand: p.AgeBand, Occupation: p.Occupation}, nil
}

// ActiveFor lists the quizzes the caller may take now where they count
// (see ActiveQuizzes); forResidents lets staff list those for residents.
func (s *Service) ActiveFor(ctx context.Context, c auth.Caller, forResidents bool) ([]QuizView, error) {
	r, err := s.Respondent(ctx, c)
	if err != nil {
		return nil, err
	}
	return s.ActiveQuizzes(ctx, c, r.GridPath, forResidents)
}
