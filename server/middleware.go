package server

import (
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// httpMetrics counts what the server answers, by route (the ServeMux
// pattern that matched, so the label's values are few and known) and
// status. Every counter a request touches is looked up without a lock or
// an allocation once it exists.
type httpMetrics struct {
	requests *prometheus.CounterVec
	bytes    *prometheus.CounterVec
	duration *prometheus.HistogramVec

	// routes maps a pattern to its counters; the map is replaced whole
	// when a route is first seen.
	routes atomic.Pointer[map[string]*routeMetrics]
	mu     sync.Mutex
}

type routeMetrics struct {
	bytes    prometheus.Counter
	duration prometheus.Observer
	// codes holds the request counter of each status code, made on
	// first use.
	codes [600]atomic.Pointer[counterRef]
}

type counterRef struct{ c prometheus.Counter }

func newHTTPMetrics(reg prometheus.Registerer) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feedwright_http_requests_total",
			Help: "HTTP requests answered, by route pattern and status code.",
		}, []string{"route", "code"}),
		bytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feedwright_http_response_bytes_total",
			Help: "Bytes of response bodies sent, by route pattern.",
		}, []string{"route"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "feedwright_http_request_duration_seconds",
			Help:    "Time from a request's arrival at the handler to the end of its response, by route pattern.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route"}),
	}
	empty := map[string]*routeMetrics{}
	m.routes.Store(&empty)
	if reg != nil {
		reg.MustRegister(m.requests, m.bytes, m.duration)
	}
	return m
}

func (m *httpMetrics) route(pattern string) *routeMetrics {
	if rm := (*m.routes.Load())[pattern]; rm != nil {
		return rm
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	old := *m.routes.Load()
	if rm := old[pattern]; rm != nil {
		return rm
	}
	rm := &routeMetrics{
		bytes:    m.bytes.WithLabelValues(pattern),
		duration: m.duration.WithLabelValues(pattern),
	}
	next := make(map[string]*routeMetrics, len(old)+1)
	for k, v := range old {
		next[k] = v
	}
	next[pattern] = rm
	m.routes.Store(&next)
	return rm
}

func (m *httpMetrics) observe(pattern string, status int, n int64, took time.Duration) {
	rm := m.route(pattern)
	if status < 100 || status >= len(rm.codes) {
		status = 0
	}
	ref := rm.codes[status].Load()
	if ref == nil {
		ref = &counterRef{m.requests.WithLabelValues(pattern, statusLabel(status))}
		if !rm.codes[status].CompareAndSwap(nil, ref) {
			ref = rm.codes[status].Load()
		}
	}
	ref.c.Inc()
	rm.bytes.Add(float64(n))
	rm.duration.Observe(took.Seconds())
}

func statusLabel(status int) string {
	if status == 0 {
		return "other"
	}
	b := []byte{byte('0' + status/100), byte('0' + status/10%10), byte('0' + status%10)}
	return string(b)
}

// recorder notes the status and body size of a response on its way out.
// Recorders are pooled: the hot path allocates none.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

var recorders = sync.Pool{New: func() any { return new(recorder) }}

func (rec *recorder) WriteHeader(code int) {
	if rec.status == 0 {
		rec.status = code
	}
	rec.ResponseWriter.WriteHeader(code)
}

func (rec *recorder) Write(b []byte) (int, error) {
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	n, err := rec.ResponseWriter.Write(b)
	rec.bytes += int64(n)
	return n, err
}

// Flush lets streaming handlers (the metrics handler among them) flush
// through the recorder.
func (rec *recorder) Flush() {
	if f, ok := rec.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap gives http.ResponseController the real writer.
func (rec *recorder) Unwrap() http.ResponseWriter { return rec.ResponseWriter }

// instrument wraps the router: every request is counted in the metrics
// and, at debug level, logged as one line once answered.
func (s *Server) instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := recorders.Get().(*recorder)
		rec.ResponseWriter, rec.status, rec.bytes = w, 0, 0
		defer func() {
			status := rec.status
			if status == 0 {
				status = http.StatusOK // a handler that wrote nothing
			}
			took := time.Since(start)
			pattern := r.Pattern
			if pattern == "" {
				pattern = "unmatched"
			}
			s.metrics.observe(pattern, status, rec.bytes, took)
			if s.log.Enabled(r.Context(), slog.LevelDebug) {
				s.log.LogAttrs(r.Context(), slog.LevelDebug, "request",
					slog.String("method", r.Method),
					slog.String("path", r.URL.RequestURI()),
					slog.String("route", pattern),
					slog.Int("status", status),
					slog.Int64("bytes", rec.bytes),
					slog.Duration("took", took),
					slog.String("remote", r.RemoteAddr),
					slog.String("encoding", w.Header().Get("Content-Encoding")),
					slog.String("user_agent", r.UserAgent()))
			}
			rec.ResponseWriter = nil
			recorders.Put(rec)
		}()
		next.ServeHTTP(rec, r)
	})
}
