package db

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/feedwright/feedwright/feed"
)

// Every representation of a document, brotli included, survives a save
// and a load, so a restart serves what was served before it.
func TestDocumentsKeepEveryRepresentation(t *testing.T) {
	ctx := context.Background()
	d, err := Open(ctx, t.TempDir()+"/fw.db")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	body := bytes.Repeat([]byte("<item><title>Close Your Eyes</title></item>\n"), 50)
	doc, err := feed.NewDocument(feed.Atom, body, time.Date(2025, 3, 27, 12, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	built := time.Date(2025, 3, 27, 12, 5, 0, 0, time.UTC)
	if err := d.SaveDocuments(ctx, "news", []StoredDocument{{Feed: "news", Page: 2, BuiltAt: built, Document: doc}}); err != nil {
		t.Fatal(err)
	}
	got, err := d.Documents(ctx)
	if err != nil || len(got) != 1 {
		t.Fatalf("loaded %d documents, err %v", len(got), err)
	}
	g := got[0]
	if g.Feed != "news" || g.Page != 2 || !g.BuiltAt.Equal(built) || g.Format != feed.Atom ||
		!g.LastModified.Equal(doc.LastModified) {
		t.Fatalf("loaded %+v", g)
	}
	for _, c := range []struct {
		name       string
		got, want  []byte
		gtag, wtag string
	}{
		{"identity", g.Body, doc.Body, g.ETag, doc.ETag},
		{"gzip", g.Gzip, doc.Gzip, g.GzipETag, doc.GzipETag},
		{"brotli", g.Brotli, doc.Brotli, g.BrotliETag, doc.BrotliETag},
	} {
		if len(c.want) == 0 || !bytes.Equal(c.got, c.want) || c.gtag != c.wtag {
			t.Errorf("%s: %d bytes (want %d), ETag %s (want %s)", c.name, len(c.got), len(c.want), c.gtag, c.wtag)
		}
	}
}

// A row saved before brotli existed loads with no brotli representation,
// rather than an empty one that would be served as a valid body.
func TestDocumentsFromBeforeBrotli(t *testing.T) {
	ctx := context.Background()
	d, err := Open(ctx, t.TempDir()+"/fw.db")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	// The columns an older binary wrote; the new ones take their defaults.
	_, err = d.sql.ExecContext(ctx, `INSERT INTO documents (feed, format, page, body, gzip, etag, gzip_etag,
		last_modified, built_at) VALUES ('news', 'rss', 1, x'3c7273732f3e', x'00', '"a"', '"b"', 0, 0)`)
	if err != nil {
		t.Fatal(err)
	}
	got, err := d.Documents(ctx)
	if err != nil || len(got) != 1 {
		t.Fatalf("loaded %d documents, err %v", len(got), err)
	}
	if got[0].Brotli != nil || got[0].BrotliETag != "" || string(got[0].Body) != "<rss/>" {
		t.Fatalf("old row loaded as brotli %q etag %q body %q", got[0].Brotli, got[0].BrotliETag, got[0].Body)
	}
}
