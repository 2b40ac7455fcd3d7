package server

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/feedwright/feedwright/feed"
)

// serveFeed hands out a published document: precomputed bytes, validators
// and compressed form, so a request costs no rendering and no I/O.
func (s *Server) serveFeed(w http.ResponseWriter, r *http.Request, name string, f feed.Format) {
	page := 1
	if p := r.URL.Query().Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			http.Error(w, "page must be a whole number from 1", http.StatusBadRequest)
			return
		}
		page = n
	}
	doc, ok := s.opts.Documents.Document(name, f, page)
	if !ok {
		if page > 1 {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Retry-After", "5")
		http.Error(w, "feed not built yet", http.StatusServiceUnavailable)
		return
	}
	h := w.Header()
	body, etag := doc.Body, doc.ETag
	gz := acceptsGzip(r.Header.Get("Accept-Encoding"))
	if gz {
		body, etag = doc.Gzip, doc.GzipETag
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("Content-Type", f.ContentType())
	h.Set("Vary", "Accept-Encoding")
	h.Set("ETag", etag)
	h.Set("Last-Modified", doc.LastModified.UTC().Format(http.TimeFormat))
	h.Set("X-Content-Type-Options", "nosniff")
	if notModified(r, etag, doc.LastModified) {
		h.Del("Content-Encoding")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// acceptsGzip reads Accept-Encoding with its q-values: gzip (or *) with a
// q above zero.
func acceptsGzip(header string) bool {
	for part := range strings.SplitSeq(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		if coding != "gzip" && coding != "x-gzip" {
			continue
		}
		q := 1.0
		for p := range strings.SplitSeq(params, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(k, "q") {
				if f, err := strconv.ParseFloat(v, 64); err == nil {
					q = f
				}
			}
		}
		return q > 0
	}
	return false
}

// notModified applies RFC 9110's conditional rules for GET and HEAD:
// If-None-Match, compared weakly, wins over If-Modified-Since, which
// matches when the document is not newer than the date given.
func notModified(r *http.Request, etag string, lastModified time.Time) bool {
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		return etagListMatches(inm, etag)
	}
	if ims := r.Header.Get("If-Modified-Since"); ims != "" {
		t, err := http.ParseTime(ims)
		return err == nil && !lastModified.Truncate(time.Second).After(t)
	}
	return false
}

// etagListMatches reports whether an If-None-Match list names etag, using
// the weak comparison: W/"x" matches "x", as caches that compress send it.
func etagListMatches(list, etag string) bool {
	etag = strings.TrimPrefix(etag, "W/")
	for tag := range strings.SplitSeq(list, ",") {
		tag = strings.TrimSpace(tag)
		if tag == "*" || strings.TrimPrefix(tag, "W/") == etag {
			return true
		}
	}
	return false
}
