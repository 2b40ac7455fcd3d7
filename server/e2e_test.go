package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/feedwright/feedwright/db"
	"github.com/feedwright/feedwright/demo"
	"github.com/feedwright/feedwright/feed"
	"github.com/feedwright/feedwright/scheduler"
)

// stack is the real thing on loopback: SQLite in a temporary directory,
// the scheduler publishing, and the server behind an HTTP listener.
type stack struct {
	store *db.DB
	sched *scheduler.Scheduler
	srv   *httptest.Server
	reg   *prometheus.Registry
	// client does not ask for compression by itself, so each test says
	// what it accepts and sees the bytes as served.
	client *http.Client
}

func newStack(t *testing.T, articles int) *stack {
	return newStackLimit(t, articles, 20)
}

// newStackLimit is newStack with limit items per feed page.
func newStackLimit(t *testing.T, articles, limit int) *stack {
	t.Helper()
	ctx := context.Background()
	store, err := db.Open(ctx, t.TempDir()+"/fw.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	// In the past, so the feed page (which reads the wall clock) sees
	// what the scheduler published.
	now := time.Date(2025, 11, 27, 12, 0, 0, 0, time.UTC)
	for _, a := range demoArticles(t, articles) {
		a.PublishedAt = now.Add(-time.Duration(len(a.Slug)) * time.Minute)
		if _, _, err := store.UpsertArticle(ctx, a, now.Add(-24*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	ap, err := demo.Appeal()
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := store.PutAppeal(ctx, ap, now.Add(-24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	st := &stack{store: store, reg: prometheus.NewRegistry(),
		client: &http.Client{Transport: &http.Transport{DisableCompression: true}}}
	srv := httptest.NewUnstartedServer(nil)
	site := testSite
	site.BaseURL = "http://" + srv.Listener.Addr().String()
	defs := []feed.Definition{{Name: "news", Title: "Test News", Limit: limit}}
	st.sched = scheduler.New(scheduler.Options{Store: store, Site: site, Feeds: defs, Now: func() time.Time { return now }})
	if err := st.sched.BuildAll(ctx); err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = New(Options{Site: site, Feeds: defs, Documents: st.sched, Articles: store,
		Metrics: st.reg, Registerer: st.reg})
	srv.Start()
	t.Cleanup(srv.Close)
	st.srv = srv
	return st
}

func (st *stack) get(t *testing.T, path string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", st.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := st.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func TestEndToEnd(t *testing.T) {
	st := newStack(t, 3)
	doc, ok := st.sched.Document("news", feed.RSS, 1)
	if !ok {
		t.Fatal("nothing published")
	}

	// The gzip body on the wire is the stored one, byte for byte.
	resp, body := st.get(t, "/feeds/news.rss", "Accept-Encoding", "gzip")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "gzip" || !bytes.Equal(body, doc.Gzip) {
		t.Fatalf("status %d, encoding %q, body equal to stored gzip: %v", resp.StatusCode,
			resp.Header.Get("Content-Encoding"), bytes.Equal(body, doc.Gzip))
	}
	etag := resp.Header.Get("ETag")

	// The HTTP freshness promise and the RSS ttl are the same promise
	// (Miniflux waits the larger of the two).
	if m := regexp.MustCompile(`<ttl>(\d+)</ttl>`).FindSubmatch(doc.Body); m == nil {
		t.Error("the RSS document has no ttl")
	} else if ttl, _ := strconv.Atoi(string(m[1])); !strings.Contains(resp.Header.Get("Cache-Control"), fmt.Sprintf("max-age=%d,", ttl*60)) {
		t.Errorf("RSS ttl %d minutes, Cache-Control %q", ttl, resp.Header.Get("Cache-Control"))
	}

	// HEAD over the wire: same headers, no body.
	req, _ := http.NewRequest("HEAD", st.srv.URL+"/feeds/news.rss", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	head, err := st.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := io.Copy(io.Discard, head.Body)
	head.Body.Close()
	if head.StatusCode != 200 || n != 0 || head.Header.Get("ETag") != etag ||
		head.Header.Get("Content-Length") != fmt.Sprint(len(doc.Gzip)) {
		t.Fatalf("HEAD: %d, %d body bytes, ETag %q, Content-Length %q", head.StatusCode, n,
			head.Header.Get("ETag"), head.Header.Get("Content-Length"))
	}

	// A rebuild with nothing changed keeps every ETag: the poller gets 304.
	if err := st.sched.BuildAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	if again, _ := st.sched.Document("news", feed.RSS, 1); again.GzipETag != doc.GzipETag {
		t.Fatalf("rebuild changed the ETag: %s → %s", doc.GzipETag, again.GzipETag)
	}
	resp, body = st.get(t, "/feeds/news.rss", "Accept-Encoding", "gzip", "If-None-Match", etag)
	if resp.StatusCode != 304 || len(body) != 0 || resp.Header.Get("ETag") != etag {
		t.Fatalf("revalidation after rebuild: %d, %d bytes, ETag %q", resp.StatusCode, len(body), resp.Header.Get("ETag"))
	}
	resp, _ = st.get(t, "/feeds/news.rss", "Accept-Encoding", "gzip",
		"If-Modified-Since", resp.Header.Get("Last-Modified"))
	if resp.StatusCode != 304 {
		t.Fatalf("If-Modified-Since its own Last-Modified: %d", resp.StatusCode)
	}

	// A 405 over the wire, from a real client.
	resp2, err := st.client.Post(st.srv.URL+"/feeds/news.atom", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp2.Body.Close()
	if resp2.StatusCode != 405 || resp2.Header.Get("Allow") != "GET, HEAD, OPTIONS" {
		t.Fatalf("POST: %d, Allow %q", resp2.StatusCode, resp2.Header.Get("Allow"))
	}
	if resp, _ := st.get(t, "/feeds/news.atom?page=2"); resp.StatusCode != 404 {
		t.Fatalf("page past the end: %d", resp.StatusCode)
	}
	if resp, _ := st.get(t, "/readyz"); resp.StatusCode != 200 {
		t.Fatalf("readyz: %d", resp.StatusCode)
	}
	if resp, _ := st.get(t, "/healthz"); resp.StatusCode != 200 {
		t.Fatalf("healthz: %d", resp.StatusCode)
	}

	// The metrics count what was answered, by route (HEAD shares GET's)
	// and status, and the body bytes sent.
	_, metrics := st.get(t, "/metrics")
	for _, want := range []string{
		`feedwright_http_requests_total{code="200",route="GET /feeds/news.rss"} 2`,
		`feedwright_http_requests_total{code="304",route="GET /feeds/news.rss"} 2`,
		fmt.Sprintf(`feedwright_http_response_bytes_total{route="GET /feeds/news.rss"} %d`, len(doc.Gzip)),
		`feedwright_http_requests_total{code="405",route="/feeds/news.atom"} 1`,
		`feedwright_http_requests_total{code="404",route="GET /feeds/news.atom"} 1`,
		`feedwright_http_request_duration_seconds_count{route="GET /feeds/news.rss"} 4`,
	} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func TestPagesForPeople(t *testing.T) {
	st := newStack(t, 2)
	resp, body := st.get(t, "/")
	page := string(body)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("index: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, f := range feed.Formats {
		want := fmt.Sprintf(`<link rel="alternate" type="%s" title="Test News (%s)" href="%s%s">`,
			strings.TrimSuffix(f.ContentType(), "; charset=utf-8"),
			f.Label(), st.srv.URL, feed.FeedPath("news", f, 1))
		if !strings.Contains(page, want) {
			t.Errorf("index lacks %s", want)
		}
	}
	if !strings.Contains(page, `href="/feeds/news"`) {
		t.Error("index does not link the feed's page")
	}

	resp, body = st.get(t, "/feeds/news")
	page = string(body)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("feed page: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	a, _ := demo.Article()
	img := a.Galleries[0].Images[2]
	for _, want := range []string{
		"<h1>Test News</h1>",
		// Subscribe links in each format.
		`href="` + st.srv.URL + `/feeds/news.rss">`,
		`href="` + st.srv.URL + `/feeds/news.atom"`,
		`href="` + st.srv.URL + `/feeds/news.json"`,
		// Every item, with its gallery images and their credits.
		"(0)</a></h2>", "(1)</a></h2>",
		`src="` + st.srv.URL + img.URL + `"`,
		"<small>Illustration: " + img.Credit + "</small>",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("feed page lacks %s", want)
		}
	}
	if resp, _ := st.get(t, "/feeds/news?page=2"); resp.StatusCode != 404 {
		t.Errorf("feed page 2 of 1: %d", resp.StatusCode)
	}
}

var (
	xmlLinkTag = regexp.MustCompile(`<(?:atom:)?link\b[^>]*>`)
	xmlAttr    = regexp.MustCompile(`\b(rel|href)="([^"]*)"`)
)

// documentLinks reads the RFC 5005 links a document carries: atom:link
// (RSS) and link (Atom) elements, or JSON Feed's next_url.
func documentLinks(t *testing.T, f feed.Format, body []byte) map[string]string {
	t.Helper()
	out := map[string]string{}
	if f == feed.JSON {
		var doc struct {
			NextURL string `json:"next_url"`
			FeedURL string `json:"feed_url"`
		}
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Fatal(err)
		}
		if doc.NextURL != "" {
			out["next"] = doc.NextURL
		}
		out["self"] = doc.FeedURL
		return out
	}
	for _, tag := range xmlLinkTag.FindAllString(string(body), -1) {
		attrs := map[string]string{}
		for _, m := range xmlAttr.FindAllStringSubmatch(tag, -1) {
			attrs[m[1]] = m[2]
		}
		if rel := attrs["rel"]; rel != "" {
			out[rel] = attrs["href"]
		}
	}
	return out
}

// Real pages from the scheduler, walked over HTTP from the first to the
// last by the links in the documents and back again, each page with its
// own ETag and revalidating on it.
func TestEndToEndPagingWalk(t *testing.T) {
	const pages = 3
	st := newStackLimit(t, pages, 1)
	for _, f := range feed.Formats {
		t.Run(string(f), func(t *testing.T) {
			u := st.srv.URL + feed.FeedPath("news", f, 1)
			var visited []string
			etags := map[string]bool{}
			for n := 1; ; n++ {
				resp, body := st.get(t, strings.TrimPrefix(u, st.srv.URL))
				if resp.StatusCode != 200 {
					t.Fatalf("GET %s: %d", u, resp.StatusCode)
				}
				etag := resp.Header.Get("ETag")
				if etags[etag] {
					t.Fatalf("page %d repeats ETag %s", n, etag)
				}
				etags[etag] = true
				if r, _ := st.get(t, strings.TrimPrefix(u, st.srv.URL), "If-None-Match", etag); r.StatusCode != 304 {
					t.Fatalf("page %d with its ETag: %d", n, r.StatusCode)
				}
				links := documentLinks(t, f, body)
				if links["self"] != u {
					t.Fatalf("page %d: self %q, want %q", n, links["self"], u)
				}
				visited = append(visited, u)
				next := links["next"]
				if next == "" {
					next = linkRel(resp.Header.Get("Link"), "next") // must agree: both empty
					if next != "" || n != pages {
						t.Fatalf("walk stopped at page %d of %d (Link next %q)", n, pages, next)
					}
					break
				}
				if next != linkRel(resp.Header.Get("Link"), "next") {
					t.Fatalf("page %d: document next %q, Link header next %q", n, next, linkRel(resp.Header.Get("Link"), "next"))
				}
				u = next
			}
			// Back: by the documents' "previous" links (the Link header
			// for JSON Feed, which has no such field).
			for n := pages; n > 1; n-- {
				resp, body := st.get(t, strings.TrimPrefix(u, st.srv.URL))
				prev := documentLinks(t, f, body)["previous"]
				if f == feed.JSON {
					prev = linkRel(resp.Header.Get("Link"), "previous")
				}
				if prev != visited[n-2] {
					t.Fatalf("page %d: previous %q, want %q", n, prev, visited[n-2])
				}
				u = prev
			}
			if resp, _ := st.get(t, feed.FeedPath("news", f, pages+1)); resp.StatusCode != 404 {
				t.Fatalf("page past the end: %d", resp.StatusCode)
			}
		})
	}
	// The page for people pages back the same way.
	_, body := st.get(t, "/feeds/news?page=2")
	if !strings.Contains(string(body), `href="/feeds/news?page=3" rel="next"`) || !strings.Contains(string(body), `href="/feeds/news" rel="prev"`) {
		t.Fatalf("feed page 2 lacks its newer/older links")
	}
}
