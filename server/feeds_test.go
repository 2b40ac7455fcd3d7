package server

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/andybalholm/brotli"

	"github.com/feedwright/feedwright/demo"
	"github.com/feedwright/feedwright/feed"
)

// memDocs serves documents built by feed.Build from memory, the way the
// scheduler publishes them: a whole set of pages replaced at once.
type memDocs struct {
	pages atomic.Pointer[map[string][]map[feed.Format]*feed.Document]
}

func (m *memDocs) Document(name string, f feed.Format, page int) (*feed.Document, bool) {
	all := m.pages.Load()
	if all == nil {
		return nil, false
	}
	p := (*all)[name]
	if page < 1 || page > len(p) {
		return nil, false
	}
	d := p[page-1][f]
	return d, d != nil
}

func (m *memDocs) Ready() bool { return m.pages.Load() != nil }

var testSite = feed.Site{
	Title:    "Test News",
	URL:      "https://news.example/",
	BaseURL:  "https://feeds.example",
	Language: "en-US",
	Hubs:     []string{"https://hub.example/", "https://hub2.example/publish"},
	TTL:      15 * time.Minute,
}

var testFeeds = []feed.Definition{{Name: "news", Title: "Test News", Limit: 1}}

// demoArticles is the demo article n times over, each a story of its own.
func demoArticles(t testing.TB, n int) []feed.Article {
	t.Helper()
	a, err := demo.Article()
	if err != nil {
		t.Fatal(err)
	}
	out := make([]feed.Article, n)
	for i := range out {
		b := a
		b.GUID = fmt.Sprintf("%s-%d", a.GUID, i)
		b.Slug = fmt.Sprintf("%s-%d", a.Slug, i)
		b.Title = fmt.Sprintf("%s (%d)", a.Title, i)
		b.PublishedAt = a.PublishedAt.Add(-time.Duration(i) * time.Hour)
		b.UpdatedAt = b.PublishedAt
		out[i] = b
	}
	return out
}

// buildPages renders one page per article, as feed "news".
func buildPages(t testing.TB, arts []feed.Article) []map[feed.Format]*feed.Document {
	t.Helper()
	var pages []map[feed.Format]*feed.Document
	for i := range arts {
		docs, err := feed.Build(feed.Input{
			Site: testSite, Feed: testFeeds[0], Articles: arts[i : i+1],
			Now:  arts[0].PublishedAt.Add(time.Hour),
			Page: feed.Page{Number: i + 1, Last: len(arts)},
		})
		if err != nil {
			t.Fatal(err)
		}
		page := map[feed.Format]*feed.Document{}
		for _, d := range docs {
			page[d.Format] = d
		}
		pages = append(pages, page)
	}
	return pages
}

func newTestServer(t testing.TB, pages int) (*Server, *memDocs) {
	t.Helper()
	docs := &memDocs{}
	if pages > 0 {
		m := map[string][]map[feed.Format]*feed.Document{"news": buildPages(t, demoArticles(t, pages))}
		docs.pages.Store(&m)
	}
	return New(Options{Site: testSite, Feeds: testFeeds, Documents: docs}), docs
}

func do(t testing.TB, h http.Handler, method, target string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Add(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestFeedHeaders(t *testing.T) {
	s, docs := newTestServer(t, 1)
	for _, f := range feed.Formats {
		for _, path := range []string{feed.FeedPath("news", f, 1), map[feed.Format]string{feed.RSS: "/rss.xml", feed.Atom: "/atom.xml", feed.JSON: "/feed.json"}[f]} {
			t.Run(path, func(t *testing.T) {
				doc, _ := docs.Document("news", f, 1)
				w := do(t, s, "GET", path, "Accept-Encoding", "gzip")
				if w.Code != 200 {
					t.Fatalf("status %d, want 200", w.Code)
				}
				want := map[string]string{
					"Content-Type":                  f.ContentType(),
					"Content-Encoding":              "gzip",
					"Content-Length":                strconv.Itoa(len(doc.Gzip)),
					"Vary":                          "Accept-Encoding",
					"ETag":                          doc.GzipETag,
					"Last-Modified":                 doc.LastModified.Format(http.TimeFormat),
					"Cache-Control":                 "public, max-age=900, stale-while-revalidate=900, stale-if-error=86400",
					"Link":                          `<https://hub.example/>; rel="hub", <https://hub2.example/publish>; rel="hub", <https://feeds.example/feeds/news.` + string(f) + `>; rel="self"`,
					"Access-Control-Allow-Origin":   "*",
					"Access-Control-Expose-Headers": "ETag, Link",
					"X-Content-Type-Options":        "nosniff",
				}
				for k, v := range want {
					if got := w.Header().Values(k); len(got) != 1 || got[0] != v {
						t.Errorf("%s = %q, want %q", k, got, v)
					}
				}
				if !strings.HasSuffix(f.ContentType(), "; charset=utf-8") {
					t.Errorf("content type %q has no charset", f.ContentType())
				}
				// The gzip body is the stored one, byte for byte, and
				// it decompresses to the document.
				if !bytes.Equal(w.Body.Bytes(), doc.Gzip) {
					t.Fatalf("gzip body differs from the stored bytes")
				}
				zr, err := gzip.NewReader(bytes.NewReader(w.Body.Bytes()))
				if err != nil {
					t.Fatal(err)
				}
				plain, _ := io.ReadAll(zr)
				if !bytes.Equal(plain, doc.Body) {
					t.Fatalf("gzip body does not decompress to the document")
				}
			})
		}
	}
}

func TestEncodingNegotiation(t *testing.T) {
	s, docs := newTestServer(t, 1)
	doc, _ := docs.Document("news", feed.Atom, 1)
	tests := []struct {
		name     string
		accept   []string // Accept-Encoding lines; nil sends none
		encoding string   // "" is identity
	}{
		{"no header asks for nothing", nil, ""},
		{"empty header", []string{""}, ""},
		{"gzip", []string{"gzip"}, "gzip"},
		{"x-gzip alias", []string{"x-gzip"}, "gzip"},
		{"case-insensitive", []string{"GZip"}, "gzip"},
		{"br", []string{"br"}, "br"},
		{"browser default prefers br", []string{"gzip, deflate, br, zstd"}, "br"},
		{"q decides", []string{"br;q=0.5, gzip;q=0.9"}, "gzip"},
		{"tie goes to the smaller", []string{"gzip;q=0.8, br;q=0.8"}, "br"},
		{"q=0 refuses br", []string{"br;q=0, gzip"}, "gzip"},
		{"q=0 refuses gzip", []string{"gzip;q=0"}, ""},
		{"q=0.000 refuses too", []string{"gzip;q=0.000, identity"}, ""},
		{"star", []string{"*"}, "br"},
		{"star with a refusal", []string{"*, br;q=0"}, "gzip"},
		{"star refused, gzip named", []string{"*;q=0, gzip"}, "gzip"},
		{"only unknown codings", []string{"deflate, compress"}, ""},
		{"identity preferred", []string{"identity;q=1, gzip;q=0.5"}, ""},
		{"identity refused, nothing else: identity anyway", []string{"identity;q=0"}, ""},
		{"malformed weight ignored", []string{"gzip;q=high"}, ""},
		{"spaces and params", []string{" gzip ; q=0.7 , br ; Q=0.6 "}, "gzip"},
		{"several lines", []string{"identity;q=0.1", "gzip"}, "gzip"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hdr []string
			for _, a := range tt.accept {
				hdr = append(hdr, "Accept-Encoding", a)
			}
			w := do(t, s, "GET", "/feeds/news.atom", hdr...)
			if got := w.Header().Get("Content-Encoding"); got != tt.encoding {
				t.Fatalf("Content-Encoding %q, want %q", got, tt.encoding)
			}
			body, etag := doc.Body, doc.ETag
			switch tt.encoding {
			case "gzip":
				body, etag = doc.Gzip, doc.GzipETag
			case "br":
				body, etag = doc.Brotli, doc.BrotliETag
			}
			if w.Header().Get("ETag") != etag || !bytes.Equal(w.Body.Bytes(), body) {
				t.Fatalf("ETag %s and body of %d bytes are not the %q representation", w.Header().Get("ETag"), w.Body.Len(), tt.encoding)
			}
			if w.Header().Get("Vary") != "Accept-Encoding" {
				t.Fatal("no Vary: Accept-Encoding")
			}
		})
	}
}

func TestBrotliRepresentation(t *testing.T) {
	s, docs := newTestServer(t, 1)
	doc, _ := docs.Document("news", feed.JSON, 1)
	w := do(t, s, "GET", "/feeds/news.json", "Accept-Encoding", "br")
	plain, err := io.ReadAll(brotli.NewReader(w.Body))
	if err != nil || !bytes.Equal(plain, doc.Body) {
		t.Fatalf("brotli body does not decompress to the document (err %v)", err)
	}
	if doc.BrotliETag == doc.GzipETag || doc.BrotliETag == doc.ETag || doc.GzipETag == doc.ETag {
		t.Fatal("representations share an ETag")
	}
	// A document stored before brotli existed has none: a client that
	// asks for br gets gzip.
	old := *doc
	old.Brotli, old.BrotliETag = nil, ""
	m := map[string][]map[feed.Format]*feed.Document{"news": {{feed.JSON: &old}}}
	docs.pages.Store(&m)
	w = do(t, s, "GET", "/feeds/news.json", "Accept-Encoding", "br, gzip")
	if w.Header().Get("Content-Encoding") != "gzip" || !bytes.Equal(w.Body.Bytes(), old.Gzip) {
		t.Fatalf("document without brotli served as %q", w.Header().Get("Content-Encoding"))
	}
}

func TestConditionalRequests(t *testing.T) {
	s, docs := newTestServer(t, 1)
	doc, _ := docs.Document("news", feed.RSS, 1)
	lm := doc.LastModified
	date := func(t time.Time) string { return t.UTC().Format(http.TimeFormat) }
	weak := "W/" + doc.GzipETag
	tests := []struct {
		name   string
		header []string
		want   int
	}{
		{"matching ETag", []string{"If-None-Match", doc.GzipETag}, 304},
		{"weakened by a cache", []string{"If-None-Match", weak}, 304},
		{"in a list", []string{"If-None-Match", `"old", ` + weak + `, "other"`}, 304},
		{"in a second field line", []string{"If-None-Match", `"old"`, "If-None-Match", doc.GzipETag}, 304},
		{"star", []string{"If-None-Match", "*"}, 304},
		{"other ETag", []string{"If-None-Match", `"nope"`}, 200},
		{"the identity ETag does not validate the gzip representation", []string{"If-None-Match", doc.ETag}, 200},
		{"unquoted garbage", []string{"If-None-Match", "garbage"}, 200},
		{"If-None-Match wins over If-Modified-Since", []string{"If-None-Match", `"nope"`, "If-Modified-Since", date(lm.Add(time.Hour))}, 200},
		{"matching ETag and an old date", []string{"If-None-Match", doc.GzipETag, "If-Modified-Since", date(lm.Add(-time.Hour))}, 304},
		{"same date", []string{"If-Modified-Since", date(lm)}, 304},
		{"a later arbitrary date", []string{"If-Modified-Since", date(lm.Add(36 * time.Hour))}, 304},
		{"an earlier date", []string{"If-Modified-Since", date(lm.Add(-time.Second))}, 200},
		{"malformed date", []string{"If-Modified-Since", "yesterday"}, 200},
	}
	for _, tt := range tests {
		for _, method := range []string{"GET", "HEAD"} {
			t.Run(method+" "+tt.name, func(t *testing.T) {
				w := do(t, s, method, "/feeds/news.rss", append([]string{"Accept-Encoding", "gzip"}, tt.header...)...)
				if w.Code != tt.want {
					t.Fatalf("status %d, want %d", w.Code, tt.want)
				}
				if tt.want != 304 {
					return
				}
				h := w.Header()
				// A 304 says what a 200 would have said about caching.
				for k, v := range map[string]string{
					"ETag": doc.GzipETag, "Vary": "Accept-Encoding",
					"Cache-Control": s.cacheControl[0], "Last-Modified": date(lm),
				} {
					if h.Get(k) != v {
						t.Errorf("304 %s = %q, want %q", k, h.Get(k), v)
					}
				}
				for _, k := range []string{"Content-Length", "Content-Encoding", "Content-Type"} {
					if h.Get(k) != "" {
						t.Errorf("304 carries %s: %q", k, h.Get(k))
					}
				}
				if w.Body.Len() != 0 {
					t.Errorf("304 has a body of %d bytes", w.Body.Len())
				}
			})
		}
	}
}

func TestHeadMatchesGet(t *testing.T) {
	s, _ := newTestServer(t, 1)
	for _, ae := range []string{"", "gzip", "br"} {
		get := do(t, s, "GET", "/feeds/news.json", "Accept-Encoding", ae)
		head := do(t, s, "HEAD", "/feeds/news.json", "Accept-Encoding", ae)
		if head.Code != 200 || head.Body.Len() != 0 {
			t.Fatalf("HEAD %q: status %d, %d body bytes", ae, head.Code, head.Body.Len())
		}
		for k := range get.Header() {
			if get.Header().Get(k) != head.Header().Get(k) {
				t.Errorf("HEAD %q: %s = %q, GET says %q", ae, k, head.Header().Get(k), get.Header().Get(k))
			}
		}
		if len(get.Header()) != len(head.Header()) {
			t.Errorf("HEAD %q has %d headers, GET %d", ae, len(head.Header()), len(get.Header()))
		}
	}
}

func TestMethodsAndErrors(t *testing.T) {
	s, _ := newTestServer(t, 3)
	tests := []struct {
		method, target string
		status         int
		allow          string
		body           string // a regexp the body must match
	}{
		{"POST", "/feeds/news.rss", 405, "GET, HEAD, OPTIONS", `^method POST is not allowed on /feeds/news.rss; allowed: GET, HEAD, OPTIONS\n$`},
		{"PUT", "/rss.xml", 405, "GET, HEAD, OPTIONS", `^method PUT is not allowed on /rss.xml`},
		{"DELETE", "/feeds/news.json?page=2", 405, "GET, HEAD, OPTIONS", `not allowed`},
		{"POST", "/feeds/news", 405, "GET, HEAD", `^method POST is not allowed on /feeds/news; allowed: GET, HEAD\n$`},
		{"GET", "/feeds/nope.rss", 404, "", `^404 not found: no feed at /feeds/nope.rss\n$`},
		{"GET", "/feeds/news.xml", 404, "", `^404 not found: feed "news" has no format "xml"; it is served as .rss, .atom and .json\n$`},
		{"GET", "/feeds/news.rss?page=4", 404, "", `^404 not found: feed "news" has no page 4\n$`},
		{"GET", "/feeds/news.rss?page=0", 400, "", `^page must be a whole number from 1`},
		{"GET", "/feeds/news.rss?page=-1", 400, "", `^page must be`},
		{"GET", "/feeds/news.rss?page=two", 400, "", `^page must be`},
		{"GET", "/feeds/news.rss?page=02", 400, "", `^page must be`},
		{"GET", "/feeds/news.rss?page=", 400, "", `^page must be`},
		{"GET", "/feeds/news.rss?page=99999999999", 400, "", `^page must be`},
		{"GET", "/feeds/news.rss?page=1", 200, "", ``},
		{"GET", "/feeds/news.rss?page=3&_=123", 200, "", ``},
		{"GET", "/feeds/news.rss?utm_source=x", 200, "", ``},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.target, func(t *testing.T) {
			w := do(t, s, tt.method, tt.target)
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d (body %q)", w.Code, tt.status, w.Body.String())
			}
			if got := w.Header().Get("Allow"); got != tt.allow {
				t.Errorf("Allow %q, want %q", got, tt.allow)
			}
			if tt.body != "" && !regexp.MustCompile(tt.body).MatchString(w.Body.String()) {
				t.Errorf("body %q does not match %s", w.Body.String(), tt.body)
			}
			if tt.status >= 400 && w.Header().Get("Content-Type") != "text/plain; charset=utf-8" {
				t.Errorf("error Content-Type %q", w.Header().Get("Content-Type"))
			}
		})
	}
}

func TestNotBuiltYet(t *testing.T) {
	s, _ := newTestServer(t, 0)
	w := do(t, s, "GET", "/feeds/news.rss")
	if w.Code != 503 || w.Header().Get("Retry-After") == "" || w.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("status %d, Retry-After %q, Cache-Control %q", w.Code, w.Header().Get("Retry-After"), w.Header().Get("Cache-Control"))
	}
	if w := do(t, s, "GET", "/readyz"); w.Code != 503 {
		t.Fatalf("readyz %d before any build", w.Code)
	}
}

func TestPreflight(t *testing.T) {
	s, _ := newTestServer(t, 1)
	w := do(t, s, "OPTIONS", "/feeds/news.json", "Origin", "https://reader.example",
		"Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "if-none-match")
	if w.Code != 204 || w.Body.Len() != 0 {
		t.Fatalf("status %d, body %q", w.Code, w.Body.String())
	}
	for k, v := range map[string]string{
		"Access-Control-Allow-Origin":  "*",
		"Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
		"Access-Control-Allow-Headers": "If-None-Match, If-Modified-Since",
		"Allow":                        "GET, HEAD, OPTIONS",
	} {
		if w.Header().Get(k) != v {
			t.Errorf("%s = %q, want %q", k, w.Header().Get(k), v)
		}
	}
}

// linkRel extracts the URL of relation rel from a Link header.
func linkRel(header, rel string) string {
	m := regexp.MustCompile(`<([^>]*)>; rel="` + rel + `"`).FindStringSubmatch(header)
	if m == nil {
		return ""
	}
	return m[1]
}

func TestPagingWalk(t *testing.T) {
	const pages = 4
	s, docs := newTestServer(t, pages)
	for _, f := range feed.Formats {
		t.Run(string(f), func(t *testing.T) {
			get := func(u string) *httptest.ResponseRecorder {
				t.Helper()
				w := do(t, s, "GET", strings.TrimPrefix(u, testSite.BaseURL), "Accept-Encoding", "gzip")
				if w.Code != 200 {
					t.Fatalf("GET %s: %d", u, w.Code)
				}
				return w
			}
			first := testSite.BaseURL + feed.FeedPath("news", f, 1)
			u := first
			var etags []string
			seen := map[string]bool{}
			// Forward along next to the last page...
			for n := 1; ; n++ {
				w := get(u)
				link := w.Header().Get("Link")
				if linkRel(link, "self") != u || linkRel(link, "first") != first {
					t.Fatalf("page %d: Link %q", n, link)
				}
				if want := testSite.BaseURL + feed.FeedPath("news", f, pages); linkRel(link, "last") != want {
					t.Fatalf("page %d: last %q, want %q", n, linkRel(link, "last"), want)
				}
				doc, _ := docs.Document("news", f, n)
				if w.Header().Get("ETag") != doc.GzipETag || seen[doc.GzipETag] {
					t.Fatalf("page %d: ETag %s is not its own", n, w.Header().Get("ETag"))
				}
				seen[doc.GzipETag] = true
				etags = append(etags, doc.GzipETag)
				if w.Header().Get("Cache-Control") != s.cacheControl[0] {
					t.Fatalf("page %d is not cacheable like the feed", n)
				}
				next := linkRel(link, "next")
				if next == "" {
					if n != pages {
						t.Fatalf("no next link on page %d of %d", n, pages)
					}
					break
				}
				u = next
			}
			// ...and back along previous to the first.
			for n := pages; n > 1; n-- {
				prev := linkRel(get(u).Header().Get("Link"), "previous")
				if prev == "" {
					t.Fatalf("no previous link on page %d", n)
				}
				u = prev
			}
			if u != first || linkRel(get(u).Header().Get("Link"), "previous") != "" {
				t.Fatalf("walk back ended at %s", u)
			}
			// Each page revalidates with its own ETag.
			for n, etag := range etags {
				w := do(t, s, "GET", feed.FeedPath("news", f, n+1), "Accept-Encoding", "gzip", "If-None-Match", etag)
				if w.Code != 304 {
					t.Fatalf("page %d with its ETag: %d", n+1, w.Code)
				}
			}
		})
	}
}

// A publication that drops pages must not leave a stale "last" link on a
// document that did not change.
func TestPagingLinksFollowPublication(t *testing.T) {
	s, docs := newTestServer(t, 3)
	if l := do(t, s, "GET", "/feeds/news.rss").Header().Get("Link"); !strings.Contains(l, "news.rss?page=3>; rel=\"last\"") {
		t.Fatalf("Link %q", l)
	}
	old := *docs.pages.Load()
	m := map[string][]map[feed.Format]*feed.Document{"news": old["news"][:2]}
	docs.pages.Store(&m)
	if l := do(t, s, "GET", "/feeds/news.rss").Header().Get("Link"); !strings.Contains(l, "news.rss?page=2>; rel=\"last\"") {
		t.Fatalf("after dropping page 3, Link %q", l)
	}
	if w := do(t, s, "GET", "/feeds/news.rss?page=3"); w.Code != 404 {
		t.Fatalf("dropped page: %d", w.Code)
	}
}

func TestUnchangedRebuildKeepsETags(t *testing.T) {
	s, docs := newTestServer(t, 2)
	before := map[string]string{}
	for _, f := range feed.Formats {
		for _, ae := range []string{"", "gzip", "br"} {
			before[string(f)+ae] = do(t, s, "GET", feed.FeedPath("news", f, 2), "Accept-Encoding", ae).Header().Get("ETag")
		}
	}
	// A rebuild: new Document values, same content.
	m := map[string][]map[feed.Format]*feed.Document{"news": buildPages(t, demoArticles(t, 2))}
	docs.pages.Store(&m)
	for _, f := range feed.Formats {
		for _, ae := range []string{"", "gzip", "br"} {
			w := do(t, s, "GET", feed.FeedPath("news", f, 2), "Accept-Encoding", ae, "If-None-Match", before[string(f)+ae])
			if w.Code != 304 || w.Header().Get("ETag") != before[string(f)+ae] {
				t.Fatalf("%s %q after rebuild: %d, ETag %s was %s", f, ae, w.Code, w.Header().Get("ETag"), before[string(f)+ae])
			}
		}
	}
}
