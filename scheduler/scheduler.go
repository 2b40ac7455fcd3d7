// Package scheduler keeps every feed's documents true to the database. It
// rebuilds them on the configured cron schedule, soon after writes, and at
// the moment an embargo lifts or an appeal starts or ends; it renders only
// the feeds whose inputs changed, publishes each new set atomically to
// memory for the server and to SQLite for the next start, and tells
// WebSub hubs about what changed.
package scheduler

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/robfig/cron/v3"

	"github.com/feedwright/feedwright/db"
	"github.com/feedwright/feedwright/feed"
)

// Store is what the scheduler needs from the database.
type Store interface {
	// FeedFingerprint is the cheap check: has anything a feed shows changed?
	FeedFingerprint(ctx context.Context, q db.FeedQuery) (db.Fingerprint, error)
	FeedArticles(ctx context.Context, q db.FeedQuery) ([]feed.Article, error)
	Appeals(ctx context.Context) ([]feed.Appeal, error)
	// NextChange is the next moment after now the clock alone changes a feed.
	NextChange(ctx context.Context, now time.Time) (time.Time, bool, error)
	SaveDocuments(ctx context.Context, feedName string, docs []db.StoredDocument) error
	Documents(ctx context.Context) ([]db.StoredDocument, error)
}

// Defaults of the Options left zero.
const (
	DefaultMaxPages       = 50
	DefaultDebounce       = 500 * time.Millisecond
	DefaultPollInterval   = time.Second
	DefaultDrainTimeout   = 10 * time.Second
	DefaultWebSubAttempts = 5
	DefaultWebSubBackoff  = 2 * time.Second
)

// Options configure a Scheduler.
type Options struct {
	Store Store
	Site  feed.Site
	Feeds []feed.Definition
	// Schedule is the safety net that rebuilds whatever the other
	// triggers missed; nil means no scheduled passes at all.
	Schedule cron.Schedule
	Location *time.Location
	Logger   *slog.Logger
	// MaxPages bounds the pages of a feed, its RFC 5005 archive
	// included, so a build costs at most MaxPages×Limit items; older
	// items are in no page. DefaultMaxPages when zero.
	MaxPages int
	// Debounce is how long a Trigger waits for more writes before it
	// builds: every Trigger within the window folds into one build. It
	// runs on wall time, not Clock. DefaultDebounce when zero.
	Debounce time.Duration
	// PollInterval is how often Run asks the store whether another
	// process (an import) wrote anything, when the store can tell
	// (ChangeCount); such a write then rebuilds like a Trigger.
	// DefaultPollInterval when zero; negative turns polling off.
	PollInterval time.Duration
	// DrainTimeout bounds how long Run, once its context is done, lets a
	// running build go on before cancelling it.
	DrainTimeout time.Duration
	// Registerer receives the scheduler's metrics; none when nil.
	Registerer prometheus.Registerer
	// HTTPClient sends WebSub notices to Site.Hubs; a client with a 10s
	// timeout when nil.
	HTTPClient *http.Client
	// WebSubAttempts and WebSubBackoff bound the retries of a notice: at
	// most that many attempts, waiting WebSubBackoff, then twice as long, …
	WebSubAttempts int
	WebSubBackoff  time.Duration
	// Clock is the time source; SystemClock when nil.
	Clock Clock
	// Now, when set and Clock is not, replaces only the clock's reading
	// (timers stay on wall time): enough for tests that build once.
	Now func() time.Time
}

// Scheduler builds and publishes feed documents.
type Scheduler struct {
	opts    Options
	log     *slog.Logger
	clock   Clock
	m       *metrics
	hubs    *notifier
	current atomic.Pointer[snapshot]

	// buildMu makes passes take turns: the cron tick, a triggered
	// rebuild and a wake-up never render at once. It also guards
	// fingerprints.
	buildMu sync.Mutex
	// fingerprints holds, per feed, the inputs of the documents being
	// served; a pass that finds the same inputs renders nothing.
	fingerprints map[string]string

	// trigger holds at most one pending rebuild request; debounced and
	// wake are the debounce timer's and the wake-up timer's signals.
	trigger, debounced, wake chan struct{}
	stopping                 atomic.Bool
	// seenChanges is the store's change count at the start of the last
	// pass; a poll that reads another number asks for a pass.
	seenChanges atomic.Int64

	wakeMu    sync.Mutex
	wakeTimer Timer
	wakeAt    time.Time

	statusMu sync.Mutex
	status   map[string]*FeedStatus

	// onPass, when set (by tests), is called after every pass.
	onPass func(trigger string)
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
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Clock == nil && opts.Now != nil {
		opts.Clock = nowClock{opts.Now}
	}
	if opts.Clock == nil {
		opts.Clock = SystemClock{}
	}
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	if opts.MaxPages <= 0 {
		opts.MaxPages = DefaultMaxPages
	}
	if opts.Debounce <= 0 {
		opts.Debounce = DefaultDebounce
	}
	if opts.DrainTimeout <= 0 {
		opts.DrainTimeout = DefaultDrainTimeout
	}
	if opts.PollInterval == 0 {
		opts.PollInterval = DefaultPollInterval
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if opts.WebSubAttempts <= 0 {
		opts.WebSubAttempts = DefaultWebSubAttempts
	}
	if opts.WebSubBackoff <= 0 {
		opts.WebSubBackoff = DefaultWebSubBackoff
	}
	s := &Scheduler{
		opts:         opts,
		log:          opts.Logger,
		clock:        opts.Clock,
		m:            newMetrics(opts.Registerer, opts.Feeds),
		fingerprints: map[string]string{},
		trigger:      make(chan struct{}, 1),
		debounced:    make(chan struct{}, 1),
		wake:         make(chan struct{}, 1),
		status:       map[string]*FeedStatus{},
	}
	s.hubs = newNotifier(opts.Site.Hubs, opts.HTTPClient, opts.WebSubAttempts, opts.WebSubBackoff, s.log, s.m)
	for _, d := range opts.Feeds {
		s.status[d.Name] = &FeedStatus{Feed: d.Name}
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
		if !known[sd.Feed] || sd.Page < 1 {
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
		s.setStatus(name, func(st *FeedStatus) {
			st.Serving, st.Built, st.Pages = true, p.BuiltAt, len(p.Pages)
		})
	}
	s.log.Info("loaded persisted documents", "feeds", len(feeds))
	return nil
}

// publish swaps in a feed's new documents, every page and format at once.
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

// Run builds every feed once, then keeps them current until ctx is done:
// on the cron schedule, after Trigger, and at each scheduled change. A
// cron tick that comes while the last one still runs is skipped, and a
// panic is recovered and logged. When ctx is done Run takes no more ticks,
// lets a running build finish for up to DrainTimeout (then cancels it),
// stops the WebSub senders and returns; the database may close after.
func (s *Scheduler) Run(ctx context.Context) error {
	// Builds get a context of their own so that shutdown lets them
	// finish, within DrainTimeout, instead of failing half-way.
	buildCtx, cancelBuild := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelBuild()
	var drain atomic.Pointer[time.Timer]
	stopWatch := context.AfterFunc(ctx, func() {
		s.stopping.Store(true)
		drain.Store(time.AfterFunc(s.opts.DrainTimeout, cancelBuild))
	})
	defer func() {
		stopWatch()
		if t := drain.Load(); t != nil {
			t.Stop()
		}
	}()

	s.hubs.start()
	defer s.hubs.stop()

	logger := cronLogger{s.log}
	// SkipIfStillRunning must wrap Recover, not the other way round: a
	// panic escaping the skip wrapper would keep its token, and every
	// later tick would be skipped for good.
	c := cron.New(
		cron.WithLocation(s.opts.Location),
		cron.WithLogger(logger),
		cron.WithChain(cron.SkipIfStillRunning(logger), cron.Recover(logger)),
	)
	if s.opts.Schedule != nil {
		c.Schedule(s.opts.Schedule, cron.FuncJob(func() { s.pass(buildCtx, "cron") }))
	}

	s.pass(buildCtx, "start")
	c.Start()
	var debounce *time.Timer
	var poll <-chan time.Time
	cc, counts := s.opts.Store.(changeCounter)
	if counts && s.opts.PollInterval > 0 {
		// Wall time, like the debounce: it only bounds latency.
		t := time.NewTicker(s.opts.PollInterval)
		defer t.Stop()
		poll = t.C
	}
	for ctx.Err() == nil {
		select {
		case <-ctx.Done():
		case <-poll:
			if n, err := cc.ChangeCount(ctx); err == nil && n != s.seenChanges.Load() {
				s.Trigger()
			}
		case <-s.trigger:
			if debounce == nil {
				// Wall time, not Clock: the debounce is a latency
				// knob, it decides nothing about what a feed shows.
				debounce = time.AfterFunc(s.opts.Debounce, func() { signal(s.debounced) })
			}
		case <-s.debounced:
			debounce = nil
			s.pass(buildCtx, "write")
		case <-s.wake:
			s.pass(buildCtx, "wake")
		}
	}
	s.stopping.Store(true)
	if debounce != nil {
		debounce.Stop()
	}
	s.stopWake()
	<-c.Stop().Done()
	s.log.Info("scheduler stopped")
	return nil
}

// Trigger asks for a rebuild soon, after a write to the database. It never
// blocks. The build starts Debounce after the first request, and every
// request until then folds into it, so a burst of writes makes one build.
// A request that comes while that build runs makes one more after it.
func (s *Scheduler) Trigger() {
	signal(s.trigger)
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

// changeCounter is a store that can tell, in one cheap read, whether
// anything was written since it last said, by this process or another.
type changeCounter interface {
	ChangeCount(ctx context.Context) (int64, error)
}
