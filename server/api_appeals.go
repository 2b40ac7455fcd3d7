package server

import (
	"net/http"
	"time"

	"github.com/feedwright/feedwright/feed"
	"github.com/feedwright/feedwright/validate"
)

// appealList is the body of GET /api/v1/appeals.
type appealList struct {
	Appeals []feed.Appeal `json:"appeals"`
}

func (s *Server) apiListAppeals(w http.ResponseWriter, r *http.Request) {
	aps, err := s.opts.Admin.Appeals(r.Context())
	if err != nil {
		s.storeProblem(w, r, err)
		return
	}
	if aps == nil {
		aps = []feed.Appeal{}
	}
	for i := range aps {
		feed.ResolveAppeal(&s.opts.Site, &aps[i])
	}
	writeJSON(w, http.StatusOK, appealList{Appeals: aps})
}

func (s *Server) apiGetAppeal(w http.ResponseWriter, r *http.Request) {
	ap, err := s.opts.Admin.Appeal(r.Context(), r.PathValue("name"))
	if err != nil {
		s.storeProblem(w, r, err)
		return
	}
	feed.ResolveAppeal(&s.opts.Site, &ap)
	writeRecord(w, r, ap.Revision, ap)
}

func (s *Server) apiPutAppeal(w http.ResponseWriter, r *http.Request) {
	body, ok := readJSON(w, r)
	if !ok {
		return
	}
	name := r.PathValue("name")
	ap, err := validate.DecodeAppeal(body, name)
	if err != nil {
		decodeProblem(w, r, err)
		return
	}
	stored, outcome, err := s.opts.Admin.WriteAppeal(r.Context(), ap, time.Now(), writeOptions(r))
	if err != nil {
		s.storeProblem(w, r, err)
		return
	}
	s.log.Info("admin API: appeal written", "name", name, "outcome", outcome.String(), "revision", stored.Revision)
	feed.ResolveAppeal(&s.opts.Site, &stored)
	s.writeOutcome(w, r, outcome, stored.Revision, stored)
}

// apiDeleteAppeal removes an appeal; it leaves the feeds at the next build.
func (s *Server) apiDeleteAppeal(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if err := s.opts.Admin.DeleteAppealIf(r.Context(), name, writeOptions(r)); err != nil {
		s.storeProblem(w, r, err)
		return
	}
	s.log.Info("admin API: appeal deleted", "name", name)
	s.changed()
	w.WriteHeader(http.StatusNoContent)
}
