// Command feedwright publishes a news site's articles as RSS 2.0, Atom 1.0
// and JSON Feed 1.1 documents and serves them over HTTP.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/feedwright/feedwright/config"
	"github.com/feedwright/feedwright/db"
	"github.com/feedwright/feedwright/demo"
	"github.com/feedwright/feedwright/feed"
	"github.com/feedwright/feedwright/scheduler"
	"github.com/feedwright/feedwright/server"
)

// version is set at link time (-ldflags "-X main.version=v1.2.3"); builds
// without it report the module version or commit Go recorded.
var version = ""

const usage = `Feedwright publishes a news site's articles as RSS, Atom and JSON feeds.

Usage:
  feedwright [--config PATH] serve     run the scheduler and the HTTP server
  feedwright [--config PATH] import [--dry-run] FILE|-
                                       read articles and appeals (NDJSON or a
                                       JSON array) into the database; exit 1
                                       if any record failed
  feedwright [--config PATH] export    write every article and appeal as NDJSON
  feedwright version                   print the version
  feedwright help                      print this help

Flags:
  --config PATH   configuration file (default "config.yaml", or $FEEDWRIGHT_CONFIG)

Every setting in the file can be overridden by an environment variable:
FEEDWRIGHT_ and the setting's path in capitals, for example
FEEDWRIGHT_LISTEN, FEEDWRIGHT_DATABASE, FEEDWRIGHT_BASE_URL,
FEEDWRIGHT_SCHEDULE, FEEDWRIGHT_SITE_TITLE.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("feedwright", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	defaultConfig := "config.yaml"
	if p := os.Getenv("FEEDWRIGHT_CONFIG"); p != "" {
		defaultConfig = p
	}
	configPath := fs.String("config", defaultConfig, "configuration file")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	cmd := fs.Arg(0)
	switch cmd {
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	case "version":
		fmt.Fprintln(stdout, "feedwright", buildVersion())
		return 0
	case "serve", "import", "export", "":
		if cmd == "" {
			fmt.Fprint(stderr, usage)
			return 2
		}
	default:
		fmt.Fprintf(stderr, "feedwright: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	// Flags may follow the command too (feedwright serve --config x), and
	// a command's own flags and arguments are checked before anything
	// opens a database or a port.
	sub := flag.NewFlagSet("feedwright "+cmd, flag.ContinueOnError)
	sub.SetOutput(stderr)
	sub.Usage = func() { fmt.Fprint(stderr, usage) }
	sub.StringVar(configPath, "config", *configPath, "configuration file")
	dryRun := false
	if cmd == "import" {
		sub.BoolVar(&dryRun, "dry-run", false, "check every record, write nothing")
	}
	if err := sub.Parse(fs.Args()[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	wantArgs := 0
	if cmd == "import" {
		wantArgs = 1
	}
	if sub.NArg() != wantArgs {
		if wantArgs == 0 {
			fmt.Fprintf(stderr, "feedwright %s: unexpected argument %q\n\n%s", cmd, sub.Arg(0), usage)
		} else {
			fmt.Fprintf(stderr, "feedwright import: give one FILE, or - for standard input\n\n%s", usage)
		}
		return 2
	}
	cfg, err := config.Load(*configPath, os.Environ())
	if err != nil {
		fmt.Fprintln(stderr, "feedwright:", err)
		return 1
	}
	log := newLogger(cfg.LogLevel, stderr)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch cmd {
	case "import":
		return runImport(ctx, cfg, sub.Arg(0), dryRun, stdout, stderr)
	case "export":
		return runExport(ctx, cfg, stdout, stderr)
	}
	if err := serve(ctx, cfg, log); err != nil {
		log.Error("feedwright stopped", "err", err)
		return 1
	}
	return 0
}

func buildVersion() string {
	if version != "" {
		return version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown)"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	rev, dirty := "", false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "(devel)"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if dirty {
		rev += "-dirty"
	}
	return "(devel " + rev + ")"
}

func newLogger(level string, w io.Writer) *slog.Logger {
	var l slog.Level
	l.UnmarshalText([]byte(level)) // validated by config
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}

// site is the configuration as the feed model sees it.
func site(cfg *config.Config) feed.Site {
	return feed.Site{
		Title:       cfg.Site.Title,
		Description: cfg.Site.Description,
		URL:         cfg.Site.URL,
		BaseURL:     cfg.BaseURL,
		Language:    cfg.Site.Language,
		Icon:        cfg.Site.Icon,
		Logo:        cfg.Site.Logo,
		Rights:      cfg.Site.Rights,
		Hubs:        cfg.Hubs,
		TTL:         cfg.Interval(),
	}
}

func definitions(cfg *config.Config) []feed.Definition {
	defs := make([]feed.Definition, len(cfg.Feeds))
	for i, f := range cfg.Feeds {
		defs[i] = feed.Definition{Name: f.Name, Title: f.Title, Description: f.Description,
			Section: f.Section, Tag: f.Tag, Author: f.Author, Limit: f.Limit}
	}
	return defs
}

// serve runs Feedwright until ctx is cancelled, then drains: the server
// stops taking requests and finishes those in flight, the scheduler lets a
// running build end, and the database closes last.
func serve(ctx context.Context, cfg *config.Config, log *slog.Logger) error {
	ctx, stopAll := context.WithCancel(ctx)
	defer stopAll()
	// The live heap is small (a few MB: published documents, templates)
	// and nearly all allocation is net/http's per-request garbage, so at
	// the default GOGC=100 the 4 MB minimum goal makes the collector mark
	// the whole live heap every thousand requests or so. 400 makes that
	// every four thousand for about 12 MB more memory, and measured on
	// the demo feed it halves the CPU per request we spend beyond a
	// minimal net/http program (BENCHMARKS.md). GOGC in the environment
	// still decides when set.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	store, err := db.Open(ctx, cfg.Database)
	if err != nil {
		return err
	}
	defer store.Close()
	if cfg.Demo {
		if err := loadDemo(ctx, store, log); err != nil {
			return err
		}
	}
	st := site(cfg)
	defs := definitions(cfg)
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	sched := scheduler.New(scheduler.Options{
		Store: store, Site: st, Feeds: defs, Schedule: cfg.CronSchedule(), Location: cfg.Location(), Logger: log,
		MaxPages: cfg.MaxPages, Registerer: reg,
	})
	if err := sched.LoadPersisted(ctx); err != nil {
		return err
	}
	opts := server.Options{
		Site: st, Feeds: defs, Documents: sched, Articles: store, Logger: log,
		Metrics: reg, Registerer: reg, Rebuilder: sched, AdminToken: os.Getenv(cfg.AdminTokenEnv), Admin: store,
	}
	if cfg.Demo {
		opts.Assets = demo.Handler()
	}
	srv := &http.Server{
		Handler:           server.New(opts),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	log.Info("feedwright serving", "version", buildVersion(), "listen", ln.Addr().String(), "base_url", cfg.BaseURL,
		"database", cfg.Database, "schedule", cfg.Schedule, "feeds", len(defs))

	schedDone := make(chan error, 1)
	go func() { schedDone <- sched.Run(ctx) }()
	srvDone := make(chan error, 1)
	go func() { srvDone <- srv.Serve(ln) }()

	var serveErr error
	select {
	case <-ctx.Done():
	case err := <-srvDone:
		// The listener failed: stop the scheduler as for a signal,
		// so nothing outlives the database closed on return.
		serveErr = fmt.Errorf("http server: %w", err)
		stopAll()
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.Warn("http shutdown", "err", err)
	}
	select {
	case <-schedDone:
	case <-shutdownCtx.Done():
		log.Warn("scheduler did not stop in time")
	}
	log.Info("stopped")
	return serveErr
}

// loadDemo puts the demo article and appeal into an empty database. A
// database that holds any article is the publisher's and is left alone.
func loadDemo(ctx context.Context, store *db.DB, log *slog.Logger) error {
	n, err := store.CountArticles(ctx)
	if err != nil {
		return fmt.Errorf("load demo: %w", err)
	}
	if n > 0 {
		return nil
	}
	a, err := demo.Article()
	if err != nil {
		return err
	}
	ap, err := demo.Appeal()
	if err != nil {
		return err
	}
	now := time.Now()
	// The appeal first: the article is what marks the demo as loaded, so
	// a start that fails between the two loads both again next time (the
	// appeal's second write changes nothing). WriteAppeal keeps the
	// appeal's own updated_at, so a fresh demo's Last-Modified is the
	// content's date, not the moment of first start.
	if _, _, err := store.WriteAppeal(ctx, ap, now, db.WriteOptions{}); err != nil {
		return fmt.Errorf("load demo: %w", err)
	}
	if _, _, err := store.UpsertArticle(ctx, a, now); err != nil {
		return fmt.Errorf("load demo: %w", err)
	}
	log.Info("loaded demo content", "article", a.Slug, "appeal", ap.Name)
	return nil
}
