package server

import (
	"net/http"
	"time"
)

// notModified applies RFC 9110's conditional rules for GET and HEAD
// (§13.2.2): If-None-Match, compared weakly, decides when present;
// otherwise If-Modified-Since matches when the document is not newer than
// the date given, whatever that date is (clients send arbitrary ones, not
// only a copy of our Last-Modified).
func notModified(h http.Header, etag string, lastModified time.Time) bool {
	if inm := h["If-None-Match"]; len(inm) > 0 {
		for _, list := range inm {
			if etagListMatches(list, etag) {
				return true
			}
		}
		return false
	}
	if ims := h["If-Modified-Since"]; len(ims) > 0 {
		t, err := http.ParseTime(ims[0])
		return err == nil && !lastModified.Truncate(time.Second).After(t)
	}
	return false
}

// etagListMatches reports whether an If-None-Match field value names etag,
// using the weak comparison: W/"x" matches "x", as the caches that weaken
// a tag when they compress send it back. "*" matches any current document.
// The list is scanned by the grammar (entity tags may hold commas), and
// nothing is allocated.
func etagListMatches(list, etag string) bool {
	if len(etag) >= 2 && etag[0] == 'W' && etag[1] == '/' {
		etag = etag[2:]
	}
	for i := 0; i < len(list); {
		switch c := list[i]; {
		case c == ' ' || c == '\t' || c == ',':
			i++
			continue
		case c == '*':
			return true
		}
		if list[i] == 'W' && i+1 < len(list) && list[i+1] == '/' {
			i += 2
		}
		if i >= len(list) || list[i] != '"' {
			return false // not an entity tag: the field is malformed
		}
		end := i + 1
		for end < len(list) && list[end] != '"' {
			end++
		}
		if end >= len(list) {
			return false
		}
		if list[i:end+1] == etag {
			return true
		}
		i = end + 1
	}
	return false
}
