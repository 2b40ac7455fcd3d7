package server

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/feedwright/feedwright/feed"
)

// headerWriter is a ResponseWriter that keeps nothing but headers and
// status, and reuses its header map: what remains in the benchmark is
// our handler's own cost, not net/http's or a recorder's.
type headerWriter struct {
	h    http.Header
	code int
	n    int
}

func (w *headerWriter) Header() http.Header { return w.h }
func (w *headerWriter) WriteHeader(code int) {
	w.code = code
}
func (w *headerWriter) Write(b []byte) (int, error) { w.n += len(b); return len(b), nil }

func benchFeed(b *testing.B, handler func(s *Server) http.Handler, header ...string) {
	s, docs := newTestServer(b, 1)
	doc, _ := docs.Document("news", feed.RSS, 1)
	r := httptest.NewRequest("GET", "/feeds/news.rss", nil)
	r.Header.Set("Accept-Encoding", "gzip, deflate, br")
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	if r.Header.Get("If-None-Match") == "*" {
		r.Header.Set("If-None-Match", doc.BrotliETag)
	}
	w := &headerWriter{h: http.Header{}}
	h := handler(s)
	h.ServeHTTP(w, r) // prepare the document once, as the first request does
	want := 200
	if len(header) > 0 {
		want = 304
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, r)
	}
	if w.code != want {
		b.Fatalf("status %d, want %d", w.code, want)
	}
}

// BenchmarkFeed200 is a full brotli GET through the whole server: metrics
// middleware, router and feed handler.
func BenchmarkFeed200(b *testing.B) {
	benchFeed(b, func(s *Server) http.Handler { return s })
}

// BenchmarkFeed304 is a revalidation that matches.
func BenchmarkFeed304(b *testing.B) {
	benchFeed(b, func(s *Server) http.Handler { return s }, "If-None-Match", "*")
}

// BenchmarkFeedHandler200 is the feed handler alone, without router and
// middleware.
func BenchmarkFeedHandler200(b *testing.B) {
	benchFeed(b, func(s *Server) http.Handler { return s.feedHandler("news", feed.RSS) })
}

// BenchmarkFeedHandler304 is the feed handler alone answering 304.
func BenchmarkFeedHandler304(b *testing.B) {
	benchFeed(b, func(s *Server) http.Handler { return s.feedHandler("news", feed.RSS) }, "If-None-Match", "*")
}

func BenchmarkNegotiate(b *testing.B) {
	ae := []string{"gzip, deflate, br, zstd"}
	b.ReportAllocs()
	for b.Loop() {
		negotiate(ae, true)
	}
}

// BenchmarkPublishDocument is the cost of making one demo RSS document's
// representations at publication (gzip -9 and brotli at feed.BrotliLevel),
// with their sizes as metrics: the measure behind the choice of brotli.
func BenchmarkPublishDocument(b *testing.B) {
	docs := buildPages(b, demoArticles(b, 1))
	body := docs[0][feed.RSS].Body
	var doc *feed.Document
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if doc, err = feed.NewDocument(feed.RSS, body, docs[0][feed.RSS].LastModified); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(doc.Body)), "identity-bytes")
	b.ReportMetric(float64(len(doc.Gzip)), "gzip-bytes")
	b.ReportMetric(float64(len(doc.Brotli)), "br-bytes")
}
