package feed

import (
	"bytes"
	"encoding/json"
	"net/url"
	"time"

	"github.com/gorilla/feeds"
)

// JSON Feed 1.1 extends gorilla/feeds' structures where they stop short:
// items always present, authors and attachments with size_in_bytes, the
// banner_image field (gorilla/feeds writes it as "banner_"), and the
// "_feedwright" extension objects. Fields declared here shadow the
// embedded ones of the same JSON name.

// JSONExtensionAbout is the "about" URL of the _feedwright extension
// objects, which carry what JSON Feed has no field for: image credits,
// captions, sizes and order, and the donation appeal. JSON Feed 1.1 lets
// a publisher add objects whose names start with an underscore; readers
// that do not know one ignore it.
//
// At feed level, present only when an appeal runs on the page:
//
//	appeals:    [{name, heading, text, button_label, url}], the running appeals;
//	            text is paragraphs split by blank lines, url carries utm_source=jsonfeed
//
// At item level:
//
//	section:    the article's section
//	lead_image: {url, width, height, alt, caption, credit, credit_role}
//	galleries:  [{title, images: [{order, url, width, height, alt, caption, credit, credit_role}]}];
//	            order counts from 1 within a gallery, credit_role is a Media RSS role
//	video:      {url, title, width, height, duration_in_seconds, poster: {url, width, height, alt}}
//	appeal:     {name, heading, text, button_label, url}, when one applies to the item
//
// feed/testdata/jsonfeed-1.1.schema.json states the same as a JSON Schema.
const JSONExtensionAbout = GeneratorURI + "#feed-formats"

const jsonFeedVersion = "https://jsonfeed.org/version/1.1"

type jsonFeed struct {
	feeds.JSONFeed
	Authors   []*feeds.JSONAuthor `json:"authors,omitempty"`
	Extension *jsonFeedExt        `json:"_feedwright,omitempty"`
	// Items has no omitempty: JSON Feed requires the array.
	Items []*jsonItem `json:"items"`
}

type jsonItem struct {
	feeds.JSONItem
	BannerImage string           `json:"banner_image,omitempty"`
	ContentHTML string           `json:"content_html"`
	Attachments []jsonAttachment `json:"attachments,omitempty"`
	Extension   *jsonItemExt     `json:"_feedwright,omitempty"`
}

type jsonAttachment struct {
	URL      string `json:"url"`
	MIMEType string `json:"mime_type"`
	Title    string `json:"title,omitempty"`
	Size     int64  `json:"size_in_bytes,omitempty"`
	Duration int    `json:"duration_in_seconds,omitempty"`
}

type jsonFeedExt struct {
	About   string        `json:"about"`
	Appeals []*jsonAppeal `json:"appeals"`
}

type jsonItemExt struct {
	About     string        `json:"about"`
	Section   string        `json:"section,omitempty"`
	LeadImage *jsonImage    `json:"lead_image,omitempty"`
	Galleries []jsonGallery `json:"galleries,omitempty"`
	Video     *jsonVideo    `json:"video,omitempty"`
	Appeal    *jsonAppeal   `json:"appeal,omitempty"`
}

type jsonGallery struct {
	Title  string      `json:"title,omitempty"`
	Images []jsonImage `json:"images"`
}

type jsonImage struct {
	Order      int    `json:"order,omitempty"`
	URL        string `json:"url"`
	Width      int    `json:"width,omitempty"`
	Height     int    `json:"height,omitempty"`
	Alt        string `json:"alt,omitempty"`
	Caption    string `json:"caption,omitempty"`
	Credit     string `json:"credit,omitempty"`
	CreditRole string `json:"credit_role,omitempty"`
}

type jsonVideo struct {
	URL      string     `json:"url"`
	Title    string     `json:"title,omitempty"`
	Width    int        `json:"width,omitempty"`
	Height   int        `json:"height,omitempty"`
	Duration int        `json:"duration_in_seconds,omitempty"`
	Poster   *jsonImage `json:"poster,omitempty"`
}

type jsonAppeal struct {
	Name        string `json:"name"`
	Heading     string `json:"heading,omitempty"`
	Text        string `json:"text,omitempty"`
	ButtonLabel string `json:"button_label,omitempty"`
	URL         string `json:"url"`
}

func newJSONFeed(in *Input) *jsonFeed {
	site := &in.Site
	p := page(in)
	f := &jsonFeed{
		JSONFeed: feeds.JSONFeed{
			Version:     jsonFeedVersion,
			Title:       feedTitle(in),
			Language:    site.Language,
			HomePageUrl: homePage(in),
			FeedUrl:     pageURL(in, JSON, p.Number),
			Description: feedDescription(in),
		},
		Items: []*jsonItem{},
	}
	if p.Number < p.Last {
		f.NextUrl = pageURL(in, JSON, p.Number+1)
	}
	if img := siteImage(in); img != "" {
		f.Icon = img
	}
	if site.Icon != "" {
		f.Favicon = Resolve(siteBase(in), site.Icon)
	}
	for _, h := range site.Hubs {
		f.Hubs = append(f.Hubs, &feeds.JSONHub{Type: "WebSub", Url: h})
	}
	// Readers merge feed and item authors, so the feed names one only
	// when some item has none.
	if !allHaveAuthors(in) && site.Title != "" {
		f.Authors = []*feeds.JSONAuthor{{Name: site.Title, Url: homePage(in)}}
	}
	if aps := pageAppeals(in); len(aps) > 0 {
		f.Extension = &jsonFeedExt{About: JSONExtensionAbout}
		for _, ap := range aps {
			f.Extension.Appeals = append(f.Extension.Appeals, newJSONAppeal(siteBase(in), ap))
		}
	}
	for i := range in.Articles {
		f.Items = append(f.Items, newJSONItem(in, &in.Articles[i]))
	}
	return f
}

func newJSONItem(in *Input, a *Article) *jsonItem {
	base := ArticleBase(&in.Site, a)
	appeal := AppealFor(in, a)
	it := &jsonItem{
		JSONItem: feeds.JSONItem{
			Id:      a.GUID,
			Url:     base.String(),
			Title:   a.Title,
			Summary: summary(a),
			Tags:    categories(a),
		},
		ContentHTML: ContentHTML(&in.Site, a, appeal, JSON),
	}
	if it.Id == "" {
		it.Id = it.Url
	}
	if !a.PublishedAt.IsZero() {
		t := a.PublishedAt.UTC().Truncate(time.Second)
		it.PublishedDate = &t
	}
	if u := updated(a); !u.IsZero() {
		t := u.UTC().Truncate(time.Second)
		it.ModifiedDate = &t
	}
	for _, au := range a.Authors {
		if au.Name != "" {
			it.Authors = append(it.Authors, &feeds.JSONAuthor{Name: au.Name, Url: Resolve(base, au.URL)})
		}
	}
	for _, f := range itemFiles(base, a) {
		it.Attachments = append(it.Attachments, jsonAttachment{URL: f.URL, MIMEType: f.Type, Title: f.Title, Size: f.Length})
	}
	ext := &jsonItemExt{About: JSONExtensionAbout, Section: a.Section}
	if a.Lead != nil {
		it.Image = Resolve(base, a.Lead.URL)
		it.BannerImage = it.Image
		ext.LeadImage = newJSONImage(base, a.Lead, 0)
	}
	for _, g := range a.Galleries {
		jg := jsonGallery{Title: g.Title, Images: make([]jsonImage, 0, len(g.Images))}
		for i := range g.Images {
			jg.Images = append(jg.Images, *newJSONImage(base, &g.Images[i], i+1))
		}
		ext.Galleries = append(ext.Galleries, jg)
	}
	if v := a.Video; v != nil {
		ext.Video = &jsonVideo{URL: Resolve(base, v.URL), Title: v.Title, Width: v.Width, Height: v.Height, Duration: v.DurationSeconds}
		if v.Poster != nil {
			ext.Video.Poster = newJSONImage(base, v.Poster, 0)
		}
	}
	if appeal != nil {
		ext.Appeal = newJSONAppeal(base, appeal)
	}
	it.Extension = ext
	return it
}

func newJSONImage(base *url.URL, img *Image, order int) *jsonImage {
	j := &jsonImage{
		Order: order, URL: Resolve(base, img.URL), Width: img.Width, Height: img.Height,
		Alt: img.Alt, Caption: img.Caption, Credit: img.Credit,
	}
	if img.Credit != "" {
		j.CreditRole = creditRole(img)
	}
	return j
}

func newJSONAppeal(base *url.URL, ap *Appeal) *jsonAppeal {
	return &jsonAppeal{Name: ap.Name, Heading: ap.Heading, Text: ap.Text, ButtonLabel: ap.ButtonLabel, URL: appealURL(base, ap, JSON)}
}

// marshalJSON writes v indented and without escaping <, > and & (the
// content is HTML; the escapes only make it unreadable).
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
