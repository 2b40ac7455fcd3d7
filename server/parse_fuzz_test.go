package server

import (
	"strings"
	"testing"
)

// FuzzNegotiate feeds arbitrary Accept-Encoding values: negotiation never
// panics, never picks brotli for a document without it, and never picks a
// coding the client refused by name with q=0 when it accepts another.
func FuzzNegotiate(f *testing.F) {
	for _, s := range []string{"", "gzip", "br;q=0, gzip", "*;q=0", "gzip;q=0.5,br;q=1", " ;;,q=,", "identity;q=0, *"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ae string) {
		c := negotiate([]string{ae}, false)
		if c == brotliCoding {
			t.Fatalf("%q: brotli chosen for a document without it", ae)
		}
		if c < identity || c >= numCodings {
			t.Fatalf("%q: coding %d", ae, c)
		}
		if c := negotiate([]string{ae + ", gzip;q=0"}, true); c == gzipCoding && !strings.Contains(strings.ToLower(ae), "gzip") {
			t.Fatalf("%q + gzip;q=0: chose gzip", ae)
		}
	})
}

// FuzzETagList checks the If-None-Match scanner against any input: it
// never panics, and a list that carries our tag, strong or weak, between
// arbitrary well-formed tags always matches.
func FuzzETagList(f *testing.F) {
	for _, s := range []string{``, `*`, `"a"`, `W/"a", "b"`, `"a,b", W/"c"`, `"unterminated`, `W/`} {
		f.Add(s, "xyz")
	}
	f.Fuzz(func(t *testing.T, list, tag string) {
		etagListMatches(list, `"`+tag+`"`)
		if strings.ContainsAny(tag, "\"") {
			return
		}
		etag := `"` + tag + `"`
		if !etagListMatches(`"other", W/`+etag+`, "x"`, etag) || !etagListMatches(etag, etag) {
			t.Fatalf("list with %s does not match", etag)
		}
	})
}
