package feed

import (
	"strconv"
	"time"

	"github.com/gorilla/feeds"
)

// RSS 2.0 extends gorilla/feeds' structures where they stop short: several
// categories, dc:creator, atom:link (self, hub, paging), the syndication
// module, Media RSS, podcast:funding, and text that never relies on
// numeric character references. The fields declared here shadow the
// embedded ones of the same element name (encoding/xml lets the shallower
// field win), and their position sets the element order.

const (
	nsContent = "http://purl.org/rss/1.0/modules/content/"
	nsAtom    = "http://www.w3.org/2005/Atom"
	nsDC      = "http://purl.org/dc/elements/1.1/"
	nsSy      = "http://purl.org/rss/1.0/modules/syndication/"
	nsPodcast = "https://podcastindex.org/namespace/1.0"
)

type rssDoc struct {
	feeds.RssFeedXml
	NSAtom    string      `xml:"xmlns:atom,attr"`
	NSDC      string      `xml:"xmlns:dc,attr"`
	NSMedia   string      `xml:"xmlns:media,attr"`
	NSSy      string      `xml:"xmlns:sy,attr"`
	NSPodcast string      `xml:"xmlns:podcast,attr,omitempty"`
	Channel   *rssChannel `xml:"channel"`
}

type rssChannel struct {
	Title       text       `xml:"title"`
	Link        string     `xml:"link"`
	Description text       `xml:"description"`
	AtomLinks   []atomLink `xml:"atom:link"`
	feeds.RssFeed
	Copyright       text        `xml:"copyright,omitempty"`
	Image           *rssImage   `xml:"image"`
	UpdatePeriod    string      `xml:"sy:updatePeriod,omitempty"`
	UpdateFrequency int         `xml:"sy:updateFrequency,omitempty"`
	Funding         []*textElem `xml:"podcast:funding"`
	Items           []*rssItem  `xml:"item"`
}

type rssImage struct {
	URL   string `xml:"url"`
	Title text   `xml:"title"`
	Link  string `xml:"link"`
}

type rssItem struct {
	Title       text   `xml:"title"`
	Link        string `xml:"link"`
	Description text   `xml:"description,omitempty"`
	feeds.RssItem
	Creator    text      `xml:"dc:creator,omitempty"`
	Categories []text    `xml:"category"`
	Content    *textElem `xml:"content:encoded"`
	itemMedia
}

func newRSS(in *Input) *rssDoc {
	site := &in.Site
	p := page(in)
	ch := &rssChannel{
		Title:       text(feedTitle(in)),
		Link:        homePage(in),
		Description: text(feedDescription(in)),
		AtomLinks:   []atomLink{{Rel: "self", Href: pageURL(in, RSS, p.Number), Type: mediaType(RSS)}},
		RssFeed: feeds.RssFeed{
			Language:      site.Language,
			LastBuildDate: rfc822(LastModified(in)),
			Generator:     Generator,
			Ttl:           TTLMinutes(site.TTL),
		},
		Copyright: text(site.Rights),
	}
	for _, h := range site.Hubs {
		ch.AtomLinks = append(ch.AtomLinks, atomLink{Rel: "hub", Href: h})
	}
	for _, l := range pagingLinks(in, RSS) {
		ch.AtomLinks = append(ch.AtomLinks, atomLink{Rel: l.Rel, Href: l.Href, Type: l.Type})
	}
	if img := siteImage(in); img != "" {
		ch.Image = &rssImage{URL: img, Title: ch.Title, Link: ch.Link}
	}
	ch.UpdatePeriod, ch.UpdateFrequency = syndication(site.TTL)
	for _, ap := range pageAppeals(in) {
		ch.Funding = append(ch.Funding, &textElem{
			Attrs: attrs("url", appealURL(siteBase(in), ap, RSS)),
			Text:  appealLabel(ap),
		})
	}
	for i := range in.Articles {
		ch.Items = append(ch.Items, newRSSItem(in, &in.Articles[i]))
	}
	doc := &rssDoc{
		RssFeedXml: feeds.RssFeedXml{Version: "2.0", ContentNamespace: nsContent},
		NSAtom:     nsAtom,
		NSDC:       nsDC,
		NSMedia:    nsMedia,
		NSSy:       nsSy,
		Channel:    ch,
	}
	if len(ch.Funding) > 0 {
		doc.NSPodcast = nsPodcast
	}
	return doc
}

func newRSSItem(in *Input, a *Article) *rssItem {
	base := ArticleBase(&in.Site, a)
	link := base.String()
	guid := a.GUID
	if guid == "" {
		guid = link
	}
	perma := "false"
	if guid == link {
		perma = "true"
	}
	it := &rssItem{
		Title: text(a.Title),
		Link:  link,
		// Readers and e-mail tools treat description as HTML, so the
		// plain summary is escaped to read as the text it is.
		Description: text(escapeHTMLText(summary(a))),
		RssItem: feeds.RssItem{
			Guid:    &feeds.RssGuid{Id: guid, IsPermaLink: perma},
			PubDate: rfc822(a.PublishedAt),
		},
		// One dc:creator with the whole byline: with several, Miniflux
		// keeps only the last.
		Creator:   text(a.Byline()),
		Content:   &textElem{Text: ContentHTML(&in.Site, a, AppealFor(in, a), RSS), CDATA: true},
		itemMedia: newItemMedia(base, a),
	}
	for _, c := range categories(a) {
		it.Categories = append(it.Categories, text(c))
	}
	if a.Lead != nil {
		// RSS allows one enclosure: the lead image, with its true length.
		it.Enclosure = &feeds.RssEnclosure{
			Url:    Resolve(base, a.Lead.URL),
			Length: strconv.FormatInt(a.Lead.Length, 10),
			Type:   a.Lead.MIMEType,
		}
	}
	return it
}

// siteImage is the channel's picture: the logo, or the icon.
func siteImage(in *Input) string {
	img := in.Site.Logo
	if img == "" {
		img = in.Site.Icon
	}
	if img == "" {
		return ""
	}
	return Resolve(siteBase(in), img)
}

// TTLMinutes is the RSS ttl for a rebuild interval: whole minutes, at
// least one, rounded up so that a reader never polls sooner than a
// rebuild. HTTP caching (max-age) makes the same promise from it, because
// Miniflux waits the largest of the two.
func TTLMinutes(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return max(1, int((d+time.Minute-1)/time.Minute))
}

// syndication expresses the rebuild interval in the syndication module's
// terms: the shortest period that holds at least one rebuild, and how many
// rebuilds fit in it (rounded down, so the promise is never too eager).
func syndication(d time.Duration) (period string, frequency int) {
	if d <= 0 {
		return "", 0
	}
	const day = 24 * time.Hour
	for _, p := range []struct {
		name string
		d    time.Duration
	}{
		{"hourly", time.Hour},
		{"daily", day},
		{"weekly", 7 * day},
		{"monthly", 30 * day},
	} {
		if d <= p.d {
			return p.name, int(p.d / d)
		}
	}
	return "yearly", max(1, int(365*day/d))
}
