package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feedwright/feedwright/config"
	"github.com/feedwright/feedwright/db"
	"github.com/feedwright/feedwright/demo"
	"github.com/feedwright/feedwright/feed"
	"github.com/feedwright/feedwright/scheduler"
	"github.com/feedwright/feedwright/server"
)

// demoSite runs the demo as the binary wires it: a real SQLite file, the
// scheduler's first build, and the server on a loopback port.
func demoSite(t *testing.T) *httptest.Server {
	t.Helper()
	ctx := context.Background()
	store, err := db.Open(ctx, filepath.Join(t.TempDir(), "fw.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	a, err := demo.Article()
	if err != nil {
		t.Fatal(err)
	}
	ap, err := demo.Appeal()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	if _, _, err := store.UpsertArticle(ctx, a, now); err != nil {
		t.Fatal(err)
	}
	if _, _, err := store.PutAppeal(ctx, ap, now); err != nil {
		t.Fatal(err)
	}
	cron, _ := config.ParseSchedule("* * * * *")
	var srv *httptest.Server
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { srv.Config.Handler.ServeHTTP(w, r) })
	srv = httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	site := feed.Site{Title: "Demo", URL: srv.URL + "/", BaseURL: srv.URL, Language: "en-US", TTL: time.Minute}
	defs := []feed.Definition{
		{Name: "news", Title: "News", Description: "All", Limit: 20},
		{Name: "sport", Title: "Sport", Description: "Sport", Section: "Sport", Limit: 20},
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	sched := scheduler.New(scheduler.Options{Store: store, Site: site, Feeds: defs, Schedule: cron, Logger: log,
		Now: func() time.Time { return now }})
	srv.Config.Handler = server.New(server.Options{Site: site, Feeds: defs, Documents: sched, Articles: store,
		Assets: demo.Handler(), Logger: log})
	if err := sched.BuildAll(ctx); err != nil {
		t.Fatal(err)
	}
	return srv
}

func TestRoutes(t *testing.T) {
	srv := demoSite(t)
	tests := []struct {
		path        string
		status      int
		contentType string
		contains    string
	}{
		{"/", 200, "text/html; charset=utf-8", `rel="alternate" type="application/rss+xml"`},
		{"/rss.xml", 200, "application/rss+xml; charset=utf-8", "Close Your Eyes"},
		{"/atom.xml", 200, "application/atom+xml; charset=utf-8", "Close Your Eyes"},
		{"/feed.json", 200, "application/feed+json; charset=utf-8", "Close Your Eyes"},
		{"/feeds/news.rss", 200, "application/rss+xml; charset=utf-8", "coloring-book-12.png"},
		{"/feeds/news.atom", 200, "application/atom+xml; charset=utf-8", "coloring-book-12.png"},
		{"/feeds/news.json", 200, "application/feed+json; charset=utf-8", "coloring-book-12.png"},
		{"/feeds/sport.rss", 200, "application/rss+xml; charset=utf-8", "<channel>"},
		{"/feeds/missing.rss", 404, "", ""},
		{"/feeds/news.xml", 404, "", ""},
		{"/articles/close-your-eyes", 200, "text/html; charset=utf-8", "Tim Biskup"},
		{"/articles/missing", 404, "", ""},
		{"/healthz", 200, "text/plain; charset=utf-8", "ok"},
		{"/readyz", 200, "text/plain; charset=utf-8", "ready"},
		{"/favicon.ico", 200, "image/x-icon", ""},
		{"/demo/media/coloring-book-01.png", 200, "image/png", ""},
		{"/nowhere", 404, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, err := http.Get(srv.URL + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.status)
			}
			if tt.contentType != "" && resp.Header.Get("Content-Type") != tt.contentType {
				t.Errorf("Content-Type %q, want %q", resp.Header.Get("Content-Type"), tt.contentType)
			}
			if !strings.Contains(string(body), tt.contains) {
				t.Errorf("body does not contain %q", tt.contains)
			}
		})
	}
}

// Every image the demo feeds declare must be served with the declared
// byte length, or readers and validators see a lie.
func TestDemoEnclosuresResolve(t *testing.T) {
	srv := demoSite(t)
	a, err := demo.Article()
	if err != nil {
		t.Fatal(err)
	}
	imgs := append([]feed.Image{*a.Lead}, a.Galleries[0].Images...)
	if len(imgs) != 13 {
		t.Fatalf("demo has %d images, want lead + 12", len(imgs))
	}
	for _, img := range imgs {
		resp, err := http.Get(srv.URL + img.URL)
		if err != nil {
			t.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || n != img.Length || img.Length == 0 || resp.Header.Get("Content-Type") != img.MIMEType {
			t.Errorf("%s: status %d, %d bytes (declared %d), type %q", img.URL, resp.StatusCode, n, img.Length, resp.Header.Get("Content-Type"))
		}
	}
}
