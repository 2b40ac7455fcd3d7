package server

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
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
	defs := []feed.Definition{{Name: "news", Title: "Test News", Limit: 20}}
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
			strings.ReplaceAll(strings.TrimSuffix(f.ContentType(), "; charset=utf-8"), "+", "&#43;"),
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
		`href="` + st.srv.URL + `/feeds/news.rss" type="application/rss&#43;xml"`,
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
