// Package feed is Feedwright's domain model and its rendering into RSS 2.0,
// Atom 1.0 and JSON Feed 1.1 documents.
//
// The package is pure: it does no I/O and reads no clock. Everything a
// document depends on, the current time included, is passed in, so the same
// input always gives the same bytes. That is what lets a rebuild with no
// change keep its ETag.
package feed

import (
	"slices"
	"time"
)

// Status is where an article stands in its life. Only StatusPublished
// articles whose publication time has come ever reach a feed.
type Status string

// The article statuses.
const (
	StatusDraft     Status = "draft"
	StatusPublished Status = "published"
	StatusRetracted Status = "retracted"
)

// Valid reports whether s is one of the known statuses.
func (s Status) Valid() bool {
	switch s {
	case StatusDraft, StatusPublished, StatusRetracted:
		return true
	}
	return false
}

// Article is one story as the publisher wrote it.
//
// URLs may be absolute or root-relative ("/media/1.png"); relative ones are
// resolved against the site's base URL when a document is rendered, which is
// what lets the embedded demo work on whatever port it is served from.
type Article struct {
	// GUID identifies the article for its whole life and is never reused.
	GUID string `json:"guid"`
	// Slug is the publisher's short, URL-safe name for the article.
	Slug string `json:"slug"`
	// URL is the canonical web page of the article.
	URL   string `json:"url"`
	Title string `json:"title"`
	// Dek is the one-line standfirst under the headline; it doubles as
	// the summary that newsletter tools put in e-mails.
	Dek string `json:"dek,omitempty"`
	// BodyHTML is the article body as sanitised HTML, without the
	// gallery, video or appeal, which are rendered from their own fields.
	BodyHTML  string    `json:"body_html"`
	Section   string    `json:"section,omitempty"`
	Tags      []string  `json:"tags,omitempty"`
	Authors   []Author  `json:"authors,omitempty"`
	Lead      *Image    `json:"lead_image,omitempty"`
	Video     *Video    `json:"video,omitempty"`
	Galleries []Gallery `json:"galleries,omitempty"`
	Status    Status    `json:"status"`
	// PublishedAt is when the article goes (or went) live; an article
	// published in the future stays out of every feed until then.
	PublishedAt time.Time `json:"published_at,omitzero"`
	// UpdatedAt is the last change of the article's content.
	UpdatedAt time.Time `json:"updated_at,omitzero"`
	// Revision counts the stored versions of the article; it is the
	// basis of optimistic concurrency in the admin API.
	Revision int64 `json:"revision,omitempty"`
}

// Visible reports whether the article may appear in a feed at time now.
func (a *Article) Visible(now time.Time) bool {
	return a.Status == StatusPublished && !a.PublishedAt.IsZero() && !a.PublishedAt.After(now)
}

// Byline joins the authors' names the way a reader prints them:
// "A", "A and B", "A, B and C".
func (a *Article) Byline() string {
	names := make([]string, 0, len(a.Authors))
	for _, au := range a.Authors {
		if au.Name != "" {
			names = append(names, au.Name)
		}
	}
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	out := ""
	for i, n := range names[:len(names)-1] {
		if i > 0 {
			out += ", "
		}
		out += n
	}
	return out + " and " + names[len(names)-1]
}

// HasTag reports whether the article carries tag t.
func (a *Article) HasTag(t string) bool { return slices.Contains(a.Tags, t) }

// Author is a person credited with an article.
type Author struct {
	Name  string `json:"name"`
	Email string `json:"email,omitempty"`
	URL   string `json:"url,omitempty"`
}

// Gallery is an ordered set of images shown together with an article.
type Gallery struct {
	Title  string  `json:"title,omitempty"`
	Images []Image `json:"images"`
}

// Image is a picture with everything a client needs to show and credit it.
type Image struct {
	URL      string `json:"url"`
	MIMEType string `json:"mime_type"`
	Width    int    `json:"width"`
	Height   int    `json:"height"`
	// Length is the size of the file in bytes. Feeds declare it in
	// enclosures, so it must be true.
	Length  int64  `json:"size_in_bytes"`
	Alt     string `json:"alt,omitempty"`
	Caption string `json:"caption,omitempty"`
	Credit  string `json:"credit,omitempty"`
	// CreditRole is the Media RSS role of the credited person;
	// "photographer" when empty.
	CreditRole string `json:"credit_role,omitempty"`
}

// Video is a video that belongs to an article, such as an embedded music
// video. Readers get it as a link with a poster image, never an iframe.
type Video struct {
	// URL is where the video plays (a watch page or the media file).
	URL   string `json:"url"`
	Title string `json:"title,omitempty"`
	// MIMEType and Length describe the file at URL when it is a media
	// file; a watch page has "text/html" and no length.
	MIMEType string `json:"mime_type,omitempty"`
	Length   int64  `json:"size_in_bytes,omitempty"`
	Width    int    `json:"width,omitempty"`
	Height   int    `json:"height,omitempty"`
	// DurationSeconds is the running time, when known.
	DurationSeconds int `json:"duration_seconds,omitempty"`
	// Poster is the still image shown in place of the player.
	Poster *Image `json:"poster,omitempty"`
}

// Appeal is a donation appeal appended to the content of the items it
// applies to and advertised at feed level.
type Appeal struct {
	// Name identifies the appeal and is its campaign name in links.
	Name        string `json:"name"`
	Heading     string `json:"heading"`
	Text        string `json:"text"`
	ButtonLabel string `json:"button_label"`
	URL         string `json:"url"`
	// StartsAt and EndsAt bound the appeal's window; zero means open.
	StartsAt time.Time `json:"starts_at,omitzero"`
	EndsAt   time.Time `json:"ends_at,omitzero"`
	// Sections limits the appeal to articles of these sections;
	// empty means every article.
	Sections []string `json:"sections,omitempty"`
	Revision int64    `json:"revision,omitempty"`
	// UpdatedAt is the last change of the appeal itself.
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// ActiveAt reports whether the appeal runs at time t.
func (ap *Appeal) ActiveAt(t time.Time) bool {
	if !ap.StartsAt.IsZero() && t.Before(ap.StartsAt) {
		return false
	}
	if !ap.EndsAt.IsZero() && !t.Before(ap.EndsAt) {
		return false
	}
	return true
}

// AppliesTo reports whether the appeal belongs under article a.
func (ap *Appeal) AppliesTo(a *Article) bool {
	return len(ap.Sections) == 0 || slices.Contains(ap.Sections, a.Section)
}

// Site is the publisher as a whole: what every feed says about its origin.
type Site struct {
	Title       string
	Description string
	// URL is the publisher's home page.
	URL string
	// BaseURL is the public URL Feedwright is reached at; feed
	// self-links and relative media URLs resolve against it.
	BaseURL  string
	Language string
	// Icon is a small square image (favicon); Logo a larger one.
	Icon   string
	Logo   string
	Rights string
	// Hubs are the WebSub hubs that feeds advertise and that are told
	// of every change.
	Hubs []string
	// TTL is how often feeds are rebuilt; documents promise readers
	// no news sooner than that.
	TTL time.Duration
}

// Definition is one configured feed: a named selection of articles.
type Definition struct {
	Name        string
	Title       string
	Description string
	// Section, Tag and Author narrow the feed; empty means any.
	Section string
	Tag     string
	Author  string
	// Limit is the number of items on a page of the feed.
	Limit int
}

// Matches reports whether article a belongs in the feed.
func (d *Definition) Matches(a *Article) bool {
	if d.Section != "" && a.Section != d.Section {
		return false
	}
	if d.Tag != "" && !a.HasTag(d.Tag) {
		return false
	}
	if d.Author != "" && !slices.ContainsFunc(a.Authors, func(au Author) bool { return au.Name == d.Author }) {
		return false
	}
	return true
}
