package server

import (
	"strconv"
	"strings"
)

// coding is a content coding a document can be served in. The values
// index a prepared document's representations.
type coding int

const (
	identity coding = iota
	gzipCoding
	brotliCoding
	numCodings
)

// negotiate picks the representation for an Accept-Encoding field value,
// following RFC 9110 §12.5.3: each coding's q-value, "*" for the codings
// not named, q=0 refusing. Of the acceptable codings the highest q wins;
// on a tie the smaller representation (br, then gzip, then identity).
// A request without the field, or with an empty one, gets identity. So
// does one that refuses every coding we have, identity included: answering
// 406 instead would leave such a client with nothing, and RFC 9110 allows
// sending the identity representation anyway. haveBrotli is false for
// documents stored before brotli existed.
//
// It runs on every feed request, so it allocates nothing.
func negotiate(values []string, haveBrotli bool) coding {
	// Negative means "not named".
	qIdentity, qGzip, qBrotli, qStar := -1.0, -1.0, -1.0, -1.0
	named := false
	for _, v := range values {
		// A hand-written scan: this runs on every feed request, and
		// splitting with iterators and cutting costs several times more.
		for i := 0; i < len(v); {
			// One element: a coding name, then ";params" up to a comma.
			for i < len(v) && (v[i] == ' ' || v[i] == '\t' || v[i] == ',') {
				i++
			}
			start := i
			for i < len(v) && v[i] != ',' && v[i] != ';' && v[i] != ' ' && v[i] != '\t' {
				i++
			}
			name := v[start:i]
			pstart := i
			for i < len(v) && v[i] != ',' {
				i++
			}
			if name == "" {
				continue
			}
			q := 1.0
			if params := v[pstart:i]; strings.IndexByte(params, ';') >= 0 {
				var ok bool
				if q, ok = qValue(params); !ok {
					continue // a malformed weight: ignore the element
				}
			} else if strings.TrimSpace(params) != "" {
				continue // junk after the name
			}
			named = true
			switch {
			case len(name) == 4 && strings.EqualFold(name, "gzip"), strings.EqualFold(name, "x-gzip"):
				qGzip = max(qGzip, q)
			case len(name) == 2 && strings.EqualFold(name, "br"):
				qBrotli = max(qBrotli, q)
			case name == "*":
				qStar = max(qStar, q)
			case strings.EqualFold(name, "identity"):
				qIdentity = max(qIdentity, q)
			}
		}
	}
	if !named {
		return identity
	}
	effective := func(q float64) float64 {
		if q < 0 {
			return max(qStar, 0)
		}
		return q
	}
	qGzip, qBrotli = effective(qGzip), effective(qBrotli)
	if qIdentity < 0 {
		// Identity is acceptable unless refused, by name or by "*;q=0";
		// it ranks below any coding the client asked for.
		qIdentity = 0.0001
		if qStar == 0 {
			qIdentity = 0
		}
	}
	best, bestQ := identity, qIdentity
	if qGzip > 0 && qGzip >= bestQ {
		best, bestQ = gzipCoding, qGzip
	}
	if haveBrotli && qBrotli > 0 && qBrotli >= bestQ {
		best = brotliCoding
	}
	return best
}

// qValue reads the weight from an element's parameters ("q=0.5"); no
// weight means 1. ok is false when the weight is not a number in [0, 1].
func qValue(params string) (q float64, ok bool) {
	q = 1
	for p := range strings.SplitSeq(params, ";") {
		k, v, _ := strings.Cut(p, "=")
		if !strings.EqualFold(strings.TrimSpace(k), "q") {
			continue
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || f < 0 || f > 1 {
			return 0, false
		}
		q = f
	}
	return q, true
}
