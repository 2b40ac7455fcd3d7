package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/feedwright/feedwright/db"
	"github.com/feedwright/feedwright/feed"
	"github.com/feedwright/feedwright/validate"
)

// MaxRequestBody is the largest request body the admin API reads (1 MiB).
// A larger body is refused with 413 before it is parsed; the field limits
// of package validate keep a record well below it.
const MaxRequestBody = 1 << 20

// AdminStore is what the admin API needs from the database.
type AdminStore interface {
	Article(ctx context.Context, slug string) (feed.Article, error)
	WriteArticle(ctx context.Context, a feed.Article, now time.Time, opts db.WriteOptions) (feed.Article, db.Outcome, error)
	RetractArticleIf(ctx context.Context, slug string, now time.Time, opts db.WriteOptions) (feed.Article, bool, error)
	ListArticles(ctx context.Context, q db.ListQuery) ([]feed.Article, string, error)
	Appeals(ctx context.Context) ([]feed.Appeal, error)
	Appeal(ctx context.Context, name string) (feed.Appeal, error)
	WriteAppeal(ctx context.Context, ap feed.Appeal, now time.Time, opts db.WriteOptions) (feed.Appeal, db.Outcome, error)
	DeleteAppealIf(ctx context.Context, name string, opts db.WriteOptions) error
}

// adminRoutes mounts the admin API under /api/. Every path there goes
// through the token check first, so without a token nothing is revealed,
// not even which paths exist.
func (s *Server) adminRoutes() {
	api := http.NewServeMux()
	route := func(path string, handlers map[string]http.HandlerFunc) {
		allow := make([]string, 0, len(handlers)+1)
		for method, h := range handlers {
			api.HandleFunc(method+" "+path, h)
			allow = append(allow, method)
			if method == http.MethodGet {
				allow = append(allow, http.MethodHead)
			}
		}
		slices.Sort(allow)
		// The same path with any other method: 405 with Allow, as
		// problem+json rather than the mux's plain text.
		api.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			problem(w, r, http.StatusMethodNotAllowed, r.Method+" is not supported here")
		})
	}
	route("/api/v1/articles", map[string]http.HandlerFunc{http.MethodGet: s.apiListArticles})
	route("/api/v1/articles/{slug}", map[string]http.HandlerFunc{
		http.MethodGet: s.apiGetArticle, http.MethodPut: s.apiPutArticle, http.MethodDelete: s.apiDeleteArticle,
	})
	route("/api/v1/appeals", map[string]http.HandlerFunc{http.MethodGet: s.apiListAppeals})
	route("/api/v1/appeals/{name}", map[string]http.HandlerFunc{
		http.MethodGet: s.apiGetAppeal, http.MethodPut: s.apiPutAppeal, http.MethodDelete: s.apiDeleteAppeal,
	})
	route("/api/v1/rebuild", map[string]http.HandlerFunc{http.MethodPost: s.apiRebuild})
	api.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		problem(w, r, http.StatusNotFound, "no such admin API resource")
	})
	s.mux.Handle("/api/", s.authenticate(api))
	switch {
	case s.opts.AdminToken == "":
		s.log.Info("admin API off: no token configured")
	case len(s.opts.AdminToken) < minTokenLength:
		s.log.Warn("admin API token is short; use at least 32 random bytes", "length", len(s.opts.AdminToken))
	}
}

// minTokenLength is the shortest token the server takes without a
// warning: 16 bytes, well short of the 32 random bytes the README suggests.
const minTokenLength = 16

// authenticate lets a request through only with the configured bearer
// token. Without a configured token the API is off and answers 404: an
// API that cannot authenticate anyone must not be open to everyone.
func (s *Server) authenticate(next http.Handler) http.Handler {
	var want [sha256.Size]byte
	on := s.opts.AdminToken != "" && s.opts.Admin != nil
	if on {
		want = sha256.Sum256([]byte(s.opts.AdminToken))
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !on {
			problem(w, r, http.StatusNotFound, "the admin API is off: no token is configured")
			return
		}
		given, ok := bearerToken(r)
		if !ok {
			s.log.Warn("admin API: refused, no bearer token", "method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr)
			w.Header().Set("WWW-Authenticate", `Bearer realm="feedwright"`)
			problem(w, r, http.StatusUnauthorized, "a bearer token is required (Authorization: Bearer <token>)")
			return
		}
		// Comparing digests keeps the time taken independent of both
		// the token's content and its length.
		got := sha256.Sum256([]byte(given))
		if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			s.log.Warn("admin API: refused, wrong bearer token", "method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr)
			w.Header().Set("WWW-Authenticate", `Bearer realm="feedwright", error="invalid_token"`)
			problem(w, r, http.StatusUnauthorized, "the bearer token is not valid")
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// bearerToken extracts the token of an "Authorization: Bearer" header
// (RFC 6750 section 2.1; the scheme name is case-insensitive).
func bearerToken(r *http.Request) (string, bool) {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}

// readJSON reads a request body of at most MaxRequestBody bytes that
// declares itself JSON. On failure it has answered and returns false.
func readJSON(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		problem(w, r, http.StatusUnsupportedMediaType, "the body must be JSON, sent with Content-Type: application/json")
		return nil, false
	}
	tooLarge := func() ([]byte, bool) {
		problem(w, r, http.StatusRequestEntityTooLarge,
			fmt.Sprintf("the body is larger than the limit of %d bytes", MaxRequestBody))
		return nil, false
	}
	if r.ContentLength > MaxRequestBody {
		return tooLarge()
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxRequestBody))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return tooLarge()
	case err != nil:
		problem(w, r, http.StatusBadRequest, "reading the body: "+err.Error())
		return nil, false
	}
	return b, true
}

// decodeProblem answers a body that did not decode or check out.
func decodeProblem(w http.ResponseWriter, r *http.Request, err error) {
	var (
		se   *validate.SyntaxError
		errs validate.Errors
	)
	switch {
	case errors.As(err, &se):
		writeProblem(w, r, Problem{Type: problemSyntax, Title: "Malformed JSON", Status: http.StatusBadRequest, Detail: se.Error()})
	case errors.As(err, &errs):
		writeProblem(w, r, Problem{Type: problemFields, Title: "Invalid fields", Status: http.StatusUnprocessableEntity,
			Detail: fmt.Sprintf("%d field(s) are invalid; see errors", len(errs)), Errors: errs})
	default:
		problem(w, r, http.StatusBadRequest, err.Error())
	}
}

// storeProblem answers an error of the store. Its own errors say what
// went wrong in words fit for the client; anything else is logged and
// reported without detail.
func (s *Server) storeProblem(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, db.ErrNotFound):
		problem(w, r, http.StatusNotFound, err.Error())
	case errors.Is(err, db.ErrPrecondition):
		problem(w, r, http.StatusPreconditionFailed, err.Error()+"; fetch it again and reapply your change")
	case errors.Is(err, db.ErrConflict):
		problem(w, r, http.StatusConflict, err.Error())
	case errors.Is(err, r.Context().Err()):
		problem(w, r, http.StatusServiceUnavailable, "the request was cancelled")
	default:
		s.log.Error("admin API", "method", r.Method, "path", r.URL.Path, "err", err)
		problem(w, r, http.StatusInternalServerError, "the store failed; the error is logged")
	}
}

// revisionETag is a revision as an entity tag.
func revisionETag(rev int64) string { return `"` + strconv.FormatInt(rev, 10) + `"` }

// writeOptions turns a request's If-Match and If-None-Match into the
// store's preconditions. If-Match compares strongly (RFC 9110 section
// 13.1.1): a weak or foreign tag matches no revision, so it fails.
func writeOptions(r *http.Request) db.WriteOptions {
	var o db.WriteOptions
	if v := r.Header.Values("If-Match"); len(v) > 0 {
		for _, tag := range splitTags(v) {
			if tag == "*" {
				o.IfExists = true
				continue
			}
			rev := int64(-1) // matches nothing
			if t, ok := strings.CutPrefix(tag, `"`); ok {
				if t, ok := strings.CutSuffix(t, `"`); ok {
					if n, err := strconv.ParseInt(t, 10, 64); err == nil && n > 0 {
						rev = n
					}
				}
			}
			o.IfRevision = append(o.IfRevision, rev)
		}
		if o.IfExists {
			o.IfRevision = nil
		}
	}
	if slices.Contains(splitTags(r.Header.Values("If-None-Match")), "*") {
		o.IfAbsent = true
	}
	return o
}

func splitTags(values []string) []string {
	var out []string
	for _, v := range values {
		for t := range strings.SplitSeq(v, ",") {
			if t = strings.TrimSpace(t); t != "" {
				out = append(out, t)
			}
		}
	}
	return out
}

// revisionNotModified reports whether a GET's If-None-Match names the current
// revision, comparing weakly as RFC 9110 section 13.1.2 asks.
func revisionNotModified(r *http.Request, etag string) bool {
	for _, t := range splitTags(r.Header.Values("If-None-Match")) {
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}

// writeJSON sends v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := marshal(v)
	if err != nil {
		http.Error(w, "encoding the response failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(b)
}

// marshal encodes v on one line, leaving <, > and & as they are: bodies
// are HTML, and \u003cp\u003e helps no one reading a response. The
// responses are never embedded in a page, and nosniff keeps browsers
// from taking them for one.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	err := enc.Encode(v)
	return buf.Bytes(), err
}

// changed tells the rebuilder of a write that changed what feeds show.
func (s *Server) changed() {
	if s.opts.Rebuilder != nil {
		s.opts.Rebuilder.Trigger()
	}
}

func (s *Server) apiRebuild(w http.ResponseWriter, r *http.Request) {
	if s.opts.Rebuilder == nil {
		problem(w, r, http.StatusServiceUnavailable, "no rebuilder is running")
		return
	}
	s.opts.Rebuilder.Trigger()
	s.log.Info("admin API: rebuild requested")
	writeJSON(w, http.StatusAccepted, map[string]string{"status": "rebuild requested"})
}

// writeRecord answers a GET of an article or appeal: its revision as the
// ETag, 304 when If-None-Match names it, the record otherwise.
func writeRecord(w http.ResponseWriter, r *http.Request, revision int64, v any) {
	etag := revisionETag(revision)
	w.Header().Set("ETag", etag)
	if revisionNotModified(r, etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// writeOutcome answers a PUT: 201 with Location for a new record, 200
// otherwise, the stored record with its revision as the ETag. A write
// that changed something asks for a rebuild; an idempotent one does not.
func (s *Server) writeOutcome(w http.ResponseWriter, r *http.Request, outcome db.Outcome, revision int64, stored any) {
	w.Header().Set("ETag", revisionETag(revision))
	status := http.StatusOK
	if outcome == db.Created {
		status = http.StatusCreated
		w.Header().Set("Location", r.URL.Path)
	}
	if outcome != db.Unchanged {
		s.changed()
	}
	writeJSON(w, status, stored)
}
