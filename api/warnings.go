package api

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"wuzha/internal/auth"
	"wuzha/internal/content"
)

func warningID(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, content.ErrNotFound
	}
	return id, nil
}

func (s *Server) listWarnings(c *fiber.Ctx) error {
	limit, before, err := pageParams(c)
	if err != nil {
		return err
	}
	items, err := s.Content.List(c.UserContext(), caller(c), content.Filter{
		Status: content.Status(c.Query("status")), FraudType: c.Query("fraud_type"), BeforeID: before, Limit: limit,
	})
	if err != nil {
		return err
	}
	return c.JSON(newPage(items, limit, func(w content.Summary) int64 { return w.ID }))
}

func (s *Server) createWarning(c *fiber.Ctx) error {
	var in content.Input
	if err := decode(c, &in); err != nil {
		return err
	}
	d, err := s.Content.Create(c.UserContext(), caller(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(d)
}

func (s *Server) updateWarning(c *fiber.Ctx) error {
	id, err := warningID(c)
	if err != nil {
		return err
	}
	var in content.Input
	if err := decode(c, &in); err != nil {
		return err
	}
	d, err := s.Content.Update(c.UserContext(), caller(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(d)
}

type previewRequest struct {
	BodyMarkdown string `json:"body_markdown"`
}

func (s *Server) previewWarning(c *fiber.Ctx) error {
	var req previewRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	html, err := s.Content.Preview(req.BodyMarkdown)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"body_html": html})
}

type rejectRequest struct {
	Reason string `json:"reason"`
}

// moveWarning serves submit, approve, reject and archive.
func (s *Server) moveWarning(t content.Transition) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := warningID(c)
		if err != nil {
			return err
		}
		var req rejectRequest
		if t == content.Reject {
			if err := decode(c, &req); err != nil {
				return err
			}
		}
		d, err := s.Content.Move(c.UserContext(), caller(c), id, t, req.Reason)
		if err != nil {
			return err
		}
		return c.JSON(d)
	}
}

func (s *Server) warningHistory(c *fiber.Ctx) error {
	id, err := warningID(c)
	if err != nil {
		return err
	}
	h, err := s.Content.History(c.UserContext(), caller(c), id)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": h})
}

func (s *Server) warningReach(c *fiber.Ctx) error {
	id, err := warningID(c)
	if err != nil {
		return err
	}
	r, err := s.Content.Reach(c.UserContext(), caller(c), id)
	if err != nil {
		return err
	}
	return c.JSON(r)
}

var deviceIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{8,64}$`)

// reader identifies who reads a warning for reach: a resident with their
// profile, else the device id the app sends (X-Device-Id), else a hash of
// the client address.
func (s *Server) reader(c *fiber.Ctx) (content.Reader, error) {
	cl := caller(c)
	if cl.Role == auth.Resident {
		r := content.Reader{Key: "u:" + strconv.FormatInt(cl.UserID, 10), UserID: cl.UserID}
		p, err := s.Auth.ProfileOf(c.UserContext(), cl.UserID)
		if err != nil {
			return r, err
		}
		if p != nil {
			r.AgeBand, r.Occupation = p.AgeBand, p.Occupation
			if g, err := s.Areas.Get(c.UserContext(), p.GridCode); err == nil {
				r.GridPath = g.Path
			}
		}
		return r, nil
	}
	if cl.Role.IsStaff() {
		return content.Reader{}, nil // staff reading is not reach
	}
	if d := c.Get("X-Device-Id"); deviceIDPattern.MatchString(d) {
		return content.Reader{Key: "d:" + d}, nil
	}
	sum := sha256.Sum256([]byte("wuzha-viewer|" + s.clientNet(c)))
	return content.Reader{Key: "a:" + hex.EncodeToString(sum[:12])}, nil
}

// Reach limits. Device ids are chosen by the client, so one address adds at
// most readersPerAddress new anonymous readers to a warning a day (a family,
// an office behind one address), and at most newReadersHourly new readers
// of any kind across all warnings an hour. Beyond them a reading is answered
// as usual but not counted.
const (
	readersPerAddress = 20
	newReadersHourly  = 300
)

// admitReader is asked before a reader's first view of the day is counted.
func (s *Server) admitReader(c *fiber.Ctx, id int64, r content.Reader) func() (bool, error) {
	return func() (bool, error) {
		net := s.clientNet(c)
		if r.UserID == 0 {
			res, err := s.Limiter.Hit(c.UserContext(), "reach:"+strconv.FormatInt(id, 10)+":"+net, readersPerAddress, 24*time.Hour)
			if err != nil || !res.Allowed {
				return false, err
			}
		}
		res, err := s.Limiter.Hit(c.UserContext(), "reach:"+net, newReadersHourly, time.Hour)
		return err == nil && res.Allowed, err
	}
}

func (s *Server) getWarning(c *fiber.Ctx) error {
	id, err := warningID(c)
	if err != nil {
		return err
	}
	cl := caller(c)
	d, err := s.Content.Get(c.UserContext(), cl, id)
	if err != nil {
		return err
	}
	if !cl.Role.IsStaff() && d.Live {
		r, err := s.reader(c)
		if err != nil {
			return err
		}
		if err := s.Content.RecordView(c.UserContext(), id, r, s.admitReader(c, id, r)); err != nil {
			return err
		}
		if cl.Role == auth.Resident {
			ack, err := s.Content.Acknowledged(c.UserContext(), cl.UserID, id)
			if err != nil {
				return err
			}
			d.Acknowledged = &ack
		}
	}
	return c.JSON(d)
}

func (s *Server) ackWarning(c *fiber.Ctx) error {
	id, err := warningID(c)
	if err != nil {
		return err
	}
	r, err := s.reader(c)
	if err != nil {
		return err
	}
	if err := s.Content.Acknowledge(c.UserContext(), caller(c), id, r); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) myAcks(c *fiber.Ctx) error {
	items, err := s.Content.MyAcks(c.UserContext(), caller(c))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": items})
}

// getFeed serves the residents' feed. A signed-in resident's profile fills
// what the query does not give; what is still not given does not filter.
func (s *Server) getFeed(c *fiber.Ctx) error {
	limit, err := limitParam(c)
	if err != nil {
		return err
	}
	offset := 0
	if v := c.Query("cursor"); v != "" {
		raw, err := base64.RawURLEncoding.DecodeString(v)
		if err != nil || !strings.HasPrefix(string(raw), "o:") {
			return errBadParam
		}
		if offset, err = strconv.Atoi(strings.TrimPrefix(string(raw), "o:")); err != nil || offset < 0 || offset > 100000 {
			return errBadParam
		}
	}
	q := content.FeedQuery{AgeBand: c.Query("age_band"), Occupation: c.Query("occupation"), GridCode: c.Query("grid_code"), Offset: offset, Limit: limit}
	if cl := caller(c); cl.Role == auth.Resident {
		p, err := s.Auth.ProfileOf(c.UserContext(), cl.UserID)
		if err != nil {
			return err
		}
		if p != nil {
			q.AgeBand = firstNonEmpty(q.AgeBand, p.AgeBand)
			q.Occupation = firstNonEmpty(q.Occupation, p.Occupation)
			q.GridCode = firstNonEmpty(q.GridCode, p.GridCode)
		}
	}
	items, more, err := s.Content.Feed(c.UserContext(), q)
	if err != nil {
		return err
	}
	page := listPage[content.FeedItem]{Items: items}
	if more {
		cur := base64.RawURLEncoding.EncodeToString([]byte("o:" + strconv.Itoa(offset+limit)))
		page.NextCursor = &cur
	}
	return c.JSON(page)
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
