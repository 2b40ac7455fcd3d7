// Package server is Feedwright's HTTP surface: the feeds in every format,
// the HTML pages people see, health checks, and the admin API.
package server

import (
	"context"
	"log/slog"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/feedwright/feedwright/feed"
)

// Documents is the source of published feed documents.
type Documents interface {
	// Document returns the current document of a feed page.
	Document(name string, f feed.Format, page int) (*feed.Document, bool)
	// Ready reports whether every feed has documents to serve.
	Ready() bool
}

// Articles gives the server the articles that people read as web pages.
type Articles interface {
	Article(ctx context.Context, slug string) (feed.Article, error)
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
	primary string
	mux     *http.ServeMux
}

// New builds the HTTP handler.
func New(opts Options) *Server {
	s := &Server{opts: opts, log: opts.Logger, feeds: map[string]*feed.Definition{}, mux: http.NewServeMux()}
	if s.log == nil {
		s.log = slog.Default()
	}
	for i := range opts.Feeds {
		s.feeds[opts.Feeds[i].Name] = &opts.Feeds[i]
	}
	if len(opts.Feeds) > 0 {
		s.primary = opts.Feeds[0].Name
	}
	s.routes()
	return s
}

func (s *Server) routes() {
	m := s.mux
	m.HandleFunc("GET /{$}", s.handleIndex)
	m.Handle("GET /rss.xml", s.feedHandler(s.primary, feed.RSS))
	m.Handle("GET /atom.xml", s.feedHandler(s.primary, feed.Atom))
	m.Handle("GET /feed.json", s.feedHandler(s.primary, feed.JSON))
	m.HandleFunc("GET /feeds/{file}", s.handleFeedFile)
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
	s.mux.ServeHTTP(w, r)
}

// handleFeedFile serves /feeds/{name}.{rss,atom,json}.
func (s *Server) handleFeedFile(w http.ResponseWriter, r *http.Request) {
	file := r.PathValue("file")
	dot := strings.LastIndexByte(file, '.')
	if dot < 0 {
		http.NotFound(w, r)
		return
	}
	f, ok := feed.ParseFormat(file[dot+1:])
	if !ok || s.feeds[file[:dot]] == nil {
		http.NotFound(w, r)
		return
	}
	s.serveFeed(w, r, file[:dot], f)
}

func (s *Server) feedHandler(name string, f feed.Format) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.serveFeed(w, r, name, f) })
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
