package scheduler

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/feedwright/feedwright/feed"
)

func TestUnchangedDataKeepsETagsOverTicks(t *testing.T) {
	h := newHarness(t, "", func(o *Options) {
		o.Schedule = every(20 * time.Millisecond) // the real cron engine, ticking fast
	})
	h.put("song", "Music", t0.Add(-time.Hour), "a song")
	h.put("movie", "Film", t0.Add(-2*time.Hour), "a movie")
	h.run()
	before := map[string]map[string]string{}
	for _, d := range testFeeds() {
		before[d.Name] = h.etags(d.Name)
	}
	for range 4 {
		h.waitPass("cron")
	}
	for _, d := range testFeeds() {
		if after := h.etags(d.Name); !maps.Equal(before[d.Name], after) {
			t.Errorf("feed %s: documents changed with no change of data:\n%v\n%v", d.Name, before[d.Name], after)
		}
		if n := h.builds(d.Name, resultPublished); n != 1 {
			t.Errorf("feed %s: published %d times, want once", d.Name, n)
		}
		if n := h.builds(d.Name, resultUnchanged); n < 4 {
			t.Errorf("feed %s: %d unchanged checks, want one per tick (≥4)", d.Name, n)
		}
	}
}

func TestChangedArticleChangesOnlyItsFeeds(t *testing.T) {
	h := newHarness(t, "", nil)
	h.put("song", "Music", t0.Add(-time.Hour), "a song")
	h.put("movie", "Film", t0.Add(-2*time.Hour), "a movie")
	if err := h.build(); err != nil {
		t.Fatal(err)
	}
	news, music, film := h.doc("news", feed.RSS, 1), h.doc("music", feed.RSS, 1), h.doc("film", feed.RSS, 1)

	h.put("movie", "Film", t0.Add(-2*time.Hour), "a movie, corrected")
	if err := h.build(); err != nil {
		t.Fatal(err)
	}
	if h.doc("music", feed.RSS, 1) != music {
		t.Error("music feed was republished though none of its articles changed")
	}
	if n := h.builds("music", resultUnchanged); n != 1 {
		t.Errorf("music: %d unchanged results, want 1 (not even rendered)", n)
	}
	for name, old := range map[string]*feed.Document{"news": news, "film": film} {
		d := h.doc(name, feed.RSS, 1)
		if d.ETag == old.ETag || !strings.Contains(string(d.Body), "a movie, corrected") {
			t.Errorf("%s: the edit did not reach the feed (ETag %s → %s)", name, old.ETag, d.ETag)
		}
	}
}

func TestFutureArticleAppearsOnTime(t *testing.T) {
	h := newHarness(t, "", nil)
	clock := h.clock()
	embargo := t0.Add(time.Hour) // 09:00:00
	h.put("old", "Music", t0.Add(-time.Hour), "old")
	h.put("scoop", "Music", embargo, "the scoop")
	clock.Set(embargo.Add(-time.Minute))
	h.run()
	if got := h.items("music", 1); !slices.Equal(got, []string{"Title old"}) {
		t.Fatalf("before the embargo: items %v, want only the old one", got)
	}
	if at, ok := h.s.NextWake(); !ok || !at.Equal(embargo) {
		t.Fatalf("next wake = %v, %v; want %v", at, ok, embargo)
	}
	clock.Set(embargo.Add(-time.Millisecond))
	h.noPass(50 * time.Millisecond)
	clock.Set(embargo) // 09:00:00 exactly, not at the next cron tick
	h.waitPass("wake")
	if got := h.items("music", 1); !slices.Equal(got, []string{"Title old", "Title scoop"}) {
		t.Fatalf("at the embargo: items %v, want the scoop too", got)
	}
	if got := h.items("film", 1); len(got) != 0 {
		t.Errorf("film feed got %v", got)
	}
	if _, ok := h.s.NextWake(); ok {
		t.Error("a wake-up is still planned with nothing left to happen")
	}
}

func TestAppealShowsOnlyInsideItsWindow(t *testing.T) {
	h := newHarness(t, "", nil)
	clock := h.clock()
	h.put("song", "Music", t0.Add(-time.Hour), "a song")
	start, end := t0.Add(10*time.Minute), t0.Add(70*time.Minute)
	ap := feed.Appeal{Name: "spring", Heading: "Our Coverage Needs You", Text: "Give", ButtonLabel: "Support",
		URL: "https://example.com/give", StartsAt: start, EndsAt: end}
	if _, _, err := h.db.PutAppeal(context.Background(), ap, t0.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	shows := func() bool {
		return strings.Contains(string(h.doc("music", feed.JSON, 1).Body), "Our Coverage Needs You")
	}
	h.run()
	if shows() {
		t.Fatal("appeal shows before its start")
	}
	clock.Set(start)
	h.waitPass("wake")
	if !shows() {
		t.Fatal("appeal does not show once started")
	}
	clock.Set(end)
	h.waitPass("wake")
	if shows() {
		t.Fatal("expired appeal still shows")
	}
}

func TestFailingBuildKeepsOldDocuments(t *testing.T) {
	h := newHarness(t, "", nil)
	h.put("song", "Music", t0.Add(-time.Hour), "a song")
	if err := h.build(); err != nil {
		t.Fatal(err)
	}
	good := h.doc("music", feed.RSS, 1)
	h.store.setFail("Music", errInjected)
	h.put("song2", "Music", t0.Add(-time.Minute), "another song")
	err := h.build()
	if err == nil || !errors.Is(err, errInjected) || !strings.Contains(err.Error(), `feed "music"`) {
		t.Fatalf("BuildAll error = %v, want the music feed's failure", err)
	}
	if h.doc("music", feed.RSS, 1) != good {
		t.Error("a failed build replaced the served documents")
	}
	if got := h.items("news", 1); !slices.Contains(got, "Title song2") {
		t.Errorf("the other feeds must still build: news has %v", got)
	}
	if n := h.builds("music", resultError); n != 1 {
		t.Errorf("music errors counted: %d, want 1", n)
	}
	st := h.s.Status()[1]
	if st.Feed != "music" || st.Failures != 1 || !strings.Contains(st.LastError, "injected failure") || !st.Serving {
		t.Errorf("music status = %+v", st)
	}
	if line := h.s.StatusLines()[1]; !strings.Contains(line, "FAILING") || !strings.Contains(line, `feed "music"`) {
		t.Errorf("readyz line = %q", line)
	}
	if !h.s.Ready() {
		t.Error("not ready though every feed still has documents")
	}

	// Once the fault is gone the next pass catches up, without a new write.
	h.store.setFail("Music", nil)
	if err := h.build(); err != nil {
		t.Fatal(err)
	}
	if got := h.items("music", 1); !slices.Contains(got, "Title song2") {
		t.Errorf("after recovery: music has %v", got)
	}
	if st := h.s.Status()[1]; st.Failures != 0 || st.Checked.IsZero() {
		t.Errorf("after recovery: status %+v", st)
	}
}

func TestPanicInBuildIsRecovered(t *testing.T) {
	h := newHarness(t, "", func(o *Options) { o.Schedule = every(20 * time.Millisecond) })
	h.put("song", "Music", t0.Add(-time.Hour), "a song")
	h.run()
	good := h.doc("music", feed.RSS, 1)
	h.store.setPanic("Music", true)
	h.put("movie", "Film", t0.Add(-time.Minute), "a movie")
	h.put("song", "Music", t0.Add(-time.Hour), "a song, edited")
	h.waitPass("cron")
	h.waitPass("cron") // the cron job survived the panic and ticks on
	if h.builds("music", resultPanic) < 1 {
		t.Error("panic not counted")
	}
	if h.doc("music", feed.RSS, 1) != good {
		t.Error("a panicking build replaced the served documents")
	}
	if got := h.items("film", 1); !slices.Equal(got, []string{"Title movie"}) {
		t.Errorf("the other feeds must still build: film has %v", got)
	}
	if st := h.s.Status()[1]; !strings.Contains(st.LastError, "panicked") {
		t.Errorf("music status = %+v", st)
	}
}

func TestBurstOfWritesGivesBoundedBuilds(t *testing.T) {
	const debounce = 50 * time.Millisecond
	h := newHarness(t, "", func(o *Options) {
		o.Clock = SystemClock{}
		o.Debounce = debounce
	})
	h.run()
	start := time.Now()
	now := time.Now()
	for i := range 100 {
		h.put("burst-"+string(rune('a'+i/26))+string(rune('a'+i%26)), "Music", now.Add(-time.Duration(i)*time.Second), "x")
		h.s.Trigger()
	}
	burst := time.Since(start)
	// Wait for the build that sees the last write.
	for {
		h.waitPass("write")
		if h.s.Status()[0].Items == 100 && h.s.Status()[1].Items == 100 {
			break
		}
	}
	h.noPass(2 * debounce)
	writes := int(value(h.s.m.passes.WithLabelValues("write")))
	bound := int(burst/debounce) + 2
	t.Logf("100 writes in %v gave %d builds (bound %d)", burst, writes, bound)
	if writes > bound || writes > 25 {
		t.Errorf("100 writes in %v gave %d builds; want at most %d", burst, writes, bound)
	}
}

func TestPersistedDocumentsServedAfterRestart(t *testing.T) {
	dir := t.TempDir()
	hub := newFakeHub(t, nil)
	h := newHarness(t, dir, func(o *Options) { o.Site.Hubs = []string{hub.URL} })
	h.put("song", "Music", t0.Add(-time.Hour), "a song")
	if err := h.build(); err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]string{}
	for _, d := range testFeeds() {
		want[d.Name] = h.etags(d.Name)
	}
	h.db.Close()

	// A new process: nothing built yet, only what the last one stored.
	h2 := newHarness(t, dir, func(o *Options) {
		o.Clock = newFakeClock(t0.Add(time.Hour))
		o.Site.Hubs = []string{hub.URL}
	})
	if h2.s.Ready() {
		t.Fatal("ready before loading anything")
	}
	if err := h2.s.LoadPersisted(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !h2.s.Ready() {
		t.Fatal("not ready after loading persisted documents")
	}
	for _, d := range testFeeds() {
		if got := h2.etags(d.Name); !maps.Equal(got, want[d.Name]) {
			t.Errorf("feed %s after restart:\n%v\nwant\n%v", d.Name, got, want[d.Name])
		}
	}
	if !strings.Contains(string(h2.doc("music", feed.Atom, 1).Body), "a song") {
		t.Error("persisted Atom document lost its content")
	}
	// The first build after a restart renders (the binary or the
	// configuration may have changed), finds the same bytes and keeps
	// the loaded documents, validators and all, and tells hubs nothing.
	h2.run()
	hub.waitTotal(t, 0)
	for _, d := range testFeeds() {
		if got := h2.etags(d.Name); !maps.Equal(got, want[d.Name]) {
			t.Errorf("feed %s after the first build:\n%v\nwant\n%v", d.Name, got, want[d.Name])
		}
		if n := h2.builds(d.Name, resultIdentical); n != 1 {
			t.Errorf("feed %s: %d identical results, want 1", d.Name, n)
		}
	}
}

func TestArchivePages(t *testing.T) {
	h := newHarness(t, "", func(o *Options) {
		o.Feeds = []feed.Definition{{Name: "music", Title: "Music", Description: "M", Section: "Music", Limit: 2}}
		o.MaxPages = 3
	})
	for i := range 7 { // one more than 3 pages of 2 hold
		h.put(string(rune('a'+i)), "Music", t0.Add(-time.Duration(i)*time.Hour), "x")
	}
	if err := h.build(); err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"Title a", "Title b"}, {"Title c", "Title d"}, {"Title e", "Title f"}}
	for i, w := range want {
		if got := h.items("music", i+1); !slices.Equal(got, w) {
			t.Errorf("page %d: %v, want %v", i+1, got, w)
		}
	}
	// Each page knows its place (RFC 5005): the renderer links onward
	// from Page, which the scheduler fills in.
	for n, want := range map[int]string{1: "?page=2", 2: "?page=3", 3: ""} {
		var jf struct {
			Next string `json:"next_url"`
		}
		if err := json.Unmarshal(h.doc("music", feed.JSON, n).Body, &jf); err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(jf.Next, want) || (want == "") != (jf.Next == "") {
			t.Errorf("page %d: next_url %q, want …%q", n, jf.Next, want)
		}
	}
	if _, ok := h.s.Document("music", feed.RSS, 4); ok {
		t.Error("page 4 exists beyond max_pages")
	}
	if st := h.s.Status()[0]; st.Items != 6 || st.Pages != 3 {
		t.Errorf("status = %+v, want 6 items on 3 pages", st)
	}
	// All pages are stored for the next start.
	stored, err := h.db.Documents(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != 3*len(feed.Formats) {
		t.Errorf("%d documents stored, want %d", len(stored), 3*len(feed.Formats))
	}
}

func TestPaginate(t *testing.T) {
	arts := make([]feed.Article, 5)
	for _, tt := range []struct {
		n, limit int
		want     []int
	}{
		{0, 2, []int{0}},
		{1, 2, []int{1}},
		{4, 2, []int{2, 2}},
		{5, 2, []int{2, 2, 1}},
	} {
		var got []int
		for _, p := range paginate(arts[:tt.n], tt.limit) {
			got = append(got, len(p))
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("paginate(%d, %d) = %v, want %v", tt.n, tt.limit, got, tt.want)
		}
	}
}

func TestShutdownLetsRunningBuildFinish(t *testing.T) {
	h := newHarness(t, "", func(o *Options) { o.DrainTimeout = 10 * time.Second })
	h.put("song", "Music", t0.Add(-time.Hour), "a song")
	release := make(chan struct{})
	h.store.block = release
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.s.Run(ctx) }()
	<-h.store.blocked // the first build is under way
	cancel()
	select {
	case <-done:
		t.Fatal("Run returned while a build was still running")
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after the build finished")
	}
	if got := h.items("music", 1); !slices.Equal(got, []string{"Title song"}) {
		t.Errorf("the build under way at shutdown did not complete: %v", got)
	}
}

func TestShutdownCancelsBuildAfterDrainTimeout(t *testing.T) {
	h := newHarness(t, "", func(o *Options) { o.DrainTimeout = 50 * time.Millisecond })
	h.store.block = make(chan struct{}) // never released
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.s.Run(ctx) }()
	<-h.store.blocked
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run ignored the drain timeout")
	}
	if h.builds("news", resultError) != 0 {
		t.Error("a build cancelled by shutdown was counted as a failure")
	}
}

func TestMetricsExposed(t *testing.T) {
	reg := prometheus.NewRegistry()
	h := newHarness(t, "", func(o *Options) { o.Registerer = reg })
	h.put("song", "Music", t0.Add(-time.Hour), "a song")
	if err := h.build(); err != nil {
		t.Fatal(err)
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, mf := range families {
		got[mf.GetName()] = true
	}
	for _, name := range []string{
		"feedwright_build_duration_seconds", "feedwright_builds_total", "feedwright_feed_last_success_timestamp_seconds",
		"feedwright_feed_items", "feedwright_feed_pages", "feedwright_websub_notifications_total",
		"feedwright_build_passes_total", "feedwright_feed_update_duration_seconds",
	} {
		if !got[name] {
			t.Errorf("metric %s not registered", name)
		}
	}
	if v := value(h.s.m.renderSeconds.WithLabelValues("music", "atom").(prometheus.Histogram)); v != 1 {
		t.Errorf("music atom build durations observed: %v, want 1", v)
	}
	if v := value(h.s.m.lastSuccess.WithLabelValues("music")); v != float64(t0.Unix()) {
		t.Errorf("last success = %v, want %d", v, t0.Unix())
	}
	if v := value(h.s.m.items.WithLabelValues("news")); v != 1 {
		t.Errorf("news items = %v, want 1", v)
	}
}

// Why the first pass after a start renders every feed instead of trusting
// a stored fingerprint: the data may be the same while the configuration
// (or the renderer in a new binary) is not.
func TestRestartPicksUpConfigurationChange(t *testing.T) {
	dir := t.TempDir()
	h := newHarness(t, dir, nil)
	h.put("song", "Music", t0.Add(-time.Hour), "a song")
	if err := h.build(); err != nil {
		t.Fatal(err)
	}
	h.db.Close()
	h2 := newHarness(t, dir, func(o *Options) { o.Feeds[1].Title = "Tunes and Records" })
	if err := h2.s.LoadPersisted(context.Background()); err != nil {
		t.Fatal(err)
	}
	h2.run()
	if !strings.Contains(string(h2.doc("music", feed.RSS, 1).Body), "Tunes and Records") {
		t.Error("the new feed title did not reach the feed after a restart")
	}
}

// An appeal for Film sections changes the inputs of every feed (appeals
// are checked as a whole), but not the bytes of the music feed: that feed
// is rendered, found identical, and keeps its documents.
func TestIdenticalRebuildKeepsValidators(t *testing.T) {
	h := newHarness(t, "", nil)
	h.put("song", "Music", t0.Add(-time.Hour), "a song")
	h.put("movie", "Film", t0.Add(-time.Hour), "a movie")
	if err := h.build(); err != nil {
		t.Fatal(err)
	}
	music, film := h.etags("music"), h.doc("film", feed.RSS, 1)
	ap := feed.Appeal{Name: "cinema", Heading: "Fund Our Film Desk", URL: "https://example.com/give", Sections: []string{"Film"}}
	if _, _, err := h.db.PutAppeal(context.Background(), ap, t0.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := h.build(); err != nil {
		t.Fatal(err)
	}
	if n := h.builds("music", resultIdentical); n != 1 {
		t.Errorf("music: %d identical results, want 1", n)
	}
	if got := h.etags("music"); !maps.Equal(got, music) {
		t.Errorf("music validators changed:\n%v\n%v", music, got)
	}
	if d := h.doc("film", feed.RSS, 1); d == film || !strings.Contains(string(d.Body), "Fund Our Film Desk") {
		t.Error("film feed did not get its appeal")
	}
}

func TestAppealsFingerprint(t *testing.T) {
	base := feed.Appeal{Name: "a", Heading: "Give", URL: "https://example.com/", Revision: 1,
		StartsAt: t0, EndsAt: t0.Add(time.Hour)}
	edited := base
	edited.Heading = "Give now" // deleted and created again: same name, same revision
	sum := appealsFingerprint([]feed.Appeal{base}, t0)
	for name, tt := range map[string]struct {
		appeals []feed.Appeal
		now     time.Time
		same    bool
	}{
		"unchanged":       {[]feed.Appeal{base}, t0.Add(time.Minute), true},
		"recreated":       {[]feed.Appeal{edited}, t0, false},
		"ended":           {[]feed.Appeal{base}, t0.Add(time.Hour), false},
		"not started yet": {[]feed.Appeal{base}, t0.Add(-time.Second), false},
		"deleted":         {nil, t0, false},
	} {
		if got := appealsFingerprint(tt.appeals, tt.now) == sum; got != tt.same {
			t.Errorf("%s: same fingerprint = %v, want %v", name, got, tt.same)
		}
	}
}

// A change that adds no newer date (here the newest article retracted)
// must still move Last-Modified forward: a client that revalidates with
// If-Modified-Since alone would otherwise be told 304 and keep showing
// the retracted story.
func TestLastModifiedNeverGoesBack(t *testing.T) {
	h := newHarness(t, "", nil)
	h.put("old", "news", t0.Add(-2*time.Hour), "old")
	h.put("new", "news", t0.Add(-time.Hour), "new")
	if err := h.build(); err != nil {
		t.Fatal(err)
	}
	before := h.doc("news", feed.RSS, 1)
	if want := t0.Add(-time.Hour); !before.LastModified.Equal(want) {
		t.Fatalf("Last-Modified %v, want the newest article's %v", before.LastModified, want)
	}
	later := t0.Add(10 * time.Minute)
	h.clock().Set(later)
	if _, err := h.db.RetractArticle(context.Background(), "new", later); err != nil {
		t.Fatal(err)
	}
	if err := h.build(); err != nil {
		t.Fatal(err)
	}
	after := h.doc("news", feed.RSS, 1)
	if after.ETag == before.ETag {
		t.Fatal("retraction did not change the document")
	}
	if !after.LastModified.After(before.LastModified) {
		t.Errorf("Last-Modified went from %v to %v after a change; want it later", before.LastModified, after.LastModified)
	}
	// A pass with nothing new keeps it where it is.
	h.clock().Set(later.Add(time.Hour))
	if err := h.build(); err != nil {
		t.Fatal(err)
	}
	if again := h.doc("news", feed.RSS, 1); !again.LastModified.Equal(after.LastModified) || again.ETag != after.ETag {
		t.Errorf("an unchanged pass moved Last-Modified %v → %v", after.LastModified, again.LastModified)
	}
}

// An import runs in a process of its own and cannot call Trigger; the
// scheduler notices its writes through the store's change count and
// rebuilds within about a second, not at the next cron tick.
func TestWriteFromAnotherProcessRebuilds(t *testing.T) {
	h := newHarness(t, "", func(o *Options) { o.PollInterval = 50 * time.Millisecond })
	h.run()
	// A second connection to the same file, as `feedwright import` opens.
	other := openDB(t, h.dir)
	a := feed.Article{Slug: "imported", URL: "https://example.com/imported", Title: "Imported", BodyHTML: "<p>x</p>",
		Section: "news", Status: feed.StatusPublished, PublishedAt: t0.Add(-time.Minute), UpdatedAt: t0.Add(-time.Minute)}
	if _, _, err := other.UpsertArticle(context.Background(), a, t0); err != nil {
		t.Fatal(err)
	}
	h.waitPass("write")
	if doc := h.doc("news", feed.RSS, 1); !strings.Contains(string(doc.Body), "Imported") {
		t.Error("the imported article is not in the feed after the pass it caused")
	}
	// Nothing more was written: the polls ask for no further pass.
	h.noPass(300 * time.Millisecond)
}
