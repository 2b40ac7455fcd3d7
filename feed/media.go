package feed

import (
	"net/url"
	"strconv"
	"strings"
)

// Media RSS (http://search.yahoo.com/mrss/) carries the pictures in RSS
// items and Atom entries alike, for the clients that read media elements
// (Miniflux collects every media:content and media:thumbnail). The same
// structures serve both formats.

const nsMedia = "http://search.yahoo.com/mrss/"

// itemMedia is what an item carries in Media RSS: the lead image as its
// thumbnail and first media:content, the video as a media:content of
// medium "video", and the galleries as one media:group.
type itemMedia struct {
	Thumbnail *mediaThumbnail `xml:"media:thumbnail"`
	Contents  []mediaContent  `xml:"media:content"`
	Group     *mediaGroup     `xml:"media:group"`
}

type mediaGroup struct {
	Contents []mediaContent `xml:"media:content"`
}

type mediaContent struct {
	URL         string          `xml:"url,attr,omitempty"`
	FileSize    int64           `xml:"fileSize,attr,omitempty"`
	Type        string          `xml:"type,attr,omitempty"`
	Medium      string          `xml:"medium,attr,omitempty"`
	Duration    int             `xml:"duration,attr,omitempty"`
	Width       int             `xml:"width,attr,omitempty"`
	Height      int             `xml:"height,attr,omitempty"`
	Title       *textElem       `xml:"media:title"`
	Description *textElem       `xml:"media:description"`
	Player      *mediaPlayer    `xml:"media:player"`
	Thumbnail   *mediaThumbnail `xml:"media:thumbnail"`
	Credit      *textElem       `xml:"media:credit"`
}

type mediaThumbnail struct {
	URL    string `xml:"url,attr"`
	Width  int    `xml:"width,attr,omitempty"`
	Height int    `xml:"height,attr,omitempty"`
}

type mediaPlayer struct {
	URL    string `xml:"url,attr"`
	Width  int    `xml:"width,attr,omitempty"`
	Height int    `xml:"height,attr,omitempty"`
}

func newItemMedia(base *url.URL, a *Article) itemMedia {
	var m itemMedia
	if a.Lead != nil {
		m.Thumbnail = thumbnail(base, a.Lead)
		m.Contents = append(m.Contents, mediaImage(base, a.Lead))
	}
	if v := a.Video; v != nil {
		c := mediaContent{
			URL:      Resolve(base, v.URL),
			FileSize: v.Length,
			Type:     v.MIMEType,
			Medium:   "video",
			Duration: v.DurationSeconds,
			Width:    v.Width,
			Height:   v.Height,
			Title:    plain(videoTitle(v)),
		}
		if isWatchPage(v) {
			c.Player = &mediaPlayer{URL: c.URL, Width: v.Width, Height: v.Height}
		}
		if v.Poster != nil {
			c.Thumbnail = thumbnail(base, v.Poster)
			if m.Thumbnail == nil {
				m.Thumbnail = c.Thumbnail
			}
		}
		m.Contents = append(m.Contents, c)
	}
	var group []mediaContent
	for g := range a.Galleries {
		for i := range a.Galleries[g].Images {
			img := &a.Galleries[g].Images[i]
			c := mediaImage(base, img)
			c.Thumbnail = thumbnail(base, img)
			group = append(group, c)
			if m.Thumbnail == nil {
				m.Thumbnail = c.Thumbnail
			}
		}
	}
	if len(group) > 0 {
		m.Group = &mediaGroup{Contents: group}
	}
	return m
}

func mediaImage(base *url.URL, img *Image) mediaContent {
	c := mediaContent{
		URL:         Resolve(base, img.URL),
		FileSize:    img.Length,
		Type:        img.MIMEType,
		Medium:      "image",
		Width:       img.Width,
		Height:      img.Height,
		Title:       plain(imageTitle(img)),
		Description: plain(img.Alt),
	}
	if img.Credit != "" {
		c.Credit = &textElem{Attrs: attrs("role", creditRole(img)), Text: img.Credit}
	}
	return c
}

func thumbnail(base *url.URL, img *Image) *mediaThumbnail {
	return &mediaThumbnail{URL: Resolve(base, img.URL), Width: img.Width, Height: img.Height}
}

// plain is a Media RSS text element of type "plain", nil when s is empty.
func plain(s string) *textElem {
	if s == "" {
		return nil
	}
	return typed("plain", s, false)
}

// isWatchPage reports whether the video's URL is a page with a player
// rather than a media file.
func isWatchPage(v *Video) bool {
	return v.MIMEType == "" || strings.HasPrefix(v.MIMEType, "text/")
}

// file is one downloadable thing of an item: an Atom enclosure link and a
// JSON Feed attachment.
type file struct {
	URL    string
	Type   string
	Length int64
	Title  string
}

// itemFiles lists the lead image, every gallery image and the video, each
// URL once. Titles are made unique, because JSON Feed reads attachments
// with the same title as one thing in alternative formats.
func itemFiles(base *url.URL, a *Article) []file {
	var out []file
	seen := map[string]bool{}
	titles := map[string]int{}
	add := func(f file) {
		if f.URL == "" || seen[f.URL] {
			return
		}
		seen[f.URL] = true
		if f.Title != "" {
			titles[f.Title]++
			if n := titles[f.Title]; n > 1 {
				f.Title += " (" + strconv.Itoa(n) + ")"
			}
		}
		out = append(out, f)
	}
	addImage := func(img *Image) {
		add(file{URL: Resolve(base, img.URL), Type: img.MIMEType, Length: img.Length, Title: imageTitle(img)})
	}
	if a.Lead != nil {
		addImage(a.Lead)
	}
	for g := range a.Galleries {
		for i := range a.Galleries[g].Images {
			addImage(&a.Galleries[g].Images[i])
		}
	}
	// A video is a file to attach only when it is a media file of known
	// size: enclosure lengths must be present and true, and a watch page
	// is no file. Such a video still reaches every reader through the
	// content (its poster linked to the page) and Media RSS (media:player).
	if v := a.Video; v != nil && v.Length > 0 && v.MIMEType != "" && v.MIMEType != "text/html" {
		add(file{URL: Resolve(base, v.URL), Type: v.MIMEType, Length: v.Length, Title: videoTitle(v)})
	}
	return out
}
