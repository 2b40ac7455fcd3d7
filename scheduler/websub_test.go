package scheduler

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/feedwright/feedwright/feed"
)

// fakeHub is a WebSub hub on loopback that records publish notices.
type fakeHub struct {
	*httptest.Server
	mu       sync.Mutex
	requests int
	topics   map[string]int // successful notices by topic
	bad      []string       // what was wrong with any request
	// answer picks the status of the n-th request (from 1).
	answer func(n int) int
}

func newFakeHub(t *testing.T, answer func(n int) int) *fakeHub {
	h := &fakeHub{topics: map[string]int{}, answer: answer}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		h.requests++
		n := h.requests
		h.mu.Unlock()
		code := http.StatusNoContent
		if h.answer != nil {
			code = h.answer(n)
		}
		// Reading the body first lets the server notice a client
		// that hangs up, which ends r.Context().
		formErr := r.ParseForm()
		if code == 0 { // hang until the client gives up
			<-r.Context().Done()
			return
		}
		h.mu.Lock()
		defer h.mu.Unlock()
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
			h.bad = append(h.bad, r.Method+" "+r.Header.Get("Content-Type"))
		}
		if formErr != nil || r.PostForm.Get("hub.mode") != "publish" || len(r.PostForm["hub.url"]) != 1 {
			h.bad = append(h.bad, r.PostForm.Encode())
		}
		if code < 300 {
			h.topics[r.PostForm.Get("hub.url")]++
		}
		w.WriteHeader(code)
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *fakeHub) snapshot() (map[string]int, int, []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[string]int{}
	total := 0
	for k, v := range h.topics {
		out[k] = v
		total += v
	}
	return out, total, append([]string(nil), h.bad...)
}

// waitTotal waits until the hub has taken want notices, then a little
// longer to make sure no more come.
func (h *fakeHub) waitTotal(t *testing.T, want int) map[string]int {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, total, _ := h.snapshot()
		if total >= want || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	topics, total, bad := h.snapshot()
	if len(bad) > 0 {
		t.Errorf("malformed publish requests: %q", bad)
	}
	if total != want {
		t.Fatalf("hub took %d notices, want %d: %v", total, want, topics)
	}
	return topics
}

func topic(name string, f feed.Format) string { return testSite().BaseURL + feed.FeedPath(name, f, 1) }

func TestWebSubOnePublishPerChange(t *testing.T) {
	hub := newFakeHub(t, nil)
	h := newHarness(t, "", func(o *Options) { o.Site.Hubs = []string{hub.URL} })
	h.put("song", "Music", t0.Add(-time.Hour), "a song")
	h.run()
	// The first publication of each feed is a change of every topic.
	got := hub.waitTotal(t, len(testFeeds())*len(feed.Formats))
	for _, d := range testFeeds() {
		for _, f := range feed.Formats {
			if got[topic(d.Name, f)] != 1 {
				t.Errorf("topic %s notified %d times, want 1", topic(d.Name, f), got[topic(d.Name, f)])
			}
		}
	}

	// A rebuild that changes nothing tells the hub nothing.
	h.s.Trigger()
	h.waitPass("write")
	hub.waitTotal(t, 9)

	// An edit of a Music story changes the music and news feeds only.
	h.put("song", "Music", t0.Add(-time.Hour), "a song, edited")
	h.s.Trigger()
	h.waitPass("write")
	got = hub.waitTotal(t, 9+6)
	for _, f := range feed.Formats {
		for name, want := range map[string]int{"news": 2, "music": 2, "film": 1} {
			if got[topic(name, f)] != want {
				t.Errorf("topic %s notified %d times, want %d", topic(name, f), got[topic(name, f)], want)
			}
		}
	}
	if n := value(h.s.m.websub.WithLabelValues(hubOK)); n != 15 {
		t.Errorf("ok notices counted: %v, want 15", n)
	}
}

func TestWebSubRetriesWithBackoff(t *testing.T) {
	hub := newFakeHub(t, func(n int) int {
		if n <= 2 {
			return http.StatusServiceUnavailable
		}
		return http.StatusNoContent
	})
	h := newHarness(t, "", func(o *Options) {
		o.Site.Hubs = []string{hub.URL}
		o.Feeds = o.Feeds[:1]
	})
	h.run()
	got := hub.waitTotal(t, 3)
	for _, f := range feed.Formats {
		if got[topic("news", f)] != 1 {
			t.Errorf("topic %s: %d notices, want 1", topic("news", f), got[topic("news", f)])
		}
	}
	if r := value(h.s.m.websub.WithLabelValues(hubRetry)); r != 2 {
		t.Errorf("retries counted: %v, want 2", r)
	}
}

func TestWebSubGivesUp(t *testing.T) {
	for _, tt := range []struct {
		name     string
		code     int
		requests int // per topic
	}{
		{"refused", http.StatusBadRequest, 1}, // final: no retry
		{"down", http.StatusBadGateway, 3},    // retried up to the bound
	} {
		t.Run(tt.name, func(t *testing.T) {
			hub := newFakeHub(t, func(int) int { return tt.code })
			h := newHarness(t, "", func(o *Options) {
				o.Site.Hubs = []string{hub.URL}
				o.Feeds = o.Feeds[:1]
				o.WebSubAttempts = 3
			})
			h.run()
			deadline := time.Now().Add(10 * time.Second)
			for value(h.s.m.websub.WithLabelValues(hubFailed)) < 3 && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			time.Sleep(50 * time.Millisecond)
			hub.mu.Lock()
			requests := hub.requests
			hub.mu.Unlock()
			if f := value(h.s.m.websub.WithLabelValues(hubFailed)); f != 3 || requests != 3*tt.requests {
				t.Errorf("failed = %v, requests = %d; want 3 and %d", f, requests, 3*tt.requests)
			}
		})
	}
}

func TestWebSubHangingHubBlocksNothing(t *testing.T) {
	hub := newFakeHub(t, func(int) int { return 0 })
	h := newHarness(t, "", func(o *Options) {
		o.Site.Hubs = []string{hub.URL}
		o.HTTPClient = &http.Client{} // no timeout: only shutdown ends the wait
	})
	h.run() // the first pass completes though the hub never answers
	h.put("song", "Music", t0.Add(-time.Hour), "a song")
	h.s.Trigger()
	h.waitPass("write")
	if got := h.items("music", 1); len(got) != 1 {
		t.Fatalf("music items %v", got)
	}
	start := time.Now()
	h.stop()
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("shutdown took %v with a hanging hub", d)
	}
	if value(h.s.m.websub.WithLabelValues(hubDropped)) < 1 {
		t.Error("abandoned notices not counted as dropped")
	}
}
