package server

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/feedwright/feedwright/db"
	"github.com/feedwright/feedwright/feed"
	"github.com/feedwright/feedwright/validate"
)

// Paging of GET /api/v1/articles.
const (
	defaultListLimit = 50
	maxListLimit     = 200
)

// articleList is the body of GET /api/v1/articles.
type articleList struct {
	Articles []feed.Article `json:"articles"`
	// NextCursor continues the listing; absent after the last page.
	NextCursor string `json:"next_cursor,omitempty"`
}

func (s *Server) apiListArticles(w http.ResponseWriter, r *http.Request) {
	q := db.ListQuery{Limit: defaultListLimit}
	var errs validate.Errors
	params := r.URL.Query()
	for name, vals := range params {
		v := vals[0]
		if len(vals) > 1 {
			errs = append(errs, validate.FieldError{Field: name, Detail: "is given more than once"})
			continue
		}
		switch name {
		case "section":
			q.Section = v
		case "status":
			q.Status = feed.Status(v)
			if !q.Status.Valid() {
				errs = append(errs, validate.FieldError{Field: name, Detail: "must be draft, published or retracted"})
			}
		case "updated_since":
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				errs = append(errs, validate.FieldError{Field: name, Detail: "must be an RFC 3339 date-time such as 2015-03-27T16:20:00Z"})
			}
			q.UpdatedSince = t
		case "limit":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > maxListLimit {
				errs = append(errs, validate.FieldError{Field: name, Detail: "must be a whole number from 1 to " + strconv.Itoa(maxListLimit)})
			}
			q.Limit = n
		case "cursor":
			q.Cursor = v
		default:
			errs = append(errs, validate.FieldError{Field: name, Detail: "unknown parameter; known are section, status, updated_since, limit and cursor"})
		}
	}
	if len(errs) > 0 {
		writeProblem(w, r, Problem{Type: problemFields, Title: "Invalid query parameters", Status: http.StatusBadRequest, Errors: errs})
		return
	}
	arts, next, err := s.opts.Admin.ListArticles(r.Context(), q)
	if err != nil {
		if errors.Is(err, db.ErrBadCursor) {
			writeProblem(w, r, Problem{Type: problemFields, Title: "Invalid query parameters", Status: http.StatusBadRequest,
				Errors: validate.Errors{{Field: "cursor", Detail: "is not a cursor this API gave out"}}})
			return
		}
		s.storeProblem(w, r, err)
		return
	}
	if arts == nil {
		arts = []feed.Article{}
	}
	if next != "" {
		params.Set("cursor", next)
		u := url.URL{Path: r.URL.Path, RawQuery: params.Encode()}
		w.Header().Set("Link", "<"+u.String()+`>; rel="next"`)
	}
	for i := range arts {
		feed.ResolveArticle(&s.opts.Site, &arts[i])
	}
	writeJSON(w, http.StatusOK, articleList{Articles: arts, NextCursor: next})
}

func (s *Server) apiGetArticle(w http.ResponseWriter, r *http.Request) {
	a, err := s.opts.Admin.Article(r.Context(), r.PathValue("slug"))
	if err != nil {
		s.storeProblem(w, r, err)
		return
	}
	feed.ResolveArticle(&s.opts.Site, &a)
	writeRecord(w, r, a.Revision, a)
}

// apiPutArticle creates or replaces an article. The same body twice
// changes nothing: the second answer is 200 with the same ETag, and no
// rebuild follows.
func (s *Server) apiPutArticle(w http.ResponseWriter, r *http.Request) {
	body, ok := readJSON(w, r)
	if !ok {
		return
	}
	slug := r.PathValue("slug")
	a, err := validate.DecodeArticle(body, slug)
	if err != nil {
		decodeProblem(w, r, err)
		return
	}
	stored, outcome, err := s.opts.Admin.WriteArticle(r.Context(), a, time.Now(), writeOptions(r))
	if err != nil {
		s.storeProblem(w, r, err)
		return
	}
	s.log.Info("admin API: article written", "slug", slug, "outcome", outcome.String(), "revision", stored.Revision)
	feed.ResolveArticle(&s.opts.Site, &stored)
	s.writeOutcome(w, r, outcome, stored.Revision, stored)
}

// apiDeleteArticle retracts an article: it leaves every feed at the next
// build, and its row stays so that its GUID is never given out again.
func (s *Server) apiDeleteArticle(w http.ResponseWriter, r *http.Request) {
	slug := r.PathValue("slug")
	a, changed, err := s.opts.Admin.RetractArticleIf(r.Context(), slug, time.Now(), writeOptions(r))
	if err != nil {
		s.storeProblem(w, r, err)
		return
	}
	s.log.Info("admin API: article retracted", "slug", slug, "changed", changed, "revision", a.Revision)
	if changed {
		s.changed()
	}
	w.Header().Set("ETag", revisionETag(a.Revision))
	feed.ResolveArticle(&s.opts.Site, &a)
	writeJSON(w, http.StatusOK, a)
}
