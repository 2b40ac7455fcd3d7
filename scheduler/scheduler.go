// Package scheduler keeps every feed's documents true to the database: it
// rebuilds them on the configured cron schedule and publishes each new set
// atomically, to memory for the server and to SQLite for the next start.
package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/feedwright/feedwright/db"
	"github.com/feedwright/feedwright/feed"
)

// Store is what the scheduler needs from the database.
type Store interface {
	FeedArticles(ctx context.Context, q db.FeedQuery) ([]feed.Article, error)
	Appeals(ctx context.Context) ([]feed.Appeal, error)
	SaveDocuments(ctx context.Context, feedName string, docs []db.StoredDocument) error
	Documents(ctx context.Context) ([]db.StoredDocument, error)
}

// Options configure a Scheduler.
type Options struct {
	Store    Store
	Site     feed.Site
	Feeds    []feed.Definition
	Schedule cron.Schedule
	Location *time.Location
	Logger   *slog.Logger
	// Now is the clock; time.Now when nil. Tests pass their own.
	Now func() time.Time
}

// Scheduler builds and publishes feed documents.
type Scheduler struct {
	opts    Options
	log     *slog.Logger
	now     func() time.Time
	current atomic.Pointer[snapshot]
	// buildMu makes builds take turns: the cron tick and a triggered
	// rebuild never render the same feed at once.
	buildMu sync.Mutex
	// trigger holds at most one pending rebuild request; requests that
	// arrive while one is pending fold into it.
	trigger chan struct{}
}

// Published is one feed's current documents: a page each, every format.
type Published struct {
	Feed    string
	BuiltAt time.Time
	// Pages[0] is the newest page.
	Pages []map[feed.Format]*feed.Document
}

// snapshot is everything being served at one moment. It is replaced
// whole, never changed, so a reader sees one build or the next, not a mix.
type snapshot struct {
	feeds map[string]*Published
}

// New makes a Scheduler; nothing runs until Run.
func New(opts Options) *Scheduler {
	s := &Scheduler{opts: opts, log: opts.Logger, now: opts.Now, trigger: make(chan struct{}, 1)}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.opts.Location == nil {
		s.opts.Location = time.UTC
	}
	s.current.Store(&snapshot{feeds: map[string]*Published{}})
	return s
}

// Document returns the current document of a feed page in format f.
func (s *Scheduler) Document(name string, f feed.Format, page int) (*feed.Document, bool) {
	p := s.current.Load().feeds[name]
	if p == nil || page < 1 || page > len(p.Pages) {
		return nil, false
	}
	d := p.Pages[page-1][f]
	return d, d != nil
}

// Feed returns what is published of a feed.
func (s *Scheduler) Feed(name string) (*Published, bool) {
	p := s.current.Load().feeds[name]
	return p, p != nil
}

// Ready reports whether every configured feed has documents to serve.
func (s *Scheduler) Ready() bool {
	snap := s.current.Load()
	for _, d := range s.opts.Feeds {
		if snap.feeds[d.Name] == nil {
			return false
		}
	}
	return true
}

// LoadPersisted publishes the documents stored by an earlier run, so that
// a restart serves at once what it served before, ahead of any build.
func (s *Scheduler) LoadPersisted(ctx context.Context) error {
	stored, err := s.opts.Store.Documents(ctx)
	if err != nil {
		return err
	}
	known := map[string]bool{}
	for _, d := range s.opts.Feeds {
		known[d.Name] = true
	}
	feeds := map[string]*Published{}
	for _, sd := range stored {
		if !known[sd.Feed] {
			continue // a feed since removed from the configuration
		}
		p := feeds[sd.Feed]
		if p == nil {
			p = &Published{Feed: sd.Feed, BuiltAt: sd.BuiltAt}
			feeds[sd.Feed] = p
		}
		for len(p.Pages) < sd.Page {
			p.Pages = append(p.Pages, map[feed.Format]*feed.Document{})
		}
		p.Pages[sd.Page-1][sd.Format] = sd.Document
	}
	for name, p := range feeds {
		s.publish(name, p)
	}
	s.log.Info("loaded persisted documents", "feeds", len(feeds))
	return nil
}

func (s *Scheduler) publish(name string, p *Published) {
	for {
		old := s.current.Load()
		next := &snapshot{feeds: make(map[string]*Published, len(old.feeds)+1)}
		for k, v := range old.feeds {
			next.feeds[k] = v
		}
		next.feeds[name] = p
		if s.current.CompareAndSwap(old, next) {
			return
		}
	}
}

// BuildAll rebuilds every feed. An error in one feed does not stop the
// others, and never replaces that feed's last good documents.
func (s *Scheduler) BuildAll(ctx context.Context) error {
	s.buildMu.Lock()
	defer s.buildMu.Unlock()
	now := s.now()
	appeals, err := s.opts.Store.Appeals(ctx)
	if err != nil {
		return fmt.Errorf("build: %w", err)
	}
	var errs []error
	for _, def := range s.opts.Feeds {
		if err := s.buildFeed(ctx, def, appeals, now); err != nil {
			s.log.Error("feed build failed", "feed", def.Name, "err", err)
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (s *Scheduler) buildFeed(ctx context.Context, def feed.Definition, appeals []feed.Appeal, now time.Time) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("feed %q: build panicked: %v", def.Name, r)
		}
	}()
	start := time.Now()
	arts, err := s.opts.Store.FeedArticles(ctx, db.FeedQuery{
		Section: def.Section, Tag: def.Tag, Author: def.Author, Now: now, Limit: def.Limit,
	})
	if err != nil {
		return fmt.Errorf("feed %q: %w", def.Name, err)
	}
	docs, err := feed.Build(feed.Input{
		Site: s.opts.Site, Feed: def, Articles: arts, Appeals: appeals, Now: now,
		Page: feed.Page{Number: 1, Last: 1},
	})
	if err != nil {
		return fmt.Errorf("feed %q: %w", def.Name, err)
	}
	page := map[feed.Format]*feed.Document{}
	stored := make([]db.StoredDocument, 0, len(docs))
	for _, d := range docs {
		page[d.Format] = d
		stored = append(stored, db.StoredDocument{Feed: def.Name, Page: 1, BuiltAt: now, Document: d})
	}
	if err := s.opts.Store.SaveDocuments(ctx, def.Name, stored); err != nil {
		return fmt.Errorf("feed %q: %w", def.Name, err)
	}
	s.publish(def.Name, &Published{Feed: def.Name, BuiltAt: now, Pages: []map[feed.Format]*feed.Document{page}})
	s.log.Debug("feed built", "feed", def.Name, "items", len(arts), "took", time.Since(start))
	return nil
}

// Run builds every feed once, then on the schedule until ctx is done. A
// tick that comes while the last build still runs is skipped, and a panic
// in a build is recovered and logged. Run returns once a running build
// has finished.
func (s *Scheduler) Run(ctx context.Context) error {
	logger := cronLogger{s.log}
	c := cron.New(
		cron.WithLocation(s.opts.Location),
		cron.WithLogger(logger),
		cron.WithChain(cron.Recover(logger), cron.SkipIfStillRunning(logger)),
	)
	c.Schedule(s.opts.Schedule, cron.FuncJob(func() {
		if err := s.BuildAll(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("scheduled build failed", "err", err)
		}
	}))
	if err := s.BuildAll(ctx); err != nil && ctx.Err() == nil {
		s.log.Error("first build failed", "err", err)
	}
	c.Start()
	defer func() { <-c.Stop().Done() }()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.trigger:
			if err := s.BuildAll(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("triggered build failed", "err", err)
			}
		}
	}
}

// Trigger asks for a rebuild soon, after a write to the database. It never
// blocks: a burst of requests while one is pending makes a single build.
func (s *Scheduler) Trigger() {
	select {
	case s.trigger <- struct{}{}:
	default:
	}
}

// cronLogger lets robfig/cron log through slog: its chatter at debug
// level, its errors (a recovered panic among them) as errors.
type cronLogger struct{ l *slog.Logger }

func (c cronLogger) Info(msg string, kv ...any) {
	c.l.Debug(msg, append(kv, "component", "cron")...)
}

func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error(msg, append(kv, "component", "cron", "err", err)...)
}
