package api

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/netip"
	"reflect"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"wuzha/internal/auth"
	"wuzha/internal/fault"
	"wuzha/internal/text"
)

const (
	localCaller      = "caller"
	localRequestID   = "request_id"
	localJoinSession = "join_session"
	// localRowFound says whether the row a route read with the sign-in
	// (access.row) was found.
	localRowFound = "row_found"
)

// contentSecurityPolicy is strict: the frontend is built without inline
// scripts or eval; Vant sets inline styles, hence style-src 'unsafe-inline'.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; font-src 'self' data:; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"

// requestStart assigns a request id, sets security headers, recovers panics,
// and logs and measures the request once it is answered.
func (s *Server) requestStart(c *fiber.Ctx) (err error) {
	start := time.Now()
	id := c.Get("X-Request-Id")
	if id == "" || len(id) > 64 || strings.ContainsFunc(id, func(r rune) bool { return r < 0x21 || r > 0x7e }) {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		id = hex.EncodeToString(b)
	}
	c.Locals(localRequestID, id)
	c.Set("X-Request-Id", id)
	c.Set("Content-Security-Policy", contentSecurityPolicy)
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("X-Frame-Options", "DENY")
	c.Set("Referrer-Policy", "same-origin")
	c.Set("Permissions-Policy", "camera=(self), geolocation=(), microphone=()")
	if s.HSTS {
		c.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
	}
	defer func() {
		if r := recover(); r != nil {
			s.Log.Error("panic", "request_id", id, "panic", r)
			err = errPanic
		}
		if err != nil {
			if herr := s.handleError(c, err); herr != nil {
				s.Log.Error("error handler failed", "request_id", id, "err", herr)
			}
			err = nil
		}
		status := c.Response().StatusCode()
		route := routeOf(c)
		elapsed := time.Since(start)
		s.metrics.observe(c.Method(), route, status, elapsed)
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		s.Log.Log(c.UserContext(), level, "request", "request_id", id, "method", c.Method(), "route", route,
			"status", status, "ms", float64(elapsed.Microseconds())/1000, "ip", s.clientIP(c))
	}()
	return c.Next()
}

var errPanic = &panicError{}

type panicError struct{}

func (*panicError) Error() string { return "panic in handler" }

// routeOf names the matched route pattern (never the raw path, which may
// carry ids), or "unmatched".
func routeOf(c *fiber.Ctx) string {
	// Fiber's catch-all for unmatched requests reports the "/" Use route.
	if r := c.Route(); r != nil && r.Method != "USE" {
		return r.Path
	}
	return "unmatched"
}

func requestID(c *fiber.Ctx) string {
	if v, ok := c.Locals(localRequestID).(string); ok {
		return v
	}
	return ""
}

// clientIP is the address limits and audit use. X-Forwarded-For is believed
// only from a trusted proxy, and read from the right: the first address that
// is not itself a trusted proxy is the client, so a forged left-most entry
// changes nothing.
func (s *Server) clientIP(c *fiber.Ctx) string {
	remote, ok := netip.AddrFromSlice(c.Context().RemoteIP())
	if !ok {
		return "unknown"
	}
	remote = remote.Unmap()
	if !s.trusted(remote) {
		return remote.String()
	}
	hops := strings.Split(c.Get(fiber.HeaderXForwardedFor), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		a = a.Unmap()
		if !s.trusted(a) {
			return a.String()
		}
	}
	return remote.String()
}

func (s *Server) trusted(a netip.Addr) bool {
	for _, p := range s.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func (s *Server) origin(c *fiber.Ctx) auth.Origin {
	ip := s.clientIP(c)
	session, _ := c.Locals(localJoinSession).(int64) // set by joinFlow
	return auth.Origin{IP: ip, Net: netKey(ip), RequestID: requestID(c), SessionID: session}
}

// caller is the authenticated caller of the request (zero when anonymous).
func caller(c *fiber.Ctx) auth.Caller {
	v, _ := c.Locals(localCaller).(auth.Caller)
	return v
}

func bearer(c *fiber.Ctx) string {
	h := c.Get(fiber.HeaderAuthorization)
	if len(h) > 7 && strings.EqualFold(h[:7], "Bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// authenticate resolves the bearer token, if any, into the caller. A present
// but bad token is always refused, even on public routes. read, when not
// nil, names a row to read in the same statement (auth.AuthenticateWith).
func (s *Server) authenticate(c *fiber.Ctx, read func(*fiber.Ctx) auth.Row) error {
	tok := bearer(c)
	if tok == "" {
		if c.Get(fiber.HeaderAuthorization) != "" {
			return auth.ErrTokenInvalid
		}
		return nil
	}
	var r auth.Row
	if read != nil {
		r = read(c)
	}
	cl, found, err := s.Auth.AuthenticateWith(c.UserContext(), tok, r)
	if err != nil {
		return err
	}
	cl.IP, cl.RequestID = s.clientIP(c), requestID(c)
	c.Locals(localCaller, cl)
	if read != nil {
		c.Locals(localRowFound, found)
	}
	return nil
}

// access says who may call a route.
type access struct {
	public bool
	roles  []auth.Role // empty with !public: any signed-in user
	// beforeChange opens the route to a caller who must change their
	// password first (the change itself, sign-out, GET /me); every other
	// route answers them 403 password_change_required.
	beforeChange bool
	// row, when not nil, is a row the handler needs, read with the sign-in
	// check in one statement: the busiest route saves a round trip.
	row func(*fiber.Ctx) auth.Row
}

var (
	public   = access{public: true}
	signedIn = access{}
	// pendingChange is any signed-in user, even one who must change their
	// password first.
	pendingChange = access{beforeChange: true}
)

func roles(r ...auth.Role) access { return access{roles: r} }

var staff = roles(auth.StaffRoles...)

// guard enforces an access rule before the handler runs.
func (s *Server) guard(a access) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if err := s.authenticate(c, a.row); err != nil {
			return err
		}
		if caller(c).MustChangePassword && !a.beforeChange {
			return auth.ErrPasswordChangeRequired
		}
		if a.public {
			return c.Next()
		}
		cl := caller(c)
		if cl.Anonymous() {
			return auth.ErrUnauthenticated
		}
		if len(a.roles) > 0 && !cl.Is(a.roles...) {
			return fault.ErrRole
		}
		return c.Next()
	}
}

// limit allows n requests per window per client address (an IPv6 client's
// /64) on a route, in state shared by every instance.
func (s *Server) limit(name string, n int, window time.Duration) fiber.Handler {
	return func(c *fiber.Ctx) error {
		r, err := s.Limiter.Hit(c.UserContext(), "route:"+name+":"+s.clientNet(c), n, window)
		if err != nil {
			return err
		}
		if !r.Allowed {
			return auth.ErrRateLimited.WithRetry(r.RetryAfter)
		}
		return c.Next()
	}
}

// decode reads a JSON body into v strictly: unknown fields (an id, a role, a
// scope a client hopes to set) and trailing data are refused.
func decode(c *fiber.Ctx, v any) error {
	return decodeJSON(c.Body(), v)
}

// decodeJSON is decode's work on the body's bytes.
func decodeJSON(body []byte, v any) error {
	if len(body) > maxJSONBody {
		return fiber.ErrRequestEntityTooLarge
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return errMalformedJSON
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if strings.HasPrefix(err.Error(), "json: unknown field ") {
			f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return &fault.Error{Kind: fault.Malformed, Code: "unknown_field", Message: "不允许的字段：" + f, Fields: []fault.Field{{Field: f, Message: "不允许的字段"}}}
		}
		return errMalformedJSON
	}
	if dec.More() {
		return errMalformedJSON
	}
	if bad := uncleanText(reflect.ValueOf(v), ""); len(bad) > 0 {
		return &fault.Error{Kind: fault.Invalid, Code: "invalid_characters", Message: "提交的文字" + text.Message, Fields: bad}
	}
	return nil
}

// uncleanText names every string in v (a decoded request) that holds a
// control or bidi character, by its JSON path. Passwords are left alone:
// they are never shown, and one set earlier must still sign in.
func uncleanText(v reflect.Value, path string) []fault.Field {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return uncleanText(v.Elem(), path)
	case reflect.String:
		if !text.Clean(v.String()) {
			return []fault.Field{{Field: path, Message: text.Message}}
		}
	case reflect.Struct:
		var out []fault.Field
		for i := 0; i < v.NumField(); i++ {
			f := v.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if strings.Contains(strings.ToLower(name), "password") {
				continue
			}
			if path != "" {
				name = path + "." + name
			}
			out = append(out, uncleanText(v.Field(i), name)...)
		}
		return out
	case reflect.Slice, reflect.Array:
		var out []fault.Field
		for i := 0; i < v.Len(); i++ {
			out = append(out, uncleanText(v.Index(i), fmt.Sprintf("%s[%d]", path, i))...)
		}
		return out
	case reflect.Map:
		var out []fault.Field
		it := v.MapRange()
		for it.Next() {
			k := fmt.Sprint(it.Key().Interface())
			if !text.Clean(k) {
				out = append(out, fault.Field{Field: path, Message: text.Message})
				continue
			}
			out = append(out, uncleanText(it.Value(), path+"."+k)...)
		}
		return out
	}
	return nil
}

// errEncodedBody is a 415; handleError gives it its code and message.
var errEncodedBody = fiber.NewError(fiber.StatusUnsupportedMediaType, "unsupported_content_encoding")

// refuseEncodedBodies refuses every request whose body declares a
// Content-Encoding other than identity, before any handler reads it. Fiber's
// c.Body() and fasthttp's multipart reader inflate gzip, deflate and brotli
// bodies without a bound, so the body limit would only hold for the
// compressed bytes: a 1 MB gzip of zeros becomes gigabytes in memory. No
// client of wuzha compresses what it sends.
func (s *Server) refuseEncodedBodies(c *fiber.Ctx) error {
	refuse := false
	c.Request().Header.VisitAll(func(k, v []byte) {
		if !strings.EqualFold(string(k), fiber.HeaderContentEncoding) {
			return
		}
		for _, e := range strings.Split(string(v), ",") {
			if e = strings.TrimSpace(e); e != "" && !strings.EqualFold(e, "identity") {
				refuse = true
			}
		}
	})
	if refuse {
		return errEncodedBody
	}
	return c.Next()
}
