package feed

import (
	"cmp"
	"net/url"
	"strings"

	"github.com/gorilla/feeds"
)

// Atom 1.0 extends gorilla/feeds' structures where they stop short: several
// links with titles (self, alternate, hub, payment, paging, one enclosure
// per file), several authors, category term=, a generator, Media RSS, and
// text constructs that never rely on numeric character references (HTML
// content goes into CDATA). Fields declared here shadow the embedded ones
// of the same element name.

type atomDoc struct {
	Title    *textElem `xml:"title"`
	Subtitle *textElem `xml:"subtitle"`
	feeds.AtomFeed
	NSMedia   string       `xml:"xmlns:media,attr"`
	Lang      string       `xml:"xml:lang,attr,omitempty"`
	Links     []atomLink   `xml:"link"`
	Authors   []atomAuthor `xml:"author"`
	Rights    *textElem    `xml:"rights"`
	Generator *textElem    `xml:"generator"`
	Entries   []*atomEntry `xml:"entry"`
}

type atomEntry struct {
	Title *textElem `xml:"title"`
	feeds.AtomEntry
	Authors    []atomAuthor   `xml:"author"`
	Categories []atomCategory `xml:"category"`
	Links      []atomLink     `xml:"link"`
	Summary    *textElem      `xml:"summary"`
	Content    *textElem      `xml:"content"`
	itemMedia
}

type atomLink struct {
	Href   string `xml:"href,attr"`
	Rel    string `xml:"rel,attr,omitempty"`
	Type   string `xml:"type,attr,omitempty"`
	Title  string `xml:"title,attr,omitempty"`
	Length int64  `xml:"length,attr,omitempty"`
}

type atomAuthor struct {
	Name text `xml:"name"`
	feeds.AtomPerson
}

type atomCategory struct {
	Term string `xml:"term,attr"`
}

func newAtom(in *Input) *atomDoc {
	site := &in.Site
	p := page(in)
	doc := &atomDoc{
		AtomFeed: feeds.AtomFeed{
			Xmlns: nsAtom,
			// Every page of a feed is the same logical feed (RFC 5005),
			// so all share the id of the first.
			Id:      pageURL(in, Atom, 1),
			Updated: rfc3339(LastModified(in)),
		},
		NSMedia:   nsMedia,
		Lang:      site.Language,
		Title:     typed("text", feedTitle(in), false),
		Subtitle:  typed("text", feedDescription(in), false),
		Generator: &textElem{Attrs: attrs("uri", GeneratorURI), Text: Generator},
		Links: []atomLink{
			{Rel: "self", Href: pageURL(in, Atom, p.Number), Type: mediaType(Atom)},
			{Rel: "alternate", Href: homePage(in), Type: "text/html"},
		},
	}
	if site.Icon != "" {
		doc.Icon = Resolve(siteBase(in), site.Icon)
	}
	if site.Logo != "" {
		doc.Logo = Resolve(siteBase(in), site.Logo)
	}
	if site.Rights != "" {
		doc.Rights = typed("text", site.Rights, false)
	}
	for _, h := range site.Hubs {
		doc.Links = append(doc.Links, atomLink{Rel: "hub", Href: h})
	}
	for _, l := range pagingLinks(in, Atom) {
		doc.Links = append(doc.Links, atomLink{Rel: l.Rel, Href: l.Href, Type: l.Type})
	}
	for _, ap := range pageAppeals(in) {
		doc.Links = append(doc.Links, atomLink{Rel: "payment", Href: appealURL(siteBase(in), ap, Atom), Type: "text/html", Title: appealLabel(ap)})
	}
	// RFC 4287 wants a feed author unless every entry has its own.
	if !allHaveAuthors(in) {
		doc.Authors = []atomAuthor{{Name: text(site.Title), AtomPerson: feeds.AtomPerson{Uri: homePage(in)}}}
	}
	for i := range in.Articles {
		doc.Entries = append(doc.Entries, newAtomEntry(in, &in.Articles[i]))
	}
	return doc
}

func newAtomEntry(in *Input, a *Article) *atomEntry {
	base := ArticleBase(&in.Site, a)
	e := &atomEntry{
		Title: typed("text", a.Title, false),
		AtomEntry: feeds.AtomEntry{
			Id:        atomID(a.GUID, base),
			Updated:   rfc3339(cmp.Or(updated(a), LastModified(in))),
			Published: rfc3339(a.PublishedAt),
		},
		Links:     []atomLink{{Rel: "alternate", Href: base.String(), Type: "text/html"}},
		Content:   typed("html", ContentHTML(&in.Site, a, AppealFor(in, a), Atom), true),
		itemMedia: newItemMedia(base, a),
	}
	if s := summary(a); s != "" {
		e.Summary = typed("text", s, false)
	}
	for _, au := range a.Authors {
		if au.Name != "" {
			e.Authors = append(e.Authors, atomAuthor{Name: text(au.Name), AtomPerson: feeds.AtomPerson{Uri: Resolve(base, au.URL), Email: au.Email}})
		}
	}
	for _, c := range categories(a) {
		e.Categories = append(e.Categories, atomCategory{Term: c})
	}
	for _, f := range itemFiles(base, a) {
		e.Links = append(e.Links, atomLink{Rel: "enclosure", Href: f.URL, Type: f.Type, Length: f.Length, Title: strings.Join(strings.Fields(f.Title), " ")})
	}
	return e
}

// atomID is the entry id: the GUID when it is already an absolute URI
// (urn:uuid:…, tag:…, http…), otherwise the GUID escaped into a URN of its
// own, which is as stable as the GUID itself.
func atomID(guid string, base *url.URL) string {
	if u, err := url.Parse(guid); err == nil && u.Scheme != "" {
		return guid
	}
	if guid == "" {
		return base.String()
	}
	return "urn:feedwright:" + url.PathEscape(guid)
}
