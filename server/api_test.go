package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/feedwright/feedwright/db"
	"github.com/feedwright/feedwright/demo"
	"github.com/feedwright/feedwright/feed"
	"github.com/feedwright/feedwright/scheduler"
	"github.com/feedwright/feedwright/server"
)

const token = "s3cret-t0ken"

// countingRebuilder passes triggers on to the scheduler and counts them,
// so tests can tell a write that changed something from one that did not.
type countingRebuilder struct {
	n    atomic.Int64
	next server.Rebuilder
}

func (c *countingRebuilder) Trigger() {
	c.n.Add(1)
	if c.next != nil {
		c.next.Trigger()
	}
}

type apiEnv struct {
	t     testing.TB
	logs  *syncBuffer
	url   string
	store *db.DB
	sched *scheduler.Scheduler
	rebld *countingRebuilder
}

var testSite = feed.Site{Title: "Test News", Description: "d", URL: "https://news.example.com/",
	BaseURL: "https://news.example.com/", Language: "en", TTL: time.Minute}

var testFeeds = []feed.Definition{{Name: "news", Title: "News", Description: "all", Limit: 20}}

// newAPI serves the whole server, admin API included, over a real SQLite
// file on loopback. adminToken "" leaves the API off.
func newAPI(t testing.TB, adminToken string) *apiEnv {
	t.Helper()
	ctx := context.Background()
	store, err := db.Open(ctx, filepath.Join(t.TempDir(), "fw.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	sched := scheduler.New(scheduler.Options{Store: store, Site: testSite, Feeds: testFeeds,
		Schedule: cron.Every(time.Hour), Logger: log})
	rb := &countingRebuilder{next: sched}
	srv := server.New(server.Options{Site: testSite, Feeds: testFeeds, Documents: sched, Articles: store,
		Rebuilder: rb, AdminToken: adminToken, Admin: store, Logger: log})
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return &apiEnv{t: t, logs: logs, url: hs.URL, store: store, sched: sched, rebld: rb}
}

// syncBuffer is a log sink that goroutines may share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) problem(t *testing.T) server.Problem {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("status %d with Content-Type %q, want application/problem+json: %s", r.status, ct, r.body)
	}
	var p server.Problem
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatal(err)
	}
	if p.Status != r.status {
		t.Errorf("problem status %d, response status %d", p.Status, r.status)
	}
	return p
}

func (r response) article(t *testing.T) feed.Article {
	t.Helper()
	var a feed.Article
	if err := json.Unmarshal(r.body, &a); err != nil {
		t.Fatalf("status %d: %v: %s", r.status, err, r.body)
	}
	return a
}

// do sends a request with the token (unless headers say otherwise).
func (e *apiEnv) do(method, path string, body any, headers ...string) response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case io.Reader:
		rd = b
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.url+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: b}
}

// demoArticle is the demo article with its URLs made absolute, as the API
// requires: the README's example of the representation.
func demoArticle(t testing.TB) map[string]any {
	t.Helper()
	a, err := demo.Article()
	if err != nil {
		t.Fatal(err)
	}
	feed.ResolveArticle(&testSite, &a)
	b, _ := json.Marshal(a)
	var m map[string]any
	json.Unmarshal(b, &m)
	return m
}

func TestAdminAuth(t *testing.T) {
	off := newAPI(t, "")
	for _, req := range [][2]string{{"GET", "/api/v1/articles"}, {"PUT", "/api/v1/articles/x"}, {"POST", "/api/v1/rebuild"}, {"GET", "/api/v2/nothing"}} {
		r := off.do(req[0], req[1], nil)
		if r.status != http.StatusNotFound {
			t.Errorf("API off: %s %s = %d, want 404", req[0], req[1], r.status)
		}
		r.problem(t)
	}
	e := newAPI(t, token)
	tests := []struct {
		name, auth string
		status     int
		challenge  string
	}{
		{"no header", "", 401, `Bearer realm="feedwright"`},
		{"wrong token", "Bearer nope", 401, `Bearer realm="feedwright", error="invalid_token"`},
		{"token with a suffix", "Bearer " + token + "x", 401, `Bearer realm="feedwright", error="invalid_token"`},
		{"basic scheme", "Basic " + token, 401, `Bearer realm="feedwright"`},
		{"right token", "Bearer " + token, 200, ""},
		{"scheme in lower case", "bearer " + token, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do("GET", "/api/v1/articles", nil, "Authorization", tt.auth)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			if got := r.header.Get("WWW-Authenticate"); got != tt.challenge {
				t.Errorf("WWW-Authenticate = %q, want %q", got, tt.challenge)
			}
			if tt.status == 401 {
				if p := r.problem(t); strings.Contains(p.Detail, token) {
					t.Errorf("the problem repeats the token: %q", p.Detail)
				}
			}
		})
	}
	// Unknown paths and methods are hidden behind the token as well.
	if r := e.do("GET", "/api/v1/secrets", nil, "Authorization", ""); r.status != 401 {
		t.Errorf("unknown path without a token: %d, want 401", r.status)
	}
	if r := e.do("GET", "/api/v1/secrets", nil); r.status != 404 {
		t.Errorf("unknown path with the token: %d, want 404", r.status)
	}
	// A write and a failure are both logged, and neither logs a token.
	e.do("PUT", "/api/v1/articles/logged", map[string]any{"url": "https://e.com/l", "title": "L", "status": "draft"})
	e.do("GET", "/api/v1/articles", nil, "Authorization", "Bearer wrong-"+token)
	if logs := e.logs.String(); !strings.Contains(logs, "slug=logged") || !strings.Contains(logs, "wrong bearer token") ||
		strings.Contains(logs, token) {
		t.Errorf("logs lack the write or show the token:\n%s", logs)
	}
	r := e.do("POST", "/api/v1/articles/x", []byte(`{}`))
	if r.status != 405 || r.header.Get("Allow") != "DELETE, GET, HEAD, PUT" {
		t.Errorf("POST on an article: %d Allow %q, want 405 with DELETE, GET, HEAD, PUT", r.status, r.header.Get("Allow"))
	}
	r.problem(t)
}

func TestArticleLifecycle(t *testing.T) {
	e := newAPI(t, token)
	ctx := context.Background()
	art := demoArticle(t)
	const path = "/api/v1/articles/close-your-eyes"

	r := e.do("PUT", path, art)
	if r.status != http.StatusCreated || r.header.Get("ETag") != `"1"` || r.header.Get("Location") != path {
		t.Fatalf("create: %d ETag %s Location %q: %s", r.status, r.header.Get("ETag"), r.header.Get("Location"), r.body)
	}
	created := r.article(t)
	if created.GUID != art["guid"] || len(created.Galleries[0].Images) != 12 || created.Revision != 1 {
		t.Fatalf("created article differs: guid %q, %d images, revision %d", created.GUID, len(created.Galleries[0].Images), created.Revision)
	}
	if n := e.rebld.n.Load(); n != 1 {
		t.Errorf("create triggered %d rebuilds, want 1", n)
	}

	r = e.do("GET", path, nil)
	if r.status != 200 || r.header.Get("ETag") != `"1"` || r.article(t).Title != art["title"] {
		t.Fatalf("get: %d %s", r.status, r.header.Get("ETag"))
	}
	if r := e.do("GET", path, nil, "If-None-Match", `W/"1"`); r.status != http.StatusNotModified {
		t.Errorf("get with the current ETag: %d, want 304", r.status)
	}

	// The same body again changes nothing: same ETag, no rebuild.
	r = e.do("PUT", path, art)
	if r.status != 200 || r.header.Get("ETag") != `"1"` {
		t.Fatalf("idempotent replace: %d ETag %s", r.status, r.header.Get("ETag"))
	}
	if n := e.rebld.n.Load(); n != 1 {
		t.Errorf("an unchanged write triggered a rebuild (%d triggers)", n)
	}

	// Replace with If-Match: the current revision wins, a stale one fails.
	art["title"] = "A corrected headline"
	r = e.do("PUT", path, art, "If-Match", `"1"`)
	if r.status != 200 || r.header.Get("ETag") != `"2"` || r.article(t).Title != "A corrected headline" {
		t.Fatalf("replace: %d ETag %s: %s", r.status, r.header.Get("ETag"), r.body)
	}
	art["title"] = "A stale edit"
	r = e.do("PUT", path, art, "If-Match", `"1"`)
	if r.status != http.StatusPreconditionFailed {
		t.Fatalf("stale If-Match: %d, want 412: %s", r.status, r.body)
	}
	r.problem(t)
	if got, _ := e.store.Article(ctx, "close-your-eyes"); got.Title != "A corrected headline" || got.Revision != 2 {
		t.Fatalf("a refused write changed the article: %q revision %d", got.Title, got.Revision)
	}
	if r := e.do("PUT", path, art, "If-Match", `W/"2"`); r.status != 412 {
		t.Errorf("weak If-Match: %d, want 412 (If-Match compares strongly)", r.status)
	}
	if r := e.do("PUT", "/api/v1/articles/new-one", map[string]any{"url": "https://e.com/n", "title": "N", "status": "draft"},
		"If-Match", "*"); r.status != 412 {
		t.Errorf("If-Match * on a new article: %d, want 412", r.status)
	}
	art["title"] = "A corrected headline"

	// GUIDs never change.
	art["guid"] = "urn:uuid:another"
	if r := e.do("PUT", path, art); r.status != http.StatusConflict {
		t.Errorf("changing the guid: %d, want 409", r.status)
	}
	art["guid"] = created.GUID

	// Published, it is in the feed; retracted, it is gone and stays gone.
	if err := e.sched.BuildAll(ctx); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(e.feedJSON(), created.GUID) {
		t.Fatal("the published article is not in the feed")
	}
	if r := e.do("DELETE", path, nil, "If-Match", `"1"`); r.status != 412 {
		t.Fatalf("retract with a stale If-Match: %d, want 412", r.status)
	}
	r = e.do("DELETE", path, nil, "If-Match", `"2"`)
	if r.status != 200 || r.article(t).Status != feed.StatusRetracted || r.header.Get("ETag") != `"3"` {
		t.Fatalf("retract: %d %s: %s", r.status, r.header.Get("ETag"), r.body)
	}
	before := e.rebld.n.Load()
	if r := e.do("DELETE", path, nil); r.status != 200 || e.rebld.n.Load() != before {
		t.Errorf("retracting twice: %d, %d new triggers; want 200 and none", r.status, e.rebld.n.Load()-before)
	}
	if err := e.sched.BuildAll(ctx); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(e.feedJSON(), created.GUID) {
		t.Fatal("the retracted article is still in the feed")
	}
	if r := e.do("PUT", path, art); r.status != http.StatusConflict {
		t.Errorf("republishing a retracted article: %d, want 409: %s", r.status, r.body)
	}
	other := demoArticle(t)
	other["slug"] = "another-slug"
	if r := e.do("PUT", "/api/v1/articles/another-slug", other); r.status != http.StatusConflict {
		t.Errorf("reusing a retracted article's GUID: %d, want 409: %s", r.status, r.body)
	}
	if r := e.do("DELETE", "/api/v1/articles/never-was", nil); r.status != 404 {
		t.Errorf("retracting nothing: %d, want 404", r.status)
	}
	if r := e.do("GET", "/api/v1/articles/never-was", nil); r.status != 404 {
		t.Errorf("getting nothing: %d, want 404", r.status)
	}
}

func (e *apiEnv) feedJSON() string {
	doc, ok := e.sched.Document("news", feed.JSON, 1)
	if !ok {
		e.t.Fatal("no JSON feed built")
	}
	return string(doc.Body)
}

func TestArticleValidationErrors(t *testing.T) {
	e := newAPI(t, token)
	img := func(m map[string]any, i int) map[string]any {
		return m["galleries"].([]any)[0].(map[string]any)["images"].([]any)[i].(map[string]any)
	}
	tests := []struct {
		name   string
		change func(m map[string]any)
		fields []string
	}{
		{"unknown field", func(m map[string]any) { m["kicker"] = "x" }, []string{"kicker"}},
		{"wrong type", func(m map[string]any) { img(m, 3)["width"] = "800" }, []string{"galleries[0].images[3].width"}},
		{"missing required", func(m map[string]any) { delete(m, "title"); delete(m, "status") }, []string{"status", "title"}},
		{"relative url", func(m map[string]any) { img(m, 3)["url"] = "/demo/media/x.png" }, []string{"galleries[0].images[3].url"}},
		{"non-http url", func(m map[string]any) { m["url"] = "ftp://e.com/x" }, []string{"url"}},
		{"non-image type", func(m map[string]any) { img(m, 3)["mime_type"] = "text/html" }, []string{"galleries[0].images[3].mime_type"}},
		{"bad date", func(m map[string]any) { m["published_at"] = "2015-02-30T10:00:00Z" }, []string{"published_at"}},
		{"oversized field", func(m map[string]any) { m["dek"] = strings.Repeat("d", 1001) }, []string{"dek"}},
		{"duplicate gallery position", func(m map[string]any) { img(m, 5)["url"] = img(m, 4)["url"] }, []string{"galleries[0].images[5].url"}},
		{"slug differs from the URL", func(m map[string]any) { m["slug"] = "other" }, []string{"slug"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := demoArticle(t)
			tt.change(m)
			r := e.do("PUT", "/api/v1/articles/close-your-eyes", m)
			if r.status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422: %s", r.status, r.body)
			}
			p := r.problem(t)
			var got []string
			for _, fe := range p.Errors {
				got = append(got, fe.Field)
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.fields) {
				t.Errorf("fields %q, want %q (%s)", got, tt.fields, r.body)
			}
		})
	}
	if n, _ := e.store.CountArticles(context.Background()); n != 0 {
		t.Errorf("%d articles stored by invalid writes", n)
	}
	for _, body := range []string{`{"slug": `, `{"title":"a"} {"title":"b"}`, `[1,2]`} {
		r := e.do("PUT", "/api/v1/articles/x", []byte(body))
		if r.status != 400 && r.status != 422 {
			t.Errorf("%q: %d, want 400 or 422", body, r.status)
		}
		r.problem(t)
	}
	r := e.do("PUT", "/api/v1/articles/x", []byte(`{"slug": `))
	if p := r.problem(t); r.status != 400 || !strings.Contains(p.Detail, "line 1, column 10") {
		t.Errorf("truncated JSON: %d %q, want 400 placing the error", r.status, p.Detail)
	}
	r = e.do("PUT", "/api/v1/articles/x", []byte(`title=x`), "Content-Type", "application/x-www-form-urlencoded")
	if r.status != http.StatusUnsupportedMediaType {
		t.Errorf("form body: %d, want 415", r.status)
	}
}

func TestBodyTooLarge(t *testing.T) {
	e := newAPI(t, token)
	big := bytes.Repeat([]byte(" "), 10<<20)
	r := e.do("PUT", "/api/v1/articles/big", big)
	if r.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("10 MiB body: %d, want 413", r.status)
	}
	r.problem(t)
	// Without a declared length the limit holds while reading.
	r = e.do("PUT", "/api/v1/articles/big", io.MultiReader(bytes.NewReader(big)))
	if r.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("10 MiB chunked body: %d, want 413", r.status)
	}
}

// Editors that read, change and write back with If-Match never lose each
// other's changes, however their requests interleave.
func TestConcurrentWritersLoseNothing(t *testing.T) {
	e := newAPI(t, token)
	base := map[string]any{"url": "https://e.com/c", "title": "Shared", "status": "draft", "tags": []string{}}
	if r := e.do("PUT", "/api/v1/articles/shared", base); r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	const writers = 8
	var (
		wg        sync.WaitGroup
		conflicts atomic.Int64
		errs      = make(chan error, writers)
	)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for attempt := 0; attempt < 200; attempt++ {
				r := e.get("/api/v1/articles/shared")
				var a feed.Article
				if err := json.Unmarshal(r.body, &a); err != nil {
					errs <- fmt.Errorf("writer %d: get: %d %s", w, r.status, r.body)
					return
				}
				a.Tags = append(a.Tags, fmt.Sprintf("writer-%d", w))
				a.Revision = 0
				r = e.put("/api/v1/articles/shared", a, r.header.Get("ETag"))
				switch r.status {
				case 200:
					return
				case 412:
					conflicts.Add(1)
					continue
				default:
					errs <- fmt.Errorf("writer %d: %d %s", w, r.status, r.body)
					return
				}
			}
			errs <- fmt.Errorf("writer %d never got its write in", w)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	a, err := e.store.Article(context.Background(), "shared")
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Tags) != writers || a.Revision != 1+writers {
		t.Fatalf("after %d writers: tags %q, revision %d; want %d tags and revision %d", writers, a.Tags, a.Revision, writers, 1+writers)
	}
	t.Logf("%d writers, %d refused with 412 and retried", writers, conflicts.Load())
}

// get and put are do for goroutines: they report failures with Error, not Fatal.
func (e *apiEnv) get(path string) response { return e.raw("GET", path, nil, "") }

func (e *apiEnv) put(path string, v any, ifMatch string) response {
	b, _ := json.Marshal(v)
	return e.raw("PUT", path, b, ifMatch)
}

func (e *apiEnv) raw(method, path string, body []byte, ifMatch string) response {
	req, _ := http.NewRequest(method, e.url+path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	if ifMatch != "" {
		req.Header.Set("If-Match", ifMatch)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return response{status: 599, body: []byte(err.Error())}
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: b}
}

func TestListArticles(t *testing.T) {
	e := newAPI(t, token)
	for i := range 5 {
		m := map[string]any{"url": fmt.Sprintf("https://e.com/%d", i), "title": fmt.Sprint(i), "status": "draft",
			"section": []string{"News", "Sport"}[i%2], "updated_at": fmt.Sprintf("2026-01-0%dT00:00:00Z", i+1)}
		if r := e.do("PUT", fmt.Sprintf("/api/v1/articles/a%d", i), m); r.status != 201 {
			t.Fatalf("create %d: %d %s", i, r.status, r.body)
		}
	}
	list := func(query string) (slugs []string) {
		next := "/api/v1/articles?" + query
		for next != "" {
			r := e.do("GET", next, nil)
			if r.status != 200 {
				t.Fatalf("%s: %d %s", next, r.status, r.body)
			}
			var page struct {
				Articles   []feed.Article `json:"articles"`
				NextCursor string         `json:"next_cursor"`
			}
			json.Unmarshal(r.body, &page)
			for _, a := range page.Articles {
				slugs = append(slugs, a.Slug)
			}
			next = ""
			if link := r.header.Get("Link"); link != "" {
				u, _ := url.Parse(strings.TrimSuffix(strings.TrimPrefix(link, "<"), `>; rel="next"`))
				if u.Query().Get("cursor") != page.NextCursor {
					t.Fatalf("Link %q disagrees with next_cursor %q", link, page.NextCursor)
				}
				next = u.String()
			}
		}
		return slugs
	}
	tests := []struct{ query, want string }{
		{"limit=2", "[a0 a1 a2 a3 a4]"},
		{"", "[a0 a1 a2 a3 a4]"},
		{"section=Sport&limit=1", "[a1 a3]"},
		{"updated_since=2026-01-03T00:00:00Z&limit=2", "[a2 a3 a4]"},
		{"status=published", "[]"},
	}
	for _, tt := range tests {
		if got := fmt.Sprint(list(tt.query)); got != tt.want {
			t.Errorf("?%s: %s, want %s", tt.query, got, tt.want)
		}
	}
	for _, q := range []string{"limit=0", "limit=500", "status=live", "updated_since=yesterday", "cursor=zzz", "colour=red"} {
		r := e.do("GET", "/api/v1/articles?"+q, nil)
		if r.status != 400 {
			t.Errorf("?%s: %d, want 400", q, r.status)
			continue
		}
		if p := r.problem(t); len(p.Errors) != 1 || p.Errors[0].Field != strings.Split(q, "=")[0] {
			t.Errorf("?%s: errors %+v, want one naming the parameter", q, p.Errors)
		}
	}
}

func TestAppeals(t *testing.T) {
	e := newAPI(t, token)
	ap := map[string]any{"heading": "Our 2024 Coverage Needs You", "text": "Give.", "button_label": "Support",
		"url": "https://news.example.com/support", "sections": []string{"Entertainment"}}
	r := e.do("PUT", "/api/v1/appeals/2024-coverage", ap)
	if r.status != 201 || r.header.Get("ETag") != `"1"` {
		t.Fatalf("create: %d %s %s", r.status, r.header.Get("ETag"), r.body)
	}
	if r := e.do("PUT", "/api/v1/appeals/2024-coverage", ap); r.status != 200 || r.header.Get("ETag") != `"1"` || e.rebld.n.Load() != 1 {
		t.Fatalf("idempotent: %d %s, %d triggers", r.status, r.header.Get("ETag"), e.rebld.n.Load())
	}
	ap["heading"] = "Changed"
	if r := e.do("PUT", "/api/v1/appeals/2024-coverage", ap, "If-Match", `"7"`); r.status != 412 {
		t.Errorf("stale If-Match: %d, want 412", r.status)
	}
	ap["url"] = "/support"
	ap["ends_at"] = "tomorrow"
	r = e.do("PUT", "/api/v1/appeals/2024-coverage", ap)
	p := r.problem(t)
	if r.status != 422 || len(p.Errors) != 2 || p.Errors[0].Field != "ends_at" || p.Errors[1].Field != "url" {
		t.Errorf("invalid appeal: %d %+v", r.status, p.Errors)
	}
	r = e.do("GET", "/api/v1/appeals", nil)
	if r.status != 200 || !strings.Contains(string(r.body), `"name":"2024-coverage"`) {
		t.Errorf("list: %d %s", r.status, r.body)
	}
	if r := e.do("DELETE", "/api/v1/appeals/2024-coverage", nil, "If-Match", `"2"`); r.status != 412 {
		t.Errorf("delete with a stale If-Match: %d, want 412", r.status)
	}
	if r := e.do("DELETE", "/api/v1/appeals/2024-coverage", nil, "If-Match", `"1"`); r.status != 204 {
		t.Errorf("delete: %d", r.status)
	}
	if r := e.do("GET", "/api/v1/appeals/2024-coverage", nil); r.status != 404 {
		t.Errorf("get after delete: %d", r.status)
	}
	if r := e.do("GET", "/api/v1/appeals", nil); string(r.body) != "{\"appeals\":[]}\n" {
		t.Errorf("empty list: %s", r.body)
	}
}

// A write through the API reaches the served feeds within about a second:
// the write triggers a rebuild, not the next cron tick (an hour away here).
func TestWriteReachesFeedPromptly(t *testing.T) {
	e := newAPI(t, token)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.sched.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	art := demoArticle(t)
	art["title"] = "Breaking: a write through the admin API"
	start := time.Now()
	if r := e.do("PUT", "/api/v1/articles/close-your-eyes", art); r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	for {
		res, err := http.Get(e.url + "/feed.json")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode == 200 && strings.Contains(string(b), "Breaking: a write through the admin API") {
			t.Logf("in the feed after %v", time.Since(start).Round(time.Millisecond))
			return
		}
		if time.Since(start) > 2*time.Second {
			t.Fatalf("not in the feed after %v", time.Since(start))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestRebuild(t *testing.T) {
	e := newAPI(t, token)
	if r := e.do("POST", "/api/v1/rebuild", nil); r.status != 202 || e.rebld.n.Load() != 1 {
		t.Errorf("rebuild: %d, %d triggers", r.status, e.rebld.n.Load())
	}
}

// BenchmarkPutArticle measures a full admin API write of the demo article
// (12-image gallery): HTTP, strict decoding, validation, sanitising and
// one SQLite transaction.
func BenchmarkPutArticle(b *testing.B) {
	e := newAPI(b, token)
	art := demoArticle(b)
	delete(art, "guid")
	delete(art, "slug")
	body, _ := json.Marshal(art)
	i := 0
	for b.Loop() {
		i++
		r := e.raw("PUT", fmt.Sprintf("/api/v1/articles/bench-%d", i), body, "")
		if r.status != 201 {
			b.Fatalf("%d %s", r.status, r.body)
		}
	}
}

// The demo article is stored with root-relative URLs. What GET gives out
// must be absolute, and sending it straight back must be accepted.
func TestRelativeStoredArticleRoundTripsThroughAPI(t *testing.T) {
	e := newAPI(t, token)
	a, err := demo.Article()
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.store.UpsertArticle(context.Background(), a, time.Now()); err != nil {
		t.Fatal(err)
	}
	got := e.do("GET", "/api/v1/articles/close-your-eyes", nil)
	if got.status != 200 {
		t.Fatalf("GET: %d %s", got.status, got.body)
	}
	ga := got.article(t)
	if ga.URL != "https://news.example.com/articles/close-your-eyes" ||
		ga.Galleries[0].Images[11].URL != "https://news.example.com/demo/media/coloring-book-12.png" {
		t.Errorf("GET gave relative URLs: %q, %q", ga.URL, ga.Galleries[0].Images[11].URL)
	}
	put := e.do("PUT", "/api/v1/articles/close-your-eyes", got.body, "If-Match", got.header.Get("ETag"))
	if put.status != 200 {
		t.Fatalf("PUT of what GET gave: %d %s", put.status, put.body)
	}
}
