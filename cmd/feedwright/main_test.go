package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feedwright/feedwright/db"
)

func TestDemoLoadsExactlyOnce(t *testing.T) {
	ctx := context.Background()
	store, err := db.Open(ctx, filepath.Join(t.TempDir(), "fw.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for i := 0; i < 3; i++ {
		if err := loadDemo(ctx, store, log); err != nil {
			t.Fatalf("load #%d: %v", i+1, err)
		}
	}
	n, err := store.CountArticles(ctx)
	if err != nil || n != 1 {
		t.Fatalf("articles after three loads = %d (%v), want 1", n, err)
	}
	a, err := store.Article(ctx, "close-your-eyes")
	if err != nil {
		t.Fatal(err)
	}
	if a.Revision != 1 || len(a.Galleries) != 1 || len(a.Galleries[0].Images) != 12 {
		t.Errorf("demo article: revision %d, %d galleries", a.Revision, len(a.Galleries))
	}
	// An edited demo article is the publisher's now: a restart must not
	// put the original back.
	a.Title = "Edited"
	if _, _, err := store.UpsertArticle(ctx, a, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := loadDemo(ctx, store, log); err != nil {
		t.Fatal(err)
	}
	if a, _ := store.Article(ctx, "close-your-eyes"); a.Title != "Edited" {
		t.Errorf("a restart overwrote the edited article: title %q", a.Title)
	}
	aps, err := store.Appeals(ctx)
	if err != nil || len(aps) != 1 || aps[0].Heading != "Our 2024 Coverage Needs You" {
		t.Fatalf("appeals = %+v (%v)", aps, err)
	}
	// The appeal keeps its own date: a fresh demo's Last-Modified must not
	// be the moment it was first started.
	if want := time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC); !aps[0].UpdatedAt.Equal(want) {
		t.Errorf("demo appeal updated_at = %v, want %v", aps[0].UpdatedAt, want)
	}
}

func TestCommandLine(t *testing.T) {
	tests := []struct {
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{[]string{"version"}, 0, "feedwright ", ""},
		{[]string{"help"}, 0, "Usage:", ""},
		{[]string{"--help"}, 0, "", "Usage:"},
		{[]string{}, 2, "", "Usage:"},
		{[]string{"frobnicate"}, 2, "", `unknown command "frobnicate"`},
		{[]string{"--config", "/nonexistent.yaml", "serve"}, 1, "", "/nonexistent.yaml"},
		// Flags after the command count too, and --help never starts
		// a server (the config is not even read: exit 0 here).
		{[]string{"serve", "--config", "/nonexistent.yaml"}, 1, "", "/nonexistent.yaml"},
		{[]string{"--config", "/nonexistent.yaml", "serve", "--help"}, 0, "", "Usage:"},
		{[]string{"--config", "/nonexistent.yaml", "serve", "now"}, 2, "", `unexpected argument "now"`},
		{[]string{"--config", "/nonexistent.yaml", "export", "out.ndjson"}, 2, "", `unexpected argument "out.ndjson"`},
		{[]string{"--config", "/nonexistent.yaml", "import"}, 2, "", "give one FILE"},
		{[]string{"import", "--config", "/nonexistent.yaml", "--dry-run", "x.ndjson"}, 1, "", "/nonexistent.yaml"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(tt.args, &out, &errb)
			if code != tt.code || !strings.Contains(out.String(), tt.stdout) || !strings.Contains(errb.String(), tt.stderr) {
				t.Errorf("exit %d stdout %q stderr %q; want exit %d, stdout containing %q, stderr containing %q",
					code, out.String(), errb.String(), tt.code, tt.stdout, tt.stderr)
			}
		})
	}
}
