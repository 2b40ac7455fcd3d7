package scheduler

import (
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/feedwright/feedwright/feed"
)

// benchHarness is a scheduler over 2,000 articles in 10 sections, with a
// feed per section and one of everything: 11 feeds of 20 items × 50 pages.
func benchHarness(b *testing.B) *harness {
	h := newHarness(b, "", func(o *Options) {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
		o.Registerer = nil
		o.Feeds = []feed.Definition{{Name: "all", Title: "All", Description: "All", Limit: 20}}
		for s := range 10 {
			name := fmt.Sprintf("s%d", s)
			o.Feeds = append(o.Feeds, feed.Definition{Name: name, Title: name, Description: name, Section: name, Limit: 20})
		}
	})
	for i := range 2000 {
		h.put(fmt.Sprintf("a%04d", i), fmt.Sprintf("s%d", i%10), t0.Add(-time.Duration(i)*time.Minute), "body")
	}
	return h
}

// BenchmarkUnchangedPass is a cron tick over feeds none of whose inputs
// changed: the cost of keeping eleven feeds current when nothing happens.
func BenchmarkUnchangedPass(b *testing.B) {
	h := benchHarness(b)
	if err := h.build(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if err := h.build(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if n := h.builds("all", resultPublished); n != 1 {
		b.Fatalf("feed rebuilt %d times", n)
	}
}

// BenchmarkChangedPass is a pass after an edit of one article: the feed of
// everything and one section feed are rendered in full (50 pages × 3
// formats each), the other nine only checked.
func BenchmarkChangedPass(b *testing.B) {
	h := benchHarness(b)
	if err := h.build(); err != nil {
		b.Fatal(err)
	}
	i := 0
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		i++
		h.put("a0000", "s0", t0, fmt.Sprintf("edit %d", i))
		b.StartTimer()
		if err := h.build(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNewArticlePass is a pass after a new article is published: it
// moves every item of its two feeds down a place, so all 50 pages × 3
// formats of each change and are compressed again. Archive pages are
// compressed with feed.EffortFast so that this stays well under a second.
func BenchmarkNewArticlePass(b *testing.B) {
	h := benchHarness(b)
	if err := h.build(); err != nil {
		b.Fatal(err)
	}
	i := 0
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		i++
		// Published at the build time itself: newer than every other
		// article (ties go to the newer row), so it opens both feeds.
		h.put(fmt.Sprintf("new%04d", i), "s0", t0, "news")
		b.StartTimer()
		if err := h.build(); err != nil {
			b.Fatal(err)
		}
	}
}
