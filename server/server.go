// Package server is Feedwright's HTTP surface: the feeds in every format,
// the HTML pages people see, health checks, and the admin API.
package server

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/feedwright/feedwright/db"
	"github.com/feedwright/feedwright/feed"
)

// Documents is the source of published feed documents.
type Documents interface {
	// Document returns the current document of a feed page.
	Document(name string, f feed.Format, page int) (*feed.Document, bool)
	// Ready reports whether every feed has documents to serve.
	Ready() bool
}

// Articles gives the server the articles that people read as web pages:
// one by its slug, and a feed's page of them.
type Articles interface {
	Article(ctx context.Context, slug string) (feed.Article, error)
	FeedArticles(ctx context.Context, q db.FeedQuery) ([]feed.Article, error)
}

// Options are the server's dependencies and settings.
type Options struct {
	Site      feed.Site
	Feeds     []feed.Definition
	Documents Documents
	Articles  Articles
	// Assets, when set, serves what no route of the server claims, such
	// as the demo site's images and favicon.
	Assets http.Handler
	// Metrics is served at /metrics in the Prometheus text format.
	Metrics prometheus.Gatherer
	// Registerer receives the server's own metrics (requests by route
	// and status, bytes out, durations); nil keeps them unregistered.
	Registerer prometheus.Registerer
	// Rebuilder is told of every write through the admin API.
	Rebuilder Rebuilder
	// AdminToken is the admin API's bearer token; empty turns the API off.
	AdminToken string
	// Admin is the store the admin API reads and writes; nil turns the
	// API off.
	Admin  AdminStore
	Logger *slog.Logger
}

// Rebuilder rebuilds feeds soon after their inputs change.
type Rebuilder interface {
	Trigger()
}

// Server holds the handlers' dependencies.
type Server struct {
	opts    Options
	log     *slog.Logger
	feeds   map[string]*feed.Definition
	slots   map[string]*feedSlot
	primary string
	mux     *http.ServeMux
	handler http.Handler
	metrics *httpMetrics
	// cacheControl is every feed document's Cache-Control value.
	cacheControl []string
	// index is the rendered front page; it depends on configuration only.
	index []byte
}

// New builds the HTTP handler.
func New(opts Options) *Server {
	s := &Server{
		opts: opts, log: opts.Logger, mux: http.NewServeMux(),
		feeds:        map[string]*feed.Definition{},
		slots:        map[string]*feedSlot{},
		metrics:      newHTTPMetrics(opts.Registerer),
		cacheControl: []string{cacheControl(opts.Site.TTL)},
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	for i := range opts.Feeds {
		s.feeds[opts.Feeds[i].Name] = &opts.Feeds[i]
		s.slots[opts.Feeds[i].Name] = &feedSlot{def: &opts.Feeds[i]}
	}
	if len(opts.Feeds) > 0 {
		s.primary = opts.Feeds[0].Name
	}
	s.index = s.renderIndex()
	s.routes()
	s.handler = s.instrument(s.mux)
	return s
}

func (s *Server) routes() {
	m := s.mux
	m.HandleFunc("GET /{$}", s.handleIndex)
	// Feed routes take every method and answer 405 themselves, with an
	// Allow that includes OPTIONS (CORS preflight) and a body that says
	// what to do; ServeMux's own 405 knows neither.
	//
	// Each configured feed gets exact paths, and the GET ones are
	// registered twice: ServeMux allocates for every pattern segment it
	// fails to match literally, and GET patterns are searched first, so
	// a method-less route alone would cost an allocation per request.
	// The set of feeds is fixed at start; the wildcard catches the rest.
	feedRoute := func(path string, h http.Handler) {
		m.Handle("GET "+path, h)
		m.Handle(path, h)
	}
	feedRoute("/rss.xml", s.feedHandler(s.primary, feed.RSS))
	feedRoute("/atom.xml", s.feedHandler(s.primary, feed.Atom))
	feedRoute("/feed.json", s.feedHandler(s.primary, feed.JSON))
	for name, slot := range s.slots {
		for _, f := range feed.Formats {
			feedRoute(feed.FeedPath(name, f, 1), s.feedHandler(name, f))
		}
		m.HandleFunc("/feeds/"+url.PathEscape(name), func(w http.ResponseWriter, r *http.Request) {
			if allowMethods(w, r, "GET, HEAD") {
				s.handleFeedPage(w, r, slot.def)
			}
		})
	}
	m.HandleFunc("/feeds/{file}", s.handleFeedFile)
	m.HandleFunc("GET /articles/{slug}", s.handleArticle)
	m.HandleFunc("GET /healthz", s.handleHealth)
	m.HandleFunc("GET /readyz", s.handleReady)
	if s.opts.Metrics != nil {
		m.Handle("GET /metrics", promhttp.HandlerFor(s.opts.Metrics, promhttp.HandlerOpts{}))
	}
	s.adminRoutes()
	if s.opts.Assets != nil {
		m.Handle("/", s.opts.Assets)
	}
}

// ServeHTTP serves a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write([]byte("ok\n"))
}

func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if !s.opts.Documents.Ready() {
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("not ready: some feeds have no documents yet\n"))
	} else {
		w.Write([]byte("ready\n"))
	}
	// Per-feed detail (last success, last error) when the source keeps it.
	if d, ok := s.opts.Documents.(interface{ StatusLines() []string }); ok {
		for _, line := range d.StatusLines() {
			w.Write([]byte(line + "\n"))
		}
	}
}
