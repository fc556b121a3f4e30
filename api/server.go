// Package api is wuzha's HTTP surface: the Fiber app, its one error handler,
// middleware, the route table and the handlers. Handlers parse and validate,
// call one domain method and write its result; they hold no SQL.
package api

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"net/netip"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"wuzha/internal/area"
	"wuzha/internal/assessment"
	"wuzha/internal/audit"
	"wuzha/internal/auth"
	"wuzha/internal/awareness"
	"wuzha/internal/config"
	"wuzha/internal/content"
	"wuzha/internal/fault"
	"wuzha/internal/picture"
	"wuzha/internal/quiz"
	"wuzha/internal/ratelimit"
	"wuzha/internal/session"
	"wuzha/internal/store"
	"wuzha/internal/supervision"
	"wuzha/internal/taxonomy"
	"wuzha/internal/workbench"
)

// Pinger is what /readyz asks: is the database there?
type Pinger interface {
	Ping(ctx context.Context) error
}

// Deps are the services the HTTP surface calls.
type Deps struct {
	Log            *slog.Logger
	DB             Pinger
	Auth           *auth.Service
	Content        *content.Service
	Quiz           *quiz.Service
	Sessions       *session.Service
	Awareness      *awareness.Service
	Assessment     *assessment.Service
	Areas          *area.Store
	Codes          *taxonomy.Store
	Audit          *audit.Store
	Supervision    *supervision.Service
	Workbench      *workbench.Service
	Pictures       *picture.Store
	Limiter        ratelimit.Limiter
	Frontend       fs.FS
	TrustedProxies []netip.Prefix
	MaxUploadBytes int // the largest request body (area imports); JSON bodies are capped lower
	// PublicURL is the configured address (WUZHA_PUBLIC_URL, no trailing
	// slash) every link and QR code points at; request headers never are.
	PublicURL string
	// /metrics answers loopback, addresses in MetricsAllow, and a bearer of
	// MetricsToken (when set); everyone else gets 403.
	MetricsAllow []netip.Prefix
	MetricsToken string
	// HSTS sends Strict-Transport-Security on every answer (production mode,
	// where wuzha is reached over HTTPS).
	HSTS bool
}

// Server holds the dependencies of every handler.
type Server struct {
	Deps
	app     *fiber.App
	ready   atomic.Bool
	metrics *metrics
}

// maxJSONBody caps JSON request bodies; uploads may use up to MaxUploadBytes.
const maxJSONBody = 64 << 10

// New builds the app. It answers /readyz with 503 until SetReady(true).
func New(d Deps) *Server {
	if d.MaxUploadBytes == 0 {
		d.MaxUploadBytes = 8 << 20
	}
	if d.PublicURL == "" {
		d.PublicURL = config.DefaultPublicURL
	}
	s := &Server{Deps: d}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s.metrics = newMetrics(reg)
	if db, ok := d.DB.(interface{ TxRetries() int64 }); ok {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "wuzha_db_tx_retries_total", Help: "Transactions run again after the database aborted them as a deadlock or a Galera certification conflict.",
		}, func() float64 { return float64(db.TxRetries()) }))
	}
	s.app = fiber.New(fiber.Config{
		AppName:               "wuzha",
		ErrorHandler:          s.handleError,
		BodyLimit:             d.MaxUploadBytes,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          60 * time.Second,
		IdleTimeout:           120 * time.Second,
		DisableStartupMessage: true,
		StrictRouting:         false,
		CaseSensitive:         true,
	})
	s.routes()
	return s
}

// App is the Fiber app, for listening and for tests (app.Test).
func (s *Server) App() *fiber.App { return s.app }

// SetReady marks the server ready (migrations and seed done) or not.
func (s *Server) SetReady(v bool) { s.ready.Store(v) }

// Shutdown stops accepting requests and waits for those in flight.
func (s *Server) Shutdown(ctx context.Context) error { return s.app.ShutdownWithContext(ctx) }

// problem is an RFC 9457 problem details body.
type problem struct {
	Type      string        `json:"type"`
	Title     string        `json:"title"`
	Status    int           `json:"status"`
	Detail    string        `json:"detail"`
	Code      string        `json:"code"`
	Errors    []fault.Field `json:"errors,omitempty"`
	RequestID string        `json:"request_id,omitempty"`
}

var kindStatus = map[fault.Kind]int{
	fault.Malformed:        fiber.StatusBadRequest,
	fault.Unauthenticated:  fiber.StatusUnauthorized,
	fault.Forbidden:        fiber.StatusForbidden,
	fault.NotFound:         fiber.StatusNotFound,
	fault.Conflict:         fiber.StatusConflict,
	fault.Gone:             fiber.StatusGone,
	fault.Invalid:          fiber.StatusUnprocessableEntity,
	fault.Locked:           fiber.StatusLocked,
	fault.RateLimited:      fiber.StatusTooManyRequests,
	fault.Unavailable:      fiber.StatusServiceUnavailable,
	fault.TooLarge:         fiber.StatusRequestEntityTooLarge,
	fault.UnsupportedMedia: fiber.StatusUnsupportedMediaType,
}

// handleError is the one place errors become HTTP answers: domain faults by
// their kind, Fiber's own errors (unknown route, oversized body) by status,
// and anything else as a logged, generic 500 that reveals nothing.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	p := problem{Type: "about:blank", RequestID: requestID(c)}
	var retry time.Duration
	var fe *fiber.Error
	if f, ok := fault.As(err); ok {
		p.Status, p.Code, p.Detail, p.Errors, retry = kindStatus[f.Kind], f.Code, f.Message, f.Fields, f.RetryAfter
	} else if errors.As(err, &fe) {
		p.Status = fe.Code
		switch fe.Code {
		case fiber.StatusNotFound:
			p.Code, p.Detail = "not_found", "请求的资源不存在"
		case fiber.StatusMethodNotAllowed:
			p.Code, p.Detail = "method_not_allowed", "不支持该请求方法"
		case fiber.StatusRequestEntityTooLarge:
			p.Code, p.Detail = "body_too_large", "提交的内容过大"
		case fiber.StatusBadRequest:
			p.Code, p.Detail = "malformed", "请求格式不正确"
		case fiber.StatusUnsupportedMediaType:
			p.Code, p.Detail = "unsupported_content_encoding", "不接受压缩的请求内容（Content-Encoding），请以未压缩的形式提交"
		case fiber.StatusRequestTimeout:
			p.Code, p.Detail = "timeout", "请求超时"
		default:
			if fe.Code >= 500 {
				s.Log.Error("fiber error", "request_id", p.RequestID, "err", err)
				p.Status, p.Code, p.Detail = 500, "internal_error", "服务器内部错误，请稍后再试"
			} else {
				p.Code, p.Detail = "error", fe.Message
			}
		}
	} else if store.IsUnavailable(err) {
		// The instance's database is gone for now (a node restarting):
		// 503, which clients and balancers take as "try again".
		s.Log.Warn("database unavailable", "request_id", p.RequestID, "method", c.Method(), "route", routeOf(c), "err", err)
		p.Status, p.Code, p.Detail, retry = 503, "database_unavailable", "服务暂时不可用，请稍后重试", time.Second
	} else {
		s.Log.Error("unhandled error", "request_id", p.RequestID, "method", c.Method(), "route", routeOf(c), "err", err)
		p.Status, p.Code, p.Detail = 500, "internal_error", "服务器内部错误，请稍后再试"
	}
	if p.Status == 0 {
		p.Status = 500
	}
	p.Title = statusTitle(p.Status)
	if retry > 0 {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(retry.Seconds()+0.999)))
	}
	c.Status(p.Status)
	c.Set(fiber.HeaderContentType, "application/problem+json; charset=utf-8")
	body, _ := c.App().Config().JSONEncoder(p)
	return c.Send(body)
}

func statusTitle(code int) string {
	if t := utils.StatusMessage(code); t != "" {
		return t
	}
	return "Error"
}

// Malformed-request errors raised by handlers.
var (
	errMalformedJSON = fault.New(fault.Malformed, "malformed_json", "请求内容不是有效的 JSON")
	errBadParam      = fault.New(fault.Malformed, "bad_parameter", "请求参数不正确")
)
