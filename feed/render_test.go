package feed_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"
	"github.com/mmcdole/gofeed/rss"

	"github.com/feedwright/feedwright/feed"
)

func render(t *testing.T, in feed.Input, f feed.Format) []byte {
	t.Helper()
	b, err := feed.Render(in, f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestPaging checks the RFC 5005 links of every page of a three-page feed
// in all formats: self is the page's own URL, first and last always,
// previous and next where they exist.
func TestPaging(t *testing.T) {
	const base = "https://news.example.org/feeds/entertainment"
	tests := []struct {
		number, last int
		links        string // rel=page, in document order after self
		next         string // JSON next_url
	}{
		{1, 1, "", ""},
		{1, 3, "first=1 next=2 last=3", "3?"},
		{2, 3, "first=1 previous=1 next=3 last=3", ""},
		{3, 3, "first=1 previous=2 last=3", ""},
	}
	pageURL := func(ext string, n int) string {
		if n == 1 {
			return base + "." + ext
		}
		return fmt.Sprintf("%s.%s?page=%d", base, ext, n)
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d of %d", tt.number, tt.last), func(t *testing.T) {
			in := demoInput(t)
			in.Site.Hubs = nil
			in.Appeals = nil
			in.Page = feed.Page{Number: tt.number, Last: tt.last}

			want := func(ext string) string {
				s := "self=" + pageURL(ext, tt.number)
				for _, l := range strings.Fields(tt.links) {
					rel, n, _ := strings.Cut(l, "=")
					var num int
					fmt.Sscan(n, &num)
					s += " " + rel + "=" + pageURL(ext, num)
				}
				return s
			}

			rf, err := (&rss.Parser{}).Parse(bytes.NewReader(render(t, in, feed.RSS)))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, l := range rf.Extensions["atom"]["link"] {
				got = append(got, l.Attrs["rel"]+"="+l.Attrs["href"])
			}
			if g, w := strings.Join(got, " "), want("rss"); g != w {
				t.Errorf("RSS atom:link\n got %s\nwant %s", g, w)
			}

			af, err := (&atom.Parser{}).Parse(bytes.NewReader(render(t, in, feed.Atom)))
			if err != nil {
				t.Fatal(err)
			}
			got = nil
			for _, l := range af.Links {
				if l.Rel != "alternate" {
					got = append(got, l.Rel+"="+l.Href)
				}
			}
			if g, w := strings.Join(got, " "), want("atom"); g != w {
				t.Errorf("Atom links\n got %s\nwant %s", g, w)
			}
			if af.ID != base+".atom" {
				t.Errorf("Atom id %q: every page shares the first page's id", af.ID)
			}

			var jf struct {
				FeedURL string `json:"feed_url"`
				NextURL string `json:"next_url"`
			}
			if err := json.Unmarshal(render(t, in, feed.JSON), &jf); err != nil {
				t.Fatal(err)
			}
			wantNext := ""
			if tt.number < tt.last {
				wantNext = pageURL("json", tt.number+1)
			}
			if jf.FeedURL != pageURL("json", tt.number) || jf.NextURL != wantNext {
				t.Errorf("JSON feed_url %q next_url %q, want %q %q", jf.FeedURL, jf.NextURL, pageURL("json", tt.number), wantNext)
			}
		})
	}
}

// TestDeterministic: the same input gives the same bytes, and the build
// time alone changes nothing, so an unchanged rebuild keeps its ETag.
func TestDeterministic(t *testing.T) {
	in := demoInput(t)
	first, err := feed.Build(in)
	if err != nil {
		t.Fatal(err)
	}
	later := demoInput(t)
	later.Now = in.Now.Add(36 * time.Hour)
	for _, again := range []feed.Input{demoInput(t), later} {
		docs, err := feed.Build(again)
		if err != nil {
			t.Fatal(err)
		}
		for i, d := range docs {
			if !bytes.Equal(d.Body, first[i].Body) || d.ETag != first[i].ETag || !bytes.Equal(d.Gzip, first[i].Gzip) {
				t.Errorf("%s: a rebuild at %v changed the document", d.Format, again.Now)
			}
			if !d.LastModified.Equal(time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)) {
				t.Errorf("%s: Last-Modified %v, want the appeal's last change", d.Format, d.LastModified)
			}
		}
	}
	if bytes.Contains(first[0].Body, []byte("2024-06")) || bytes.Contains(first[0].Body, []byte("Jun 2024")) {
		t.Errorf("the build time leaked into the RSS document")
	}
}

// TestAppealLifecycle: an appeal shows only inside its window and its
// sections; outside them no format carries any trace of it, and its end
// counts as a content change.
func TestAppealLifecycle(t *testing.T) {
	start := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(2024, 11, 6, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		now      time.Time
		sections []string
		shown    bool
		lastMod  time.Time
	}{
		{"before its start", start.Add(-time.Hour), nil, false, time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)},
		{"running", start.Add(time.Hour), nil, true, start},
		{"running, its section", start.Add(time.Hour), []string{"Politics", "Entertainment"}, true, start},
		{"running, other section", start.Add(time.Hour), []string{"Politics"}, false, time.Date(2015, 3, 27, 16, 20, 0, 0, time.UTC)},
		{"ended", end, nil, false, end},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := demoInput(t)
			in.Now = tt.now
			in.Appeals[0].StartsAt, in.Appeals[0].EndsAt = start, end
			in.Appeals[0].Sections = tt.sections
			if got := feed.LastModified(&in); !got.Equal(tt.lastMod) {
				t.Errorf("LastModified %v, want %v", got, tt.lastMod)
			}
			present := map[feed.Format][]string{
				feed.RSS:  {"<h3>Our 2024 Coverage Needs You</h3>", "utm_source=rss", "<podcast:funding "},
				feed.Atom: {"<h3>Our 2024 Coverage Needs You</h3>", "utm_source=atom", `rel="payment"`},
				feed.JSON: {"<h3>Our 2024 Coverage Needs You</h3>", "utm_source=jsonfeed", `"appeals":`, `"appeal":`},
			}
			traces := []string{"Coverage Needs You", "Support HuffPost", "utm_", "2024-coverage", "podcast", "payment", `"appeal`}
			for _, f := range feed.Formats {
				b := string(render(t, in, f))
				if tt.shown {
					for _, p := range present[f] {
						if !strings.Contains(b, p) {
							t.Errorf("%s: running appeal lacks %q", f, p)
						}
					}
					continue
				}
				for _, tr := range traces {
					if strings.Contains(b, tr) {
						t.Errorf("%s: appeal not running, yet %q is in the document", f, tr)
					}
				}
			}
		})
	}
}

// TestTextHygiene renders the hostile article and reads it back: titles
// are text (markup shown, not interpreted), forbidden characters are gone,
// bad UTF-8 is repaired, "]]>" survives CDATA, relative URLs are absolute,
// dates are RFC 822 with a numeric zone in RSS and RFC 3339 elsewhere, and
// no text relies on numeric character references.
func TestTextHygiene(t *testing.T) {
	in := demoInput(t)
	in.Articles = []feed.Article{hostileArticle()}
	for _, f := range feed.Formats {
		t.Run(string(f), func(t *testing.T) {
			b := render(t, in, f)
			if f != feed.JSON {
				if err := wellFormed(b); err != nil {
					t.Fatalf("not well-formed: %v", err)
				}
				for _, ref := range []string{"&#34;", "&#39;", "&#x9;", "&#xA;", "&#xD;"} {
					if bytes.Contains(b, []byte(ref)) {
						t.Errorf("document uses %s, which some parsers leave undecoded", ref)
					}
				}
			}
			p, err := gofeed.NewParser().ParseString(string(b))
			if err != nil {
				t.Fatal(err)
			}
			it := p.Items[0]
			if want := `<b>Tom & "Jerry"</b> it's done`; it.Title != want {
				t.Errorf("title %q, want %q", it.Title, want)
			}
			c := it.Content
			for _, want := range []string{
				"<p>One ]]> two</p>",
				`href="https://news.example.org/x?a=1&amp;b=2"`,
				`src="https://news.example.org/articles/pic.png"`,
				`srcset="https://news.example.org/articles/a.png 1x, https://news.example.org/b.png 2x"`,
				"\uFFFD bad \uFFFD surrogate  nonchar",
				`<figcaption>say "hi" <small>Illustration: It's me</small></figcaption>`,
			} {
				if !strings.Contains(c, want) {
					t.Errorf("content lacks %q", want)
				}
			}
			for _, r := range c + it.Title + it.Description {
				if r < 0x20 && r != '\n' && r != '\t' || r == 0xFFFE || r >= 0x7f && r <= 0x9f {
					t.Errorf("control character %U survived", r)
				}
			}
			wantDate := map[feed.Format]string{
				feed.RSS:  "Wed, 01 May 2024 14:00:00 +0000",
				feed.Atom: "2024-05-01T14:00:00Z",
				feed.JSON: "2024-05-01T14:00:00Z",
			}[f]
			if it.Published != wantDate {
				t.Errorf("published %q, want %q", it.Published, wantDate)
			}
		})
	}
}

// wellFormed parses b with encoding/xml in strict mode, which rejects
// characters XML forbids and invalid UTF-8.
func wellFormed(b []byte) error {
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		_, err := d.Token()
		if err != nil {
			if err.Error() == "EOF" {
				return nil
			}
			return err
		}
	}
}

// TestSchedulePromises: RSS ttl and the syndication module follow the
// rebuild interval, so readers never poll more often than it changes.
func TestSchedulePromises(t *testing.T) {
	tests := []struct {
		ttl             time.Duration
		wantTTL         string
		period, perTime string
	}{
		{0, "", "", ""},
		{30 * time.Second, "1", "hourly", "120"},
		{time.Minute, "1", "hourly", "60"},
		{15 * time.Minute, "15", "hourly", "4"},
		{90 * time.Second, "2", "hourly", "40"},
		{time.Hour, "60", "hourly", "1"},
		{2 * time.Hour, "120", "daily", "12"},
		{48 * time.Hour, "2880", "weekly", "3"},
	}
	for _, tt := range tests {
		in := demoInput(t)
		in.Site.TTL = tt.ttl
		f, err := (&rss.Parser{}).Parse(bytes.NewReader(render(t, in, feed.RSS)))
		if err != nil {
			t.Fatal(err)
		}
		var period, freq string
		if sy := f.Extensions["sy"]; sy != nil {
			period, freq = sy["updatePeriod"][0].Value, sy["updateFrequency"][0].Value
		}
		if f.TTL != tt.wantTTL || period != tt.period || freq != tt.perTime {
			t.Errorf("TTL %v: ttl %q sy %q×%q, want %q %q×%q", tt.ttl, f.TTL, period, freq, tt.wantTTL, tt.period, tt.perTime)
		}
	}
}

// A video is an enclosure and an attachment only when it is a media file
// of known size: every declared length must be present and true.
func TestVideoAttachedOnlyAsSizedFile(t *testing.T) {
	tests := []struct {
		name     string
		video    feed.Video
		attached bool
	}{
		{"watch page", feed.Video{URL: "https://video.example/watch/1", MIMEType: "text/html"}, false},
		{"file of unknown size", feed.Video{URL: "https://video.example/1.mp4", MIMEType: "video/mp4"}, false},
		{"file of known size", feed.Video{URL: "https://video.example/1.mp4", MIMEType: "video/mp4", Length: 1234567}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := demoInput(t)
			v := tt.video
			v.Title = "The video"
			in.Articles[0].Video = &v
			atom := string(render(t, in, feed.Atom))
			js := string(render(t, in, feed.JSON))
			inAtom := strings.Contains(atom, `href="`+v.URL+`" rel="enclosure"`)
			inJSON := strings.Contains(js, `"url": "`+v.URL+`"`) && strings.Contains(js, `"size_in_bytes": 1234567`)
			if inAtom != tt.attached || inJSON != tt.attached {
				t.Errorf("atom enclosure %v, json attachment %v; want %v", inAtom, inJSON, tt.attached)
			}
			if !strings.Contains(atom, v.URL) || !strings.Contains(js, v.URL) {
				t.Errorf("the video's URL is gone from the document altogether")
			}
		})
	}
}
