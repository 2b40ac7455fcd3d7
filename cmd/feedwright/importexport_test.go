package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/feedwright/feedwright/config"
	"github.com/feedwright/feedwright/db"
	"github.com/feedwright/feedwright/feed"
	"github.com/feedwright/feedwright/scheduler"
)

// testConfig is the repository's config.yaml pointed at a database of the
// test's own.
func testConfig(t *testing.T, dbPath string) string {
	t.Helper()
	t.Setenv("FEEDWRIGHT_DATABASE", dbPath)
	return filepath.Join("..", "..", "config.yaml")
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func rec(slug, extra string) string {
	return fmt.Sprintf(`{"slug":%q,"url":"https://news.example/%s","title":"Title %s","status":"published",`+
		`"published_at":"2026-01-01T10:00:00Z"%s}`, slug, slug, slug, extra)
}

func TestImportGoodAndBadRecords(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "fw.db")
	cfg := testConfig(t, dbPath)
	ndjson := strings.Join([]string{
		rec("one", ""),
		`{"slug": "broken", `, // not JSON: spoils only its own line
		rec("two", `,"tags":["a"]`),
		"",
		rec("three", `,"lead_image":{"url":"/x.png","mime_type":"text/plain","width":1,"height":1,"size_in_bytes":1}`),
		rec("four", `,"colour":"red"`),
		`{"appeal":{"name":"spring","heading":"Give","button_label":"Give","url":"https://news.example/give"}}`,
		`{"appeal":{"name":"bad","heading":"Give","button_label":"Give","url":"give"}}`,
		rec("one", ""), // again: unchanged
	}, "\n") + "\n"
	file := writeFile(t, "in.ndjson", ndjson)

	// A dry run checks everything and writes nothing.
	var out, errb bytes.Buffer
	if code := run([]string{"--config", cfg, "import", "--dry-run", file}, &out, &errb); code != 1 {
		t.Fatalf("dry run exit %d, want 1; stderr:\n%s", code, errb.String())
	}
	// Each record is judged against the database as it is, so "one"
	// counts as created both times: the first was never kept.
	if want := "8 records: 4 created, 0 replaced, 0 unchanged, 4 failed (dry run: nothing was written)"; !strings.Contains(out.String(), want) {
		t.Errorf("dry-run summary %q, want %q", out.String(), want)
	}
	store, err := db.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := store.CountArticles(context.Background()); n != 0 {
		t.Fatalf("a dry run stored %d articles", n)
	}
	store.Close()

	out.Reset()
	errb.Reset()
	code := run([]string{"--config", cfg, "import", file}, &out, &errb)
	if code != 1 {
		t.Fatalf("exit %d, want 1 (some records failed)", code)
	}
	wantSummary := "8 records: 3 created, 0 replaced, 1 unchanged, 4 failed"
	if !strings.Contains(out.String(), wantSummary) {
		t.Errorf("summary %q, want %q", out.String(), wantSummary)
	}
	for _, want := range []string{
		"line 2 article (no name): invalid JSON at line 1, column 20: unexpected end of input",
		`line 5 article "three": lead_image.url: must be an absolute http or https URL`,
		`line 5 article "three": lead_image.mime_type: must be an image type`,
		`line 6 article "four": colour: unknown field`,
		`line 8 appeal "bad": appeal.url: must be an absolute http or https URL`,
	} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errb.String())
		}
	}
	store, err = db.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	for _, slug := range []string{"one", "two"} {
		if _, err := store.Article(context.Background(), slug); err != nil {
			t.Errorf("good record %q not stored: %v", slug, err)
		}
	}
	for _, slug := range []string{"three", "four"} {
		if _, err := store.Article(context.Background(), slug); err == nil {
			t.Errorf("bad record %q was stored", slug)
		}
	}
	if _, err := store.Appeal(context.Background(), "spring"); err != nil {
		t.Errorf("good appeal not stored: %v", err)
	}
}

func TestImportShapes(t *testing.T) {
	tests := []struct {
		name, in string
		code     int
		summary  string
		stderr   string
	}{
		{"array", "[\n" + rec("a", "") + ",\n" + rec("b", `,"title":3`) + "\n]", 1,
			"2 records: 1 created, 0 replaced, 0 unchanged, 1 failed", `element [1] (line 3) article "b": title: must be a string, not a number`},
		{"pretty single object", "{\n  \"slug\": \"p\",\n  \"url\": \"https://e.com/p\",\n  \"title\": \"P\",\n  \"status\": \"draft\"\n}\n", 0,
			"1 records: 1 created", ""},
		{"pretty objects, one bad", "{\n \"slug\": \"p\", \"url\": \"https://e.com/p\", \"title\": \"P\", \"status\": \"draft\"\n}\n{\n \"slug\": \"q\"\n}\n", 1,
			"2 records: 1 created, 0 replaced, 0 unchanged, 1 failed", `record 2 (line 4) article "q": url: is required`},
		{"array cut short", "[" + rec("a", "") + ",\n{\"slug\":", 1, "2 records: 1 created, 0 replaced, 0 unchanged, 1 failed", "element [1]: invalid JSON"},
		{"data after the array", "[" + rec("a", "") + "]\n" + rec("b", ""), 1,
			"1 records: 1 created, 0 replaced, 0 unchanged, 0 failed", "unexpected data after the array"},
		{"byte order mark", "\uFEFF" + rec("a", "") + "\n", 0, "1 records: 1 created", ""},
		{"empty", "\n\n", 0, "0 records", ""},
		{"too long", rec("a", `,"body_html":"`+strings.Repeat("x", maxRecord)+`"`) + "\n" + rec("b", "") + "\n", 1,
			"2 records: 1 created, 0 replaced, 0 unchanged, 1 failed", "line 1: the record is longer than the limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig(t, filepath.Join(t.TempDir(), "fw.db"))
			stdin = strings.NewReader(tt.in)
			t.Cleanup(func() { stdin = os.Stdin })
			var out, errb bytes.Buffer
			code := run([]string{"--config", cfg, "import", "-"}, &out, &errb)
			if code != tt.code || !strings.Contains(out.String(), tt.summary) || !strings.Contains(errb.String(), tt.stderr) {
				t.Errorf("exit %d\nstdout %s\nstderr %s\nwant exit %d, summary %q, stderr containing %q",
					code, out.String(), errb.String(), tt.code, tt.summary, tt.stderr)
			}
		})
	}
}

// The demo database, plus a draft, a retraction and a second section,
// exported and imported into an empty database, builds the same bytes in
// every feed and format, and exports the same records again.
func TestExportImportRoundTrip(t *testing.T) {
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfgPath := testConfig(t, filepath.Join(t.TempDir(), "a.db"))
	cfg, err := config.Load(cfgPath, os.Environ())
	if err != nil {
		t.Fatal(err)
	}
	a, err := db.Open(ctx, cfg.Database)
	if err != nil {
		t.Fatal(err)
	}
	if err := loadDemo(ctx, a, log); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	extra := []feed.Article{
		{Slug: "draft", URL: "https://news.example/draft", Title: "Draft", Status: feed.StatusDraft},
		{Slug: "gone", URL: "https://news.example/gone", Title: "Gone", Status: feed.StatusPublished,
			PublishedAt: now.Add(-time.Hour), Section: "Entertainment"},
		{Slug: "other", URL: "https://news.example/other", Title: "Other & <more>", BodyHTML: "<p>It's “here”</p>",
			Status: feed.StatusPublished, PublishedAt: now.Add(-2 * time.Hour), Section: "Politics",
			Tags: []string{"x"}, Authors: []feed.Author{{Name: "Ann", Email: "ann@news.example", URL: "https://news.example/ann"}}},
	}
	for _, x := range extra {
		if _, _, err := a.UpsertArticle(ctx, x, now); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.RetractArticle(ctx, "gone", now); err != nil {
		t.Fatal(err)
	}
	a.Close()

	var dump, errb bytes.Buffer
	if code := run([]string{"--config", cfgPath, "export"}, &dump, &errb); code != 0 {
		t.Fatalf("export exit %d: %s", code, errb.String())
	}
	if n := strings.Count(dump.String(), "\n"); n != 5 {
		t.Fatalf("export has %d lines, want 5 (1 appeal, 4 articles):\n%s", n, dump.String())
	}
	if strings.Contains(dump.String(), `"/demo/media/`) {
		t.Errorf("the export kept a relative URL, which import refuses")
	}

	cfgB := testConfig(t, filepath.Join(t.TempDir(), "b.db"))
	stdin = bytes.NewReader(dump.Bytes())
	t.Cleanup(func() { stdin = os.Stdin })
	var out bytes.Buffer
	errb.Reset()
	if code := run([]string{"--config", cfgB, "import", "-"}, &out, &errb); code != 0 {
		t.Fatalf("import exit %d: %s%s", code, out.String(), errb.String())
	}
	var dump2 bytes.Buffer
	if code := run([]string{"--config", cfgB, "export"}, &dump2, &errb); code != 0 {
		t.Fatalf("second export exit %d: %s", code, errb.String())
	}
	// Revisions count writes to one database; everything else is the same.
	rev := regexp.MustCompile(`,"revision":\d+`)
	if got, want := rev.ReplaceAllString(dump2.String(), ""), rev.ReplaceAllString(dump.String(), ""); got != want {
		t.Errorf("export of the copy differs:\n%s\nwant\n%s", got, want)
	}

	build := func(path string) map[string][]byte {
		store, err := db.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close()
		defs := definitions(cfg)
		s := scheduler.New(scheduler.Options{Store: store, Site: site(cfg), Feeds: defs, Schedule: cron.Every(time.Hour),
			Logger: log, Now: func() time.Time { return now }})
		if err := s.BuildAll(ctx); err != nil {
			t.Fatal(err)
		}
		docs := map[string][]byte{}
		for _, d := range defs {
			for _, f := range feed.Formats {
				doc, ok := s.Document(d.Name, f, 1)
				if !ok {
					t.Fatalf("no %s document of %s", f, d.Name)
				}
				docs[d.Name+"."+string(f)] = doc.Body
			}
		}
		return docs
	}
	docsA := build(filepath.Join(filepath.Dir(cfg.Database), "a.db"))
	docsB := build(filepath.Join(os.Getenv("FEEDWRIGHT_DATABASE")))
	for name, body := range docsA {
		if !bytes.Equal(body, docsB[name]) {
			t.Errorf("%s differs after the round trip:\n%s\n---\n%s", name, body, docsB[name])
		}
		if strings.Contains(string(body), "news.example/gone") {
			t.Errorf("%s shows the retracted article", name)
		}
	}
	if !strings.Contains(string(docsA["news.json"]), "Police Brutality Coloring Book") {
		t.Errorf("the demo article is not in the feed; the comparison proves little")
	}
}

// BenchmarkImport measures the import of NDJSON demo articles (each with
// its 12-image gallery) into an empty database: decoding, validation,
// sanitising and one transaction per record.
func BenchmarkImport(b *testing.B) {
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	src, err := db.Open(ctx, filepath.Join(b.TempDir(), "src.db"))
	if err != nil {
		b.Fatal(err)
	}
	if err := loadDemo(ctx, src, log); err != nil {
		b.Fatal(err)
	}
	var one bytes.Buffer
	if _, err := export(ctx, src, feed.Site{BaseURL: "https://news.example"}, &one); err != nil {
		b.Fatal(err)
	}
	src.Close()
	article := strings.SplitN(one.String(), "\n", 3)[1] // line 1 is the appeal
	const records = 200
	var in strings.Builder
	for i := range records {
		r := strings.Replace(article, `"slug":"close-your-eyes"`, fmt.Sprintf(`"slug":"a-%d"`, i), 1)
		r = strings.Replace(r, `"guid":"urn:uuid:0b6f3c1e-5a7d-4e0b-9c2a-201503270001",`, "", 1)
		in.WriteString(r + "\n")
	}
	n := 0
	for b.Loop() {
		n++
		store, err := db.Open(ctx, filepath.Join(b.TempDir(), fmt.Sprintf("%d.db", n)))
		if err != nil {
			b.Fatal(err)
		}
		im := importer{store: store, now: time.Now(), errw: io.Discard}
		if err := im.read(ctx, strings.NewReader(in.String())); err != nil || im.failed > 0 || im.outcomes[db.Created] != records {
			b.Fatalf("%v: %s", err, im.summary())
		}
		store.Close()
	}
	b.ReportMetric(float64(records*b.N)/b.Elapsed().Seconds(), "records/s")
}

// FuzzImportRead feeds the record splitter arbitrary input: it never
// panics, and every record it finds is counted exactly once, as written
// or as failed.
func FuzzImportRead(f *testing.F) {
	f.Add([]byte(rec("a", "") + "\n{\"slug\":\n" + rec("b", "") + "\n"))
	f.Add([]byte("[" + rec("a", "") + ",\n" + rec("b", `,"x":1`) + "]"))
	f.Add([]byte("{\n \"slug\": \"p\"\n}\n{\n"))
	f.Add([]byte("\uFEFF[]"))
	f.Add([]byte(`{"appeal":{"name":"n","heading":"h","button_label":"b","url":"https://e.com"}}`))
	store, err := db.Open(context.Background(), filepath.Join(f.TempDir(), "fuzz.db"))
	if err != nil {
		f.Fatal(err)
	}
	defer store.Close()
	f.Fuzz(func(t *testing.T, data []byte) {
		im := importer{store: store, dry: true, now: time.Now(), errw: io.Discard}
		im.read(context.Background(), bytes.NewReader(data))
		written := im.outcomes[db.Created] + im.outcomes[db.Replaced] + im.outcomes[db.Unchanged]
		if im.records != written+im.failed {
			t.Fatalf("%d records but %d written and %d failed: %q", im.records, written, im.failed, data)
		}
	})
}
