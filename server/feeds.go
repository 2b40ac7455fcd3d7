package server

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/feedwright/feedwright/feed"
)

// Feed routes answer these methods; the rest get 405 with this Allow.
const feedMethods = "GET, HEAD, OPTIONS"

// Header values shared by every feed response. The server never changes
// them, so handing the same slices to every response's header is safe and
// saves an allocation each.
var (
	varyAcceptEncoding = []string{"Accept-Encoding"}
	nosniff            = []string{"nosniff"}
	allowAnyOrigin     = []string{"*"}
	// ETag and Link are not CORS-safelisted response headers: a script
	// on another origin sees them only when they are exposed.
	exposeHeaders   = []string{"ETag, Link"}
	encodingGzip    = []string{"gzip"}
	encodingBrotli  = []string{"br"}
	contentTypes    = map[feed.Format][]string{}
	codingEncodings = [numCodings][]string{nil, encodingGzip, encodingBrotli}
)

func init() {
	for _, f := range feed.Formats {
		contentTypes[f] = []string{f.ContentType()}
	}
}

// formatIndex numbers the formats for the per-feed tables.
func formatIndex(f feed.Format) int {
	switch f {
	case feed.RSS:
		return 0
	case feed.Atom:
		return 1
	}
	return 2
}

// representation is one content coding of a document, with its header
// values ready to hand to a response.
type representation struct {
	body          []byte
	etag          string
	etagValue     []string
	contentLength []string
	encoding      []string
}

// prepared is a published document with every header value computed, so
// that serving it costs no formatting and no allocation. It is made the
// first time a document is requested and kept until the document is
// replaced by a new publication.
type prepared struct {
	doc *feed.Document
	// last is the feed's last page when the Link header was made.
	last         int
	reps         [numCodings]representation
	lastModified []string
	contentType  []string
	link         []string
}

// feedSlot is one configured feed's table of prepared documents.
type feedSlot struct {
	def *feed.Definition
	// pages holds, per format, the prepared documents indexed by page
	// number - 1. The slice is replaced whole (copy on write) so that
	// readers never lock.
	pages [3]atomic.Pointer[[]*prepared]
}

// prepare computes the header values of doc, page page of feed name,
// whose last page is last.
func (s *Server) prepare(name string, page, last int, doc *feed.Document) *prepared {
	p := &prepared{
		doc:          doc,
		last:         last,
		lastModified: []string{doc.LastModified.UTC().Format(http.TimeFormat)},
		contentType:  contentTypes[doc.Format],
	}
	if p.contentType == nil {
		p.contentType = []string{doc.Format.ContentType()}
	}
	var link strings.Builder
	for _, hub := range s.opts.Site.Hubs {
		fmt.Fprintf(&link, "<%s>; rel=\"hub\", ", hub)
	}
	pageURL := func(n int) string { return s.opts.Site.BaseURL + feed.FeedPath(name, doc.Format, n) }
	fmt.Fprintf(&link, "<%s>; rel=\"self\"", pageURL(page))
	// RFC 5005 paging, for clients that read links from HTTP rather
	// than from the document (the documents carry the same links).
	if last > 1 {
		fmt.Fprintf(&link, ", <%s>; rel=\"first\"", pageURL(1))
		if page > 1 {
			fmt.Fprintf(&link, ", <%s>; rel=\"previous\"", pageURL(page-1))
		}
		if page < last {
			fmt.Fprintf(&link, ", <%s>; rel=\"next\"", pageURL(page+1))
		}
		fmt.Fprintf(&link, ", <%s>; rel=\"last\"", pageURL(last))
	}
	p.link = []string{link.String()}
	set := func(c coding, body []byte, etag string) {
		p.reps[c] = representation{
			body:          body,
			etag:          etag,
			etagValue:     []string{etag},
			contentLength: []string{strconv.Itoa(len(body))},
			encoding:      codingEncodings[c],
		}
	}
	set(identity, doc.Body, doc.ETag)
	set(gzipCoding, doc.Gzip, doc.GzipETag)
	if len(doc.Brotli) > 0 && doc.BrotliETag != "" {
		set(brotliCoding, doc.Brotli, doc.BrotliETag)
	}
	return p
}

// prepared returns the prepared form of doc, making it on first use and
// again when the feed's number of pages has changed (a document may
// outlive a publication that adds or drops pages, and its Link header
// names the last page). Two requests racing on a new document may both
// prepare it; one result is kept, and both are correct.
func (s *Server) prepared(slot *feedSlot, page int, doc *feed.Document) *prepared {
	name := slot.def.Name
	table := &slot.pages[formatIndex(doc.Format)]
	if cur := table.Load(); cur != nil && page <= len(*cur) {
		if p := (*cur)[page-1]; p != nil && p.doc == doc && s.isLast(name, doc.Format, page, p.last) {
			return p
		}
	}
	p := s.prepare(name, page, s.lastPage(name, doc.Format, page), doc)
	for {
		old := table.Load()
		var next []*prepared
		if old != nil {
			next = make([]*prepared, max(len(*old), page))
			copy(next, *old)
		} else {
			next = make([]*prepared, page)
		}
		next[page-1] = p
		if table.CompareAndSwap(old, &next) {
			return p
		}
	}
}

// isLast reports whether last is the last published page of a feed,
// knowing that page exists (so when they are the same, one look-up does).
func (s *Server) isLast(name string, f feed.Format, page, last int) bool {
	if _, ok := s.opts.Documents.Document(name, f, last+1); ok {
		return false
	}
	if last == page {
		return true
	}
	_, ok := s.opts.Documents.Document(name, f, last)
	return ok
}

// lastPage finds the last published page of a feed, knowing that page
// exists: by doubling, then bisecting, so a long archive costs a few
// look-ups once per publication.
func (s *Server) lastPage(name string, f feed.Format, page int) int {
	has := func(n int) bool { _, ok := s.opts.Documents.Document(name, f, n); return ok }
	lo, hi := page, page+1 // has(lo); hi is the first candidate to test
	for has(hi) {
		lo, hi = hi, hi*2
	}
	// has(lo) and !has(hi): bisect the gap.
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if has(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo
}

// cacheControl is the Cache-Control of every feed document, derived from
// the rebuild interval: a document is fresh for one interval (the RSS ttl
// and this max-age make the same promise, and Miniflux waits the larger),
// a cache may serve it stale for another interval while it revalidates,
// and for a day if we are down.
func cacheControl(ttl time.Duration) string {
	// The same promise as the documents' RSS ttl, which counts whole
	// minutes: a reader that takes the larger of the two (Miniflux) and
	// one that trusts only max-age then wait alike.
	secs := int64(feed.TTLMinutes(ttl)) * 60
	if secs < 60 {
		secs = 60
	}
	return fmt.Sprintf("public, max-age=%d, stale-while-revalidate=%d, stale-if-error=86400", secs, secs)
}

// handleFeedFile serves /feeds/{name}.{rss,atom,json} and the feed's page
// for people at /feeds/{name}.
func (s *Server) handleFeedFile(w http.ResponseWriter, r *http.Request) {
	file := r.PathValue("file")
	name, ext, hasExt := strings.Cut(file, ".")
	slot := s.slots[name]
	if slot == nil {
		s.notFound(w, r, "no feed at "+r.URL.Path)
		return
	}
	if !hasExt {
		if !allowMethods(w, r, "GET, HEAD") {
			return
		}
		s.handleFeedPage(w, r, slot.def)
		return
	}
	f, ok := feed.ParseFormat(ext)
	if !ok {
		s.notFound(w, r, fmt.Sprintf("feed %q has no format %q; it is served as .rss, .atom and .json", name, ext))
		return
	}
	s.serveFeed(w, r, slot, f)
}

// feedHandler serves one format of a feed at a fixed path (/rss.xml).
func (s *Server) feedHandler(name string, f feed.Format) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		slot := s.slots[name]
		if slot == nil {
			s.notFound(w, r, "no feed is configured")
			return
		}
		s.serveFeed(w, r, slot, f)
	})
}

// serveFeed hands out a published document: precomputed bytes, validators
// and header values, so a request costs no rendering, no I/O and almost
// no allocation (BENCHMARKS.md).
func (s *Server) serveFeed(w http.ResponseWriter, r *http.Request, slot *feedSlot, f feed.Format) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
	case http.MethodOptions:
		s.preflight(w)
		return
	default:
		methodNotAllowed(w, r, feedMethods)
		return
	}
	page, ok := pageParam(r.URL.RawQuery)
	if !ok {
		h := w.Header()
		h["Access-Control-Allow-Origin"] = allowAnyOrigin
		http.Error(w, "page must be a whole number from 1, without leading zeros (page=2)", http.StatusBadRequest)
		return
	}
	doc, ok := s.opts.Documents.Document(slot.def.Name, f, page)
	if !ok {
		h := w.Header()
		h["Access-Control-Allow-Origin"] = allowAnyOrigin
		if page > 1 {
			s.notFound(w, r, fmt.Sprintf("feed %q has no page %d", slot.def.Name, page))
			return
		}
		h.Set("Retry-After", "5")
		h.Set("Cache-Control", "no-store")
		http.Error(w, "feed not built yet", http.StatusServiceUnavailable)
		return
	}
	p := s.prepared(slot, page, doc)
	rep := &p.reps[negotiate(r.Header["Accept-Encoding"], p.reps[brotliCoding].body != nil)]

	h := w.Header()
	h["Vary"] = varyAcceptEncoding
	h["Etag"] = rep.etagValue
	h["Last-Modified"] = p.lastModified
	h["Cache-Control"] = s.cacheControl
	h["Link"] = p.link
	h["Access-Control-Allow-Origin"] = allowAnyOrigin
	h["Access-Control-Expose-Headers"] = exposeHeaders
	h["X-Content-Type-Options"] = nosniff
	if notModified(r.Header, rep.etag, doc.LastModified) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h["Content-Type"] = p.contentType
	h["Content-Length"] = rep.contentLength
	if rep.encoding != nil {
		h["Content-Encoding"] = rep.encoding
	}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(rep.body)
	}
}

// pageParam reads the page number from a raw query without allocating.
// No page parameter is page 1; "page=1" is page 1 as well. Anything but
// a positive whole number in plain digits is refused (400), so that one
// page has one URL per format and caches do not fill with variants. Other
// parameters (cache busters) are ignored.
func pageParam(rawQuery string) (int, bool) {
	for pair := range strings.SplitSeq(rawQuery, "&") {
		k, v, _ := strings.Cut(pair, "=")
		if k != "page" {
			continue
		}
		if v == "" || len(v) > 9 || v[0] == '0' {
			return 0, false
		}
		n := 0
		for i := 0; i < len(v); i++ {
			if v[i] < '0' || v[i] > '9' {
				return 0, false
			}
			n = n*10 + int(v[i]-'0')
		}
		return n, true
	}
	return 1, true
}

// preflight answers a CORS preflight: any origin may read the feeds, with
// the conditional headers a polite client sends.
func (s *Server) preflight(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Allow", feedMethods)
	h["Access-Control-Allow-Origin"] = allowAnyOrigin
	h.Set("Access-Control-Allow-Methods", feedMethods)
	h.Set("Access-Control-Allow-Headers", "If-None-Match, If-Modified-Since")
	h.Set("Access-Control-Max-Age", "86400")
	h["Vary"] = varyAcceptEncoding
	w.WriteHeader(http.StatusNoContent)
}

// allowMethods answers 405 unless the request's method is one of allow
// (HEAD is allowed wherever GET is).
func allowMethods(w http.ResponseWriter, r *http.Request, allow string) bool {
	for m := range strings.SplitSeq(allow, ", ") {
		if r.Method == m {
			return true
		}
	}
	methodNotAllowed(w, r, allow)
	return false
}

func methodNotAllowed(w http.ResponseWriter, r *http.Request, allow string) {
	w.Header().Set("Allow", allow)
	http.Error(w, fmt.Sprintf("method %s is not allowed on %s; allowed: %s", r.Method, r.URL.Path, allow),
		http.StatusMethodNotAllowed)
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request, msg string) {
	http.Error(w, "404 not found: "+msg, http.StatusNotFound)
}
