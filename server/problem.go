package server

import (
	"net/http"

	"github.com/feedwright/feedwright/validate"
)

// Problem types of the admin API beyond plain HTTP statuses ("about:blank"
// means the status says it all, RFC 9457 section 4.2). They name a kind of
// problem rather than a page, so they are URNs; the README's "Admin API"
// section documents them.
const (
	// problemFields: the JSON parsed but fields are wrong; see errors.
	problemFields = "urn:feedwright:problem:invalid-fields"
	// problemSyntax: the body is not one well-formed JSON value.
	problemSyntax = "urn:feedwright:problem:malformed-json"
)

// Problem is an RFC 9457 problem detail, the body of every error the
// admin API gives.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	// Instance is the request path the problem arose on.
	Instance string `json:"instance,omitempty"`
	// Errors, an extension member, lists every bad field by its JSON
	// path, such as galleries[0].images[3].url.
	Errors validate.Errors `json:"errors,omitempty"`
}

// writeProblem sends p as application/problem+json.
func writeProblem(w http.ResponseWriter, r *http.Request, p Problem) {
	if p.Type == "" {
		p.Type = "about:blank"
	}
	if p.Title == "" {
		p.Title = http.StatusText(p.Status)
	}
	if p.Instance == "" {
		p.Instance = r.URL.Path
	}
	b, err := marshal(p)
	if err != nil {
		b = []byte(`{"type":"about:blank","title":"Internal Server Error","status":500}` + "\n")
		p.Status = http.StatusInternalServerError
	}
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(p.Status)
	w.Write(b)
}

func problem(w http.ResponseWriter, r *http.Request, status int, detail string) {
	writeProblem(w, r, Problem{Status: status, Detail: detail})
}
