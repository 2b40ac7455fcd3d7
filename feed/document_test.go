package feed

import (
	"bytes"
	"compress/gzip"
	"io"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
)

// The same bytes make the same document, compressed forms and ETags
// included: that is what keeps an unchanged rebuild from changing an ETag.
func TestNewDocumentIsDeterministic(t *testing.T) {
	body := bytes.Repeat([]byte(`<entry><title>Close Your Eyes</title><content type="html">…</content></entry>`), 40)
	lm := time.Date(2015, 3, 27, 16, 0, 0, 500, time.FixedZone("EST", -5*3600))
	a, err := NewDocument(Atom, body, lm)
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewDocument(Atom, bytes.Clone(body), lm)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Gzip, b.Gzip) || !bytes.Equal(a.Brotli, b.Brotli) ||
		a.ETag != b.ETag || a.GzipETag != b.GzipETag || a.BrotliETag != b.BrotliETag {
		t.Fatal("two documents of the same bytes differ")
	}
	if a.LastModified != time.Date(2015, 3, 27, 21, 0, 0, 0, time.UTC) {
		t.Fatalf("LastModified %v: want UTC, whole seconds", a.LastModified)
	}
	tags := map[string]bool{a.ETag: true, a.GzipETag: true, a.BrotliETag: true}
	if len(tags) != 3 {
		t.Fatal("representations share an ETag")
	}
	zr, err := gzip.NewReader(bytes.NewReader(a.Gzip))
	if err != nil {
		t.Fatal(err)
	}
	if plain, _ := io.ReadAll(zr); !bytes.Equal(plain, body) {
		t.Fatal("gzip does not decompress to the body")
	}
	if plain, err := io.ReadAll(brotli.NewReader(bytes.NewReader(a.Brotli))); err != nil || !bytes.Equal(plain, body) {
		t.Fatalf("brotli does not decompress to the body: %v", err)
	}
	if len(a.Brotli) >= len(a.Gzip) {
		t.Fatalf("brotli (%d bytes) is no smaller than gzip (%d)", len(a.Brotli), len(a.Gzip))
	}
	other, _ := NewDocument(Atom, append(bytes.Clone(body), ' '), lm)
	if other.ETag == a.ETag || other.GzipETag == a.GzipETag || other.BrotliETag == a.BrotliETag {
		t.Fatal("different bytes kept an ETag")
	}
}
