package feed_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/feedwright/feedwright/demo"
	"github.com/feedwright/feedwright/feed"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// demoNow is the build time of the golden documents: while the demo
// appeal runs, long after the article's publication.
var demoNow = time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)

func demoSite() feed.Site {
	return feed.Site{
		Title:       "Feedwright Demo News",
		Description: "Entertainment and culture from the Feedwright demo newsroom.",
		URL:         "https://news.example.org/",
		BaseURL:     "https://news.example.org",
		Language:    "en-US",
		Icon:        "/favicon.ico",
		Logo:        "/demo/media/close-your-eyes-poster.png",
		Rights:      "© 2015 the authors and artists credited",
		Hubs:        []string{"https://hub.example.org/"},
		TTL:         15 * time.Minute,
	}
}

// demoInput is the demo article with its appeal running, as the
// entertainment feed carries it.
func demoInput(t testing.TB) feed.Input {
	t.Helper()
	a, err := demo.Article()
	if err != nil {
		t.Fatal(err)
	}
	ap, err := demo.Appeal()
	if err != nil {
		t.Fatal(err)
	}
	return feed.Input{
		Site: demoSite(),
		Feed: feed.Definition{
			Name: "entertainment", Title: "Feedwright Demo News — Entertainment",
			Description: "Music, film and culture.", Section: "Entertainment", Limit: 20,
		},
		Articles: []feed.Article{a},
		Appeals:  []feed.Appeal{ap},
		Now:      demoNow,
		Page:     feed.Page{Number: 1, Last: 1},
	}
}

var goldenNames = map[feed.Format]string{
	feed.RSS:  "demo.rss.xml",
	feed.Atom: "demo.atom.xml",
	feed.JSON: "demo.feed.json",
}

func TestGolden(t *testing.T) {
	in := demoInput(t)
	for _, f := range feed.Formats {
		t.Run(string(f), func(t *testing.T) {
			got, err := feed.Render(in, f)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", goldenNames[f])
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./feed -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the rendered document; review the change and run go test ./feed -update\n%s", path, firstDiff(want, got))
			}
		})
	}
}

// firstDiff shows the first line where two documents part.
func firstDiff(want, got []byte) string {
	wl, gl := bytes.Split(want, []byte("\n")), bytes.Split(got, []byte("\n"))
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g []byte
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if !bytes.Equal(w, g) {
			return "line " + itoa(i+1) + ":\n- " + string(w) + "\n+ " + string(g)
		}
	}
	return ""
}

func itoa(n int) string { return string(fmt.Appendf(nil, "%d", n)) }

// BenchmarkBuild renders the demo page in all three formats with their
// gzip forms and ETags, as the scheduler does on every change.
func BenchmarkBuild(b *testing.B) {
	in := demoInput(b)
	var size int
	for b.Loop() {
		docs, err := feed.Build(in)
		if err != nil {
			b.Fatal(err)
		}
		size = 0
		for _, d := range docs {
			size += len(d.Body)
		}
	}
	b.ReportMetric(float64(size), "bytes/build")
}

// BenchmarkRender renders each format alone, without compression.
func BenchmarkRender(b *testing.B) {
	in := demoInput(b)
	for _, f := range feed.Formats {
		b.Run(string(f), func(b *testing.B) {
			for b.Loop() {
				if _, err := feed.Render(in, f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
