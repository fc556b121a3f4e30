package content

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strconv"

	"wuzha/internal/auth"
)

// Profiles is where a resident's profile comes from (the auth service).
type Profiles interface {
	ProfileOf(ctx context.Context, userID int64) (*auth.Profile, error)
}

// UseProfiles gives the service the residents' profiles, which place a
// resident's reading for reach and fill the feed's audience.
func (s *Service) UseProfiles(p Profiles) { s.profiles = p }

func (s *Service) profileOf(ctx context.Context, userID int64) (*auth.Profile, error) {
	if s.profiles == nil {
		return nil, nil
	}
	return s.profiles.ProfileOf(ctx, userID)
}

// Visitor is what the request tells of an anonymous reader: the device id
// the app sends (X-Device-Id) and the client's network (its address, or an
// IPv6 client's /64).
type Visitor struct {
	DeviceID string
	Net      string
}

var deviceIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{8,64}$`)

// reader identifies who reads a warning for reach: a resident with their
// profile, else the visitor's device id, else a hash of the client's
// network. Staff reading is not reach (no key).
func (s *Service) reader(ctx context.Context, c auth.Caller, v Visitor) (Reader, error) {
	if c.Role == auth.Resident {
		r := Reader{Key: "u:" + strconv.FormatInt(c.UserID, 10), UserID: c.UserID}
		p, err := s.profileOf(ctx, c.UserID)
		if err != nil {
			return r, err
		}
		if p != nil {
			r.AgeBand, r.Occupation = p.AgeBand, p.Occupation
			if g, err := s.areas.Get(ctx, p.GridCode); err == nil {
				r.GridPath = g.Path
			}
		}
		return r, nil
	}
	if c.Role.IsStaff() {
		return Reader{}, nil
	}
	if deviceIDPattern.MatchString(v.DeviceID) {
		return Reader{Key: "d:" + v.DeviceID}, nil
	}
	sum := sha256.Sum256([]byte("wuzha-viewer|" + v.Net))
	return Reader{Key: "a:" + hex.EncodeToString(sum[:12])}, nil
}

// Read is warning id as the caller opens it. Someone other than staff
// opening a live warning is counted for reach (admit, when given, is asked
// before a reader's first view of the day is counted: see RecordView), and
// a resident learns whether they acknowledged it.
func (s *Service) Read(ctx context.Context, c auth.Caller, id int64, v Visitor, admit func(Reader) (bool, error)) (Detail, error) {
	d, err := s.Get(ctx, c, id)
	if err != nil {
		return d, err
	}
	if c.Role.IsStaff() || !d.Live {
		return d, nil
	}
	r, err := s.reader(ctx, c, v)
	if err != nil {
		return Detail{}, err
	}
	var admitted func() (bool, error)
	if admit != nil {
		admitted = func() (bool, error) { return admit(r) }
	}
	if err := s.RecordView(ctx, id, r, admitted); err != nil {
		return Detail{}, err
	}
	if c.Role == auth.Resident {
		ack, err := s.Acknowledged(ctx, c.UserID, id)
		if err != nil {
			return Detail{}, err
		}
		d.Acknowledged = &ack
	}
	return d, nil
}

// FeedFor is Feed for the caller: a signed-in resident's profile fills what
// the query does not give; what is still not given does not filter.
func (s *Service) FeedFor(ctx context.Context, c auth.Caller, q FeedQuery) ([]FeedItem, bool, error) {
	if c.Role == auth.Resident {
		p, err := s.profileOf(ctx, c.UserID)
		if err != nil {
			return nil, false, err
		}
		if p != nil {
			q.AgeBand = firstNonEmpty(q.AgeBand, p.AgeBand)
			q.Occupation = firstNonEmpty(q.Occupation, p.Occupation)
			q.GridCode = firstNonEmpty(q.GridCode, p.GridCode)
		}
	}
	return s.Feed(ctx, q)
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
