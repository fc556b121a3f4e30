package api

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"wuzha/internal/content"
)

func (s *Server) listWarnings(c *fiber.Ctx) error {
	limit, before, err := pageParams(c)
	if err != nil {
		return err
	}
	items, err := s.Content.List(c.UserContext(), caller(c), content.Filter{
		Status: content.Status(c.Query("status")), FraudType: c.Query("fraud_type"), Query: c.Query("q"), BeforeID: before, Limit: limit,
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
	id, err := idParam(c, content.ErrNotFound)
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

// decision reads what every editorial decision route takes: the id in the
// path and, for a rejection, the {reason} in the body.
func decision(c *fiber.Ctx, notFound error, reject bool) (int64, string, error) {
	id, err := idParam(c, notFound)
	if err != nil {
		return 0, "", err
	}
	var req rejectRequest
	if reject {
		if err := decode(c, &req); err != nil {
			return 0, "", err
		}
	}
	return id, req.Reason, nil
}

// moveWarning serves submit, approve, reject and archive.
func (s *Server) moveWarning(t content.Transition) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, reason, err := decision(c, content.ErrNotFound, t == content.Reject)
		if err != nil {
			return err
		}
		d, err := s.Content.Move(c.UserContext(), caller(c), id, t, reason)
		if err != nil {
			return err
		}
		return c.JSON(d)
	}
}

func (s *Server) warningHistory(c *fiber.Ctx) error {
	id, err := idParam(c, content.ErrNotFound)
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
	id, err := idParam(c, content.ErrNotFound)
	if err != nil {
		return err
	}
	r, err := s.Content.Reach(c.UserContext(), caller(c), id)
	if err != nil {
		return err
	}
	return c.JSON(r)
}

// visitor is what the request tells content of an anonymous reader.
func (s *Server) visitor(c *fiber.Ctx) content.Visitor {
	return content.Visitor{DeviceID: c.Get("X-Device-Id"), Net: s.clientNet(c)}
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
func (s *Server) admitReader(c *fiber.Ctx, id int64) func(content.Reader) (bool, error) {
	return func(r content.Reader) (bool, error) {
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
	id, err := idParam(c, content.ErrNotFound)
	if err != nil {
		return err
	}
	d, err := s.Content.Read(c.UserContext(), caller(c), id, s.visitor(c), s.admitReader(c, id))
	if err != nil {
		return err
	}
	return c.JSON(d)
}

func (s *Server) ackWarning(c *fiber.Ctx) error {
	id, err := idParam(c, content.ErrNotFound)
	if err != nil {
		return err
	}
	if err := s.Content.Acknowledge(c.UserContext(), caller(c), id); err != nil {
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

// getFeed serves the residents' feed (a signed-in resident's profile fills
// what the query does not give: content.Service.FeedFor).
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
	items, more, err := s.Content.FeedFor(c.UserContext(), caller(c), q)
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
