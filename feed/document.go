package feed

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"math/bits"
	"net/url"
	"strconv"
	"time"

	"github.com/andybalholm/brotli"
)

// Format is one of the three document formats a feed is published in.
type Format string

// The formats, in the order they are built and listed.
const (
	RSS  Format = "rss"
	Atom Format = "atom"
	JSON Format = "json"
)

// Formats lists every format.
var Formats = []Format{RSS, Atom, JSON}

// ContentType is the media type a document of format f is served with.
func (f Format) ContentType() string {
	switch f {
	case RSS:
		return "application/rss+xml; charset=utf-8"
	case Atom:
		return "application/atom+xml; charset=utf-8"
	case JSON:
		return "application/feed+json; charset=utf-8"
	}
	return "application/octet-stream"
}

// Label is the name people know the format by.
func (f Format) Label() string {
	switch f {
	case RSS:
		return "RSS 2.0"
	case Atom:
		return "Atom 1.0"
	case JSON:
		return "JSON Feed 1.1"
	}
	return string(f)
}

// ParseFormat maps a file extension ("rss", "atom", "json") to its Format.
func ParseFormat(ext string) (Format, bool) {
	switch Format(ext) {
	case RSS, Atom, JSON:
		return Format(ext), true
	}
	return "", false
}

// FeedPath is the path, below the base URL, that feed name is served at in
// format f; page 1 is the feed itself, higher pages are its archive.
func FeedPath(name string, f Format, page int) string {
	p := "/feeds/" + url.PathEscape(name) + "." + string(f)
	if page > 1 {
		p += "?page=" + strconv.Itoa(page)
	}
	return p
}

// Page places a document in a feed's sequence of pages (RFC 5005).
type Page struct {
	// Number is 1 for the newest items.
	Number int
	// Last is the number of the oldest page; 0 or 1 when there is one.
	Last int
}

// Input is everything one feed page is rendered from.
type Input struct {
	Site Site
	Feed Definition
	// Articles are the page's items, newest first, already selected
	// for the feed and visible at Now.
	Articles []Article
	// Appeals are candidate appeals; those running at Now apply.
	Appeals []Appeal
	// Now is the time of the build. It decides which appeals run; it
	// never appears in a document by itself.
	Now  time.Time
	Page Page
}

// Document is a rendered feed document with everything HTTP needs to serve
// it, computed once at publication.
type Document struct {
	Format Format
	Body   []byte
	// Gzip is Body compressed; it is served byte for byte.
	Gzip []byte
	// Brotli is Body compressed with brotli, served to clients that
	// accept "br". It is empty in documents stored before it existed;
	// such a document is served as gzip or identity instead.
	Brotli []byte
	// ETag, GzipETag and BrotliETag are strong validators derived from
	// the bytes of each representation.
	ETag       string
	GzipETag   string
	BrotliETag string
	// LastModified is the newest content change the document carries.
	LastModified time.Time
}

// Effort is how hard a document is compressed at publication.
type Effort int

const (
	// EffortBest is for the documents nearly every request asks for, a
	// feed's first page: gzip -9 and brotli at BrotliLevel.
	EffortBest Effort = iota
	// EffortFast is for archive pages. Readers fetch them rarely, but a
	// new article moves every item down a place, so a build recompresses
	// all of them at once; brotli at BrotliLevel costs about 10 ms a
	// document, which across 50 pages in three formats would hold a new
	// article back by seconds. gzip -6 and brotli 5 cost well under a
	// millisecond and still beat gzip -9 (BENCHMARKS.md).
	EffortFast
)

// NewDocument wraps rendered bytes with their compressed form and
// validators, compressed with EffortBest.
func NewDocument(f Format, body []byte, lastModified time.Time) (*Document, error) {
	return NewDocumentEffort(f, body, lastModified, EffortBest)
}

// NewDocumentEffort is NewDocument with the compression effort chosen.
func NewDocumentEffort(f Format, body []byte, lastModified time.Time, effort Effort) (*Document, error) {
	gzLevel, brQuality := gzip.BestCompression, BrotliLevel
	if effort == EffortFast {
		gzLevel, brQuality = gzip.DefaultCompression, brotliFastLevel
	}
	gz, err := gzipLevel(body, gzLevel)
	if err != nil {
		return nil, fmt.Errorf("compress %s document: %w", f, err)
	}
	br, err := brotliQuality(body, brQuality)
	if err != nil {
		return nil, fmt.Errorf("compress %s document with brotli: %w", f, err)
	}
	return &Document{
		Format:       f,
		Body:         body,
		Gzip:         gz,
		Brotli:       br,
		ETag:         ETag(body),
		GzipETag:     ETag(gz),
		BrotliETag:   ETag(br),
		LastModified: lastModified.UTC().Truncate(time.Second),
	}, nil
}

// ETag is a strong entity tag derived from the bytes alone, so identical
// documents share it across rebuilds and restarts.
func ETag(b []byte) string {
	sum := sha256.Sum256(b)
	return `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`
}

// Gzip compresses b deterministically: no name and no time in the header,
// so the same input gives the same bytes and the same ETag.
func Gzip(b []byte) ([]byte, error) {
	return gzipLevel(b, gzip.BestCompression)
}

func gzipLevel(b []byte, level int) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, level)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(b); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// BrotliLevel is the brotli quality documents are compressed at. Measured
// on the demo feed (BENCHMARKS.md), 10 gives nearly all of 11's gain over
// gzip at a quarter of its time, and the cost is paid once per build.
const BrotliLevel = 10

// brotliFastLevel is the quality of EffortFast: the fastest level that
// still finds brotli's dictionary matches (about 9 % smaller than gzip -9
// on the demo feed, in under half a millisecond).
const brotliFastLevel = 5

// Brotli compresses b with brotli at BrotliLevel. The encoder is
// deterministic, so the same input gives the same bytes and ETag.
//
// The window is sized to the document: the default 4 MiB window makes the
// encoder allocate tens of megabytes per document, for nothing when the
// document is a few kilobytes. A window that holds the whole input loses
// no match, and it depends only on the input's length.
func Brotli(b []byte) ([]byte, error) {
	return brotliQuality(b, BrotliLevel)
}

func brotliQuality(b []byte, quality int) ([]byte, error) {
	var buf bytes.Buffer
	lgwin := min(max(bits.Len(uint(len(b))), 10), 24)
	bw := brotli.NewWriterOptions(&buf, brotli.WriterOptions{Quality: quality, LGWin: lgwin})
	if _, err := bw.Write(b); err != nil {
		return nil, err
	}
	if err := bw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
