package api

import (
	"crypto/subtle"
	"net/netip"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"wuzha/internal/fault"
)

// metrics are the Prometheus series of one server, in its own registry (no
// global state, so tests can run many servers in one process).
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	// loginRefused counts refused password sign-ins by problem code:
	// invalid_credentials (checked, wrong), login_throttled (too early, not
	// checked), rate_limited (too many from one address).
	loginRefused *prometheus.CounterVec
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		reg: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wuzha_http_requests_total", Help: "HTTP requests answered, by method, route pattern and status.",
		}, []string{"method", "route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "wuzha_http_request_duration_seconds", Help: "HTTP request latency by method and route pattern.",
			Buckets: []float64{.002, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"method", "route"}),
		loginRefused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wuzha_login_refused_total", Help: "Refused password sign-ins by reason (invalid_credentials, login_throttled, rate_limited).",
		}, []string{"reason"}),
	}
	reg.MustRegister(m.requests, m.latency, m.loginRefused)
	return m
}

// observe counts one answered request. method is copied into a fixed set and
// route must be a registered pattern: Fiber's c.Method() and raw path point
// into buffers it reuses for the next request, and a label kept from them
// changes under the registry (labels such as "POS", then /metrics failing).
func (m *metrics) observe(method, route string, status int, d time.Duration) {
	method = methodLabel(method)
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(method, route).Observe(d.Seconds())
}

func (m *metrics) handler() fiber.Handler {
	return adaptor.HTTPHandler(promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
}

// methodLabel is method as one of a fixed set of constant strings.
func methodLabel(m string) string {
	switch m {
	case fiber.MethodGet:
		return "GET"
	case fiber.MethodHead:
		return "HEAD"
	case fiber.MethodPost:
		return "POST"
	case fiber.MethodPut:
		return "PUT"
	case fiber.MethodPatch:
		return "PATCH"
	case fiber.MethodDelete:
		return "DELETE"
	case fiber.MethodOptions:
		return "OPTIONS"
	default:
		return "OTHER"
	}
}

var errMetricsForbidden = fault.New(fault.Forbidden, "metrics_forbidden", "监控指标只对本机、WUZHA_METRICS_ALLOW 中的地址或持有 WUZHA_METRICS_TOKEN 的监控系统开放")

// metricsAccess lets the scrape through from loopback, from an address in
// MetricsAllow (the client address as clientIP sees it, so behind a trusted
// proxy the real client counts), or with Authorization: Bearer MetricsToken.
func (s *Server) metricsAccess(c *fiber.Ctx) error {
	if s.MetricsToken != "" {
		if b := bearer(c); b != "" && subtle.ConstantTimeCompare([]byte(b), []byte(s.MetricsToken)) == 1 {
			return c.Next()
		}
	}
	if a, err := netip.ParseAddr(s.clientIP(c)); err == nil {
		if a.IsLoopback() {
			return c.Next()
		}
		for _, p := range s.MetricsAllow {
			if p.Contains(a) {
				return c.Next()
			}
		}
	}
	return errMetricsForbidden
}
