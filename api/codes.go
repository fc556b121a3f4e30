package api

import (
	"encoding/json"
	"errors"
	"net/netip"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"wuzha/internal/auth"
	"wuzha/internal/fault"
	"wuzha/internal/quiz"
	"wuzha/internal/session"
)

// clientNet is the key of every per-address limit: the client's IPv4
// address, or the /64 of its IPv6 address — one subscriber's prefix, inside
// which a client can take a new address at will.
func (s *Server) clientNet(c *fiber.Ctx) string { return netKey(s.clientIP(c)) }

func netKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil || a.Unmap().Is4() {
		return ip
	}
	p, err := a.Prefix(64)
	if err != nil {
		return ip
	}
	return p.String()
}

// codeKind is a kind of secret code a caller can test against the server.
// Every path that tests one counts the caller's wrong codes, per address
// (clientNet) and per signed-in user, and refuses further tests once there
// are limit of them in the window: enumeration needs millions of guesses, a
// caller gets a handful.
type codeKind struct {
	name   string
	limit  int
	window time.Duration
	wrong  func(error) bool // the error says the code is not a live one
}

var (
	// Join codes of sessions: the join page, its QR codes, starting an
	// attempt and the session's sign-in flow.
	sessionCodes = codeKind{"session", 10, time.Hour, func(err error) bool {
		return errors.Is(err, session.ErrNotFound) || errors.Is(err, session.ErrGone)
	}}
	// Prize redemption codes (staff only; 60 random bits already).
	prizeCodes = codeKind{"prize", 20, time.Hour, func(err error) bool {
		return errors.Is(err, quiz.ErrCodeNotFound) || errors.Is(err, fault.ErrOutOfScope)
	}}
)

var errTooManyWrongCodes = fault.New(fault.RateLimited, "too_many_wrong_codes", "输错的码太多，请稍后再试")

func (s *Server) wrongCodeKeys(c *fiber.Ctx, k codeKind) []string {
	keys := []string{"wrong-code:" + k.name + ":net:" + s.clientNet(c)}
	if cl := caller(c); !cl.Anonymous() {
		keys = append(keys, "wrong-code:"+k.name+":user:"+strconv.FormatInt(cl.UserID, 10))
	}
	return keys
}

// tooManyWrongCodes refuses a caller who already sent limit wrong codes of
// kind k in the window, before the code is even looked at.
func (s *Server) tooManyWrongCodes(c *fiber.Ctx, k codeKind) error {
	for _, key := range s.wrongCodeKeys(c, k) {
		n, retry, err := s.Limiter.Count(c.UserContext(), key, k.window)
		if err != nil {
			return err
		}
		if n >= k.limit {
			return errTooManyWrongCodes.WithRetry(retry)
		}
	}
	return nil
}

// testCode runs test, which looks a code of kind k up, unless the caller is
// over the limit of wrong codes; a wrong code counts against the caller.
func (s *Server) testCode(c *fiber.Ctx, k codeKind, test func() error) error {
	if err := s.tooManyWrongCodes(c, k); err != nil {
		return err
	}
	err := test()
	if err != nil && k.wrong(err) {
		for _, key := range s.wrongCodeKeys(c, k) {
			if _, herr := s.Limiter.Hit(c.UserContext(), key, k.limit, k.window); herr != nil {
				return herr
			}
		}
	}
	return err
}

// Per-session buckets of an open session's join flow, sized for a village
// hall whose residents share one address. Only a live code opens one, and
// each session has its own: a code cannot lift limits anywhere else.
const (
	sessionJoinHourly = 1200 // join page, quiz page and QR reads
)

// sessionCodeLimit guards the routes that carry a join code in the path:
// wrong codes count against the caller; requests with an open session's
// code are counted in that session's bucket instead of per address.
func (s *Server) sessionCodeLimit(name string, n int, window time.Duration) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var ss session.Session
		err := s.testCode(c, sessionCodes, func() (err error) {
			ss, err = s.Sessions.Resolve(c.UserContext(), c.Params("code"))
			return err
		})
		if err != nil {
			return err
		}
		return s.hitSession(c, ss.ID, name, n, window)
	}
}

func (s *Server) hitSession(c *fiber.Ctx, id int64, name string, n int, window time.Duration) error {
	r, err := s.Limiter.Hit(c.UserContext(), "session:"+strconv.FormatInt(id, 10)+":"+name, n, window)
	if err != nil {
		return err
	}
	if !r.Allowed {
		return auth.ErrRateLimited.WithRetry(r.RetryAfter)
	}
	return c.Next()
}

// joinFlow runs before the sign-in routes whose body may carry the join
// code of the session the resident came from (`session_code`). A live code
// puts the request in that session's bucket (origin reads it from the
// request's locals); anything else — no code, a wrong or closed one, a caller
// over the wrong-code limit — leaves it in the per-address one, and says
// nothing about the code. A body that is not JSON is left for the handler's
// own decoding to refuse.
func (s *Server) joinFlow(c *fiber.Ctx) error {
	var body struct {
		SessionCode string `json:"session_code"`
	}
	if json.Unmarshal(c.Body(), &body) != nil || body.SessionCode == "" {
		return c.Next()
	}
	var ss session.Session
	err := s.testCode(c, sessionCodes, func() (err error) {
		ss, err = s.Sessions.Resolve(c.UserContext(), body.SessionCode)
		return err
	})
	switch {
	case err == nil:
		c.Locals(localJoinSession, ss.ID)
	case errors.Is(err, errTooManyWrongCodes) || sessionCodes.wrong(err):
	default:
		return err
	}
	return c.Next()
}
