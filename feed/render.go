package feed

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Generator names the software in every document.
const Generator = "Feedwright"

// GeneratorURI is where the software and its feed extensions are described.
const GeneratorURI = "https://github.com/feedwright/feedwright"

// summaryRunes bounds a summary derived from the body when there is no dek.
const summaryRunes = 280

// Build renders the page described by in in every format.
func Build(in Input) ([]*Document, error) {
	docs := make([]*Document, 0, len(Formats))
	lm := LastModified(&in)
	for _, f := range Formats {
		body, err := Render(in, f)
		if err != nil {
			return nil, err
		}
		d, err := NewDocument(f, body, lm)
		if err != nil {
			return nil, err
		}
		docs = append(docs, d)
	}
	return docs, nil
}

// LastModified is the newest content change a page carries: its newest
// article edit or publication, or a change of an appeal that applies to one
// of its articles (an edit, or a start or end that has passed, since the
// appeal's block appears or disappears then). It is never the build time
// itself, so an unchanged rebuild gives identical bytes. A page with no
// content is dated at the Unix epoch.
func LastModified(in *Input) time.Time {
	var t time.Time
	later := func(c time.Time) {
		if c.After(t) && !c.After(in.Now) {
			t = c
		}
	}
	for i := range in.Articles {
		later(in.Articles[i].PublishedAt)
		later(in.Articles[i].UpdatedAt)
	}
	for i := range in.Appeals {
		ap := &in.Appeals[i]
		applies := false
		for j := range in.Articles {
			if ap.AppliesTo(&in.Articles[j]) {
				applies = true
				break
			}
		}
		if !applies {
			continue
		}
		later(ap.UpdatedAt)
		later(ap.StartsAt)
		later(ap.EndsAt)
	}
	if t.IsZero() {
		t = time.Unix(0, 0)
	}
	return t.UTC().Truncate(time.Second)
}

// Render produces the bytes of one document. Every string of in passes
// CleanText first, so any input gives a well-formed document.
func Render(in Input, f Format) ([]byte, error) {
	c := cleanInput(&in)
	var (
		b   []byte
		err error
	)
	switch f {
	case RSS:
		b, err = marshalXML(newRSS(&c))
	case Atom:
		b, err = marshalXML(newAtom(&c))
	case JSON:
		b, err = marshalJSON(newJSONFeed(&c))
	default:
		return nil, fmt.Errorf("render feed %q: unknown format %q", in.Feed.Name, f)
	}
	if err != nil {
		return nil, fmt.Errorf("render feed %q as %s: %w", in.Feed.Name, f, err)
	}
	return b, nil
}

func marshalXML(v any) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	return namedRefs(buf.Bytes()), nil
}

// namedRefs replaces the numeric references encoding/xml writes for quotes
// in attribute values (&#34; &#39;) with the named entities every parser
// knows; some leave numeric ones undecoded. CDATA sections are skipped:
// outside them a literal "&#34;" would have been written "&amp;#34;", so
// every match is one of encoding/xml's escapes.
func namedRefs(b []byte) []byte {
	var (
		out   []byte
		start = []byte("<![CDATA[")
		end   = []byte("]]>")
		repl  = strings.NewReplacer("&#34;", "&quot;", "&#39;", "&apos;")
	)
	for len(b) > 0 {
		i := bytes.Index(b, start)
		if i < 0 {
			i = len(b)
		}
		out = append(out, repl.Replace(string(b[:i]))...)
		b = b[i:]
		if len(b) == 0 {
			break
		}
		j := bytes.Index(b, end)
		if j < 0 {
			j = len(b)
		} else {
			j += len(end)
		}
		out = append(out, b[:j]...)
		b = b[j:]
	}
	return out
}

// page is the normalised place of a document in its feed's pages.
func page(in *Input) Page {
	p := in.Page
	if p.Number < 1 {
		p.Number = 1
	}
	if p.Last < p.Number {
		p.Last = p.Number
	}
	return p
}

// pageURL is the absolute URL of page n of the feed in format f.
func pageURL(in *Input, f Format, n int) string {
	return strings.TrimRight(in.Site.BaseURL, "/") + FeedPath(in.Feed.Name, f, n)
}

// link is a typed link of a feed: self, alternate, hub, payment, or one of
// the RFC 5005 paging relations.
type link struct {
	Rel, Href, Type string
}

// pagingLinks are the RFC 5005 links of a paged feed: first and last
// always, previous and next where they exist. A feed of one page has none.
func pagingLinks(in *Input, f Format) []link {
	p := page(in)
	if p.Last <= 1 {
		return nil
	}
	typ := mediaType(f)
	out := []link{{Rel: "first", Href: pageURL(in, f, 1), Type: typ}}
	if p.Number > 1 {
		out = append(out, link{Rel: "previous", Href: pageURL(in, f, p.Number-1), Type: typ})
	}
	if p.Number < p.Last {
		out = append(out, link{Rel: "next", Href: pageURL(in, f, p.Number+1), Type: typ})
	}
	return append(out, link{Rel: "last", Href: pageURL(in, f, p.Last), Type: typ})
}

// mediaType is f's content type without parameters, as link types want it.
func mediaType(f Format) string {
	t, _, _ := strings.Cut(f.ContentType(), ";")
	return t
}

// siteBase is the base URL that site-level references resolve against.
func siteBase(in *Input) *url.URL {
	u, err := url.Parse(in.Site.BaseURL)
	if err != nil {
		return &url.URL{}
	}
	return u
}

// homePage is the publisher's home page: Site.URL, or the base URL.
func homePage(in *Input) string {
	if in.Site.URL != "" {
		return Resolve(siteBase(in), in.Site.URL)
	}
	return in.Site.BaseURL
}

// feedTitle and feedDescription fall back to the site's.
func feedTitle(in *Input) string {
	if in.Feed.Title != "" {
		return in.Feed.Title
	}
	return in.Site.Title
}

func feedDescription(in *Input) string {
	if in.Feed.Description != "" {
		return in.Feed.Description
	}
	if in.Site.Description != "" {
		return in.Site.Description
	}
	return feedTitle(in)
}

// categories are the article's section and tags, each once, section first,
// their whitespace collapsed (a category is a word or a short phrase, and
// Atom carries it in an attribute).
func categories(a *Article) []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range append([]string{a.Section}, a.Tags...) {
		c = strings.Join(strings.Fields(c), " ")
		if c == "" || seen[strings.ToLower(c)] {
			continue
		}
		seen[strings.ToLower(c)] = true
		out = append(out, c)
	}
	return out
}

// summary is the item's text summary: the dek, or the start of the body.
func summary(a *Article) string {
	if d := strings.TrimSpace(a.Dek); d != "" {
		return d
	}
	return PlainText(a.BodyHTML, summaryRunes)
}

// updated is when the article's content last changed, never before its
// publication.
func updated(a *Article) time.Time {
	if a.UpdatedAt.After(a.PublishedAt) {
		return a.UpdatedAt
	}
	return a.PublishedAt
}

// allHaveAuthors reports whether every article names an author, in which
// case the feed names none of its own (readers merge the two).
func allHaveAuthors(in *Input) bool {
	for i := range in.Articles {
		if in.Articles[i].Byline() == "" {
			return false
		}
	}
	return len(in.Articles) > 0
}
