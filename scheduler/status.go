package scheduler

import (
	"fmt"
	"time"
)

// FeedStatus is how one feed's builds stand, for /readyz and operators.
type FeedStatus struct {
	Feed string
	// Serving reports whether the feed has documents to serve.
	Serving bool
	// Checked is the last time a pass left the feed current, whether it
	// built new documents or found nothing to change.
	Checked time.Time
	// Built is when the documents being served were published.
	Built time.Time
	// Items and Pages are what the documents being served hold.
	Items, Pages int
	// Failures counts the builds that failed since the last success;
	// LastError and LastErrorAt describe the latest failure ever.
	Failures    int
	LastError   string
	LastErrorAt time.Time
}

// Status returns every configured feed's status, in configuration order.
func (s *Scheduler) Status() []FeedStatus {
	s.statusMu.Lock()
	defer s.statusMu.Unlock()
	out := make([]FeedStatus, 0, len(s.opts.Feeds))
	for _, d := range s.opts.Feeds {
		out = append(out, *s.status[d.Name])
	}
	return out
}

// StatusLines describes every feed's status in one line each, the detail
// /readyz prints under its verdict.
func (s *Scheduler) StatusLines() []string {
	var lines []string
	for _, st := range s.Status() {
		line := "feed " + st.Feed + ": "
		switch {
		case !st.Serving:
			line += "no documents yet"
		default:
			line += fmt.Sprintf("serving %d items on %d pages built %s", st.Items, st.Pages, stamp(st.Built))
		}
		if !st.Checked.IsZero() {
			line += ", last success " + stamp(st.Checked)
		}
		if st.Failures > 0 {
			line += fmt.Sprintf(", FAILING (%d in a row), last error at %s: %s", st.Failures, stamp(st.LastErrorAt), st.LastError)
		}
		lines = append(lines, line)
	}
	return lines
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format(time.RFC3339)
}

func (s *Scheduler) setStatus(name string, fn func(*FeedStatus)) {
	s.statusMu.Lock()
	defer s.statusMu.Unlock()
	if st := s.status[name]; st != nil {
		fn(st)
	}
}

func (s *Scheduler) recordFailure(name string, now time.Time, err error) {
	s.setStatus(name, func(st *FeedStatus) {
		st.Failures++
		st.LastError, st.LastErrorAt = err.Error(), now
	})
}
