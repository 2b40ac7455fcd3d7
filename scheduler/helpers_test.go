package scheduler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/feedwright/feedwright/db"
	"github.com/feedwright/feedwright/feed"
)

// fakeClock is a clock that moves only when the test says so; timers
// fire, each in its own goroutine, when it passes their time.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
}

type fakeTimer struct {
	c       *fakeClock
	at      time.Time
	f       func()
	stopped bool
}

func newFakeClock(t time.Time) *fakeClock { return &fakeClock{now: t} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) AfterFunc(d time.Duration, f func()) Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{c: c, at: c.now.Add(d), f: f}
	if d <= 0 {
		go f()
		t.stopped = true
		return t
	}
	c.timers = append(c.timers, t)
	return t
}

func (t *fakeTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := !t.stopped
	t.stopped = true
	t.c.timers = slices.DeleteFunc(t.c.timers, func(x *fakeTimer) bool { return x == t })
	return was
}

// Set moves the clock to now and fires every timer due by then.
func (c *fakeClock) Set(now time.Time) {
	c.mu.Lock()
	c.now = now
	var due []*fakeTimer
	c.timers = slices.DeleteFunc(c.timers, func(t *fakeTimer) bool {
		if !t.at.After(now) {
			t.stopped = true
			due = append(due, t)
			return true
		}
		return false
	})
	c.mu.Unlock()
	for _, t := range due {
		go t.f()
	}
}

// every is a cron schedule with sub-second periods, so tests can watch the
// real cron engine tick without waiting seconds.
type every time.Duration

func (e every) Next(t time.Time) time.Time { return t.Add(time.Duration(e)) }

// faultStore is the real store with faults a test can switch on for the
// feed of one section: an error or a panic from FeedArticles, or a wait.
type faultStore struct {
	*db.DB
	mu      sync.Mutex
	fail    map[string]error
	panics  map[string]bool
	block   chan struct{} // when set, FeedArticles waits for it to close
	blocked chan struct{} // receives once a FeedArticles call is waiting
}

func (f *faultStore) FeedArticles(ctx context.Context, q db.FeedQuery) ([]feed.Article, error) {
	f.mu.Lock()
	err, panics, block := f.fail[q.Section], f.panics[q.Section], f.block
	f.mu.Unlock()
	if panics {
		panic("injected fault in section " + q.Section)
	}
	if err != nil {
		return nil, err
	}
	if block != nil {
		signal(f.blocked)
		select {
		case <-block:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return f.DB.FeedArticles(ctx, q)
}

func (f *faultStore) setFail(section string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail[section] = err
}

func (f *faultStore) setPanic(section string, on bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.panics[section] = on
}

var errInjected = errors.New("injected failure")

// harness is a scheduler over a real SQLite file.
type harness struct {
	t      testing.TB
	dir    string
	db     *db.DB
	store  *faultStore
	s      *Scheduler
	passes chan string
	cancel context.CancelFunc
	done   chan error
}

var t0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

func testFeeds() []feed.Definition {
	return []feed.Definition{
		{Name: "news", Title: "All news", Description: "Everything", Limit: 20},
		{Name: "music", Title: "Music", Description: "Music", Section: "Music", Limit: 20},
		{Name: "film", Title: "Film", Description: "Film", Section: "Film", Limit: 20},
	}
}

func testSite() feed.Site {
	return feed.Site{Title: "Test News", Description: "Tests", URL: "http://127.0.0.1:9/", BaseURL: "http://127.0.0.1:9",
		Language: "en-US", TTL: time.Minute}
}

func openDB(t testing.TB, dir string) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), dir+"/fw.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// newHarness opens a database in dir (a new one when dir is empty) and
// makes a scheduler over it; adjust changes the options first.
func newHarness(t testing.TB, dir string, adjust func(*Options)) *harness {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	d := openDB(t, dir)
	h := &harness{t: t, dir: dir, db: d, passes: make(chan string, 1000),
		store: &faultStore{DB: d, fail: map[string]error{}, panics: map[string]bool{}, blocked: make(chan struct{}, 1)}}
	opts := Options{
		Store: h.store, Site: testSite(), Feeds: testFeeds(), Schedule: every(time.Hour),
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
		Clock:    newFakeClock(t0),
		Debounce: 20 * time.Millisecond, WebSubBackoff: 5 * time.Millisecond,
		// Polling for other processes' writes is off unless a test is
		// about it, so that the others count passes exactly.
		PollInterval: -1,
		Registerer:   prometheus.NewRegistry(),
	}
	if testing.Verbose() {
		opts.Logger = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if adjust != nil {
		adjust(&opts)
	}
	h.s = New(opts)
	h.s.onPass = func(trigger string) { h.passes <- trigger }
	return h
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(b []byte) (int, error) { w.t.Log(string(b)); return len(b), nil }

func (h *harness) clock() *fakeClock { return h.s.clock.(*fakeClock) }

// run starts the scheduler and waits for its first pass.
func (h *harness) run() {
	h.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel, h.done = cancel, make(chan error, 1)
	go func() { h.done <- h.s.Run(ctx) }()
	h.t.Cleanup(h.stop)
	h.waitPass("start")
}

// stop ends Run and waits for it.
func (h *harness) stop() {
	if h.cancel == nil {
		return
	}
	h.cancel()
	h.cancel = nil
	select {
	case <-h.done:
	case <-time.After(10 * time.Second):
		h.t.Error("Run did not return after cancel")
	}
}

// waitPass waits for the next pass started by trigger, skipping others.
func (h *harness) waitPass(trigger string) {
	h.t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case got := <-h.passes:
			if got == trigger {
				return
			}
		case <-deadline:
			h.t.Fatalf("no %q pass within 10s", trigger)
		}
	}
}

// noPass asserts that no pass happens for a little while.
func (h *harness) noPass(within time.Duration) {
	h.t.Helper()
	select {
	case got := <-h.passes:
		h.t.Fatalf("unexpected %q pass", got)
	case <-time.After(within):
	}
}

func (h *harness) build() error {
	h.t.Helper()
	err := h.s.BuildAll(context.Background())
	<-h.passes
	return err
}

func (h *harness) put(slug, section string, published time.Time, body string) {
	h.t.Helper()
	a := feed.Article{Slug: slug, URL: "https://example.com/" + slug, Title: "Title " + slug, BodyHTML: "<p>" + body + "</p>",
		Section: section, Status: feed.StatusPublished, PublishedAt: published, UpdatedAt: published,
		Authors: []feed.Author{{Name: "A. Writer"}}}
	if _, _, err := h.db.UpsertArticle(context.Background(), a, published); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) doc(name string, f feed.Format, page int) *feed.Document {
	h.t.Helper()
	d, ok := h.s.Document(name, f, page)
	if !ok {
		h.t.Fatalf("feed %s %s page %d: no document", name, f, page)
	}
	return d
}

// items returns the ids of the items of a feed page, from its JSON Feed.
func (h *harness) items(name string, page int) []string {
	h.t.Helper()
	var jf struct {
		Items []struct {
			ID    string `json:"id"`
			Title string `json:"title"`
		} `json:"items"`
	}
	if err := json.Unmarshal(h.doc(name, feed.JSON, page).Body, &jf); err != nil {
		h.t.Fatalf("feed %s page %d: %v", name, page, err)
	}
	var out []string
	for _, it := range jf.Items {
		out = append(out, it.Title)
	}
	sort.Strings(out)
	return out
}

// etags is every document's ETag of a feed, by page and format.
func (h *harness) etags(name string) map[string]string {
	p, ok := h.s.Feed(name)
	if !ok {
		return nil
	}
	out := map[string]string{}
	for i, page := range p.Pages {
		for f, d := range page {
			out[fmt.Sprintf("%d/%s", i+1, f)] = d.ETag + " " + d.LastModified.String()
		}
	}
	return out
}

func value(c prometheus.Collector) float64 {
	ch := make(chan prometheus.Metric, 1)
	go func() { c.Collect(ch); close(ch) }()
	var sum float64
	for m := range ch {
		var pb dto.Metric
		if err := m.Write(&pb); err != nil {
			panic(err)
		}
		switch {
		case pb.Counter != nil:
			sum += pb.Counter.GetValue()
		case pb.Gauge != nil:
			sum += pb.Gauge.GetValue()
		case pb.Histogram != nil:
			sum += float64(pb.Histogram.GetSampleCount())
		}
	}
	return sum
}

func (h *harness) builds(name, result string) int {
	return int(value(h.s.m.builds.WithLabelValues(name, result)))
}
