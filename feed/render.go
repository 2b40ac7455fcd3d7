package feed

import (
	"fmt"
	"strconv"
	"time"

	"github.com/gorilla/feeds"
)

// Generator names the software in every document.
const Generator = "Feedwright"

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
// article edit or publication, or a change of an appeal shown on it. It is
// never the wall clock, so an unchanged rebuild gives identical bytes.
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
		// An appeal's start and end change what the items say, so each
		// that has passed counts as a change.
		later(ap.UpdatedAt)
		later(ap.StartsAt)
		later(ap.EndsAt)
	}
	if t.IsZero() {
		t = time.Unix(0, 0)
	}
	return t.UTC()
}

// Render produces the bytes of one document.
func Render(in Input, f Format) ([]byte, error) {
	gf := gorillaFeed(&in, f)
	var (
		s   string
		err error
	)
	switch f {
	case RSS:
		s, err = gf.ToRss()
	case Atom:
		s, err = gf.ToAtom()
	case JSON:
		s, err = gf.ToJSON()
	default:
		return nil, fmt.Errorf("render feed %q: unknown format %q", in.Feed.Name, f)
	}
	if err != nil {
		return nil, fmt.Errorf("render feed %q as %s: %w", in.Feed.Name, f, err)
	}
	return []byte(s), nil
}

func gorillaFeed(in *Input, f Format) *feeds.Feed {
	site := &in.Site
	gf := &feeds.Feed{
		Title:       in.Feed.Title,
		Link:        &feeds.Link{Href: site.URL},
		Description: in.Feed.Description,
		Id:          site.BaseURL + FeedPath(in.Feed.Name, Atom, 1),
		Updated:     LastModified(in),
		Copyright:   site.Rights,
	}
	for i := range in.Articles {
		a := &in.Articles[i]
		base := ArticleBase(site, a)
		item := &feeds.Item{
			Id:          a.GUID,
			Title:       a.Title,
			Link:        &feeds.Link{Href: base.String()},
			Description: a.Dek,
			Content:     ContentHTML(site, a, AppealFor(in, a), f),
			Created:     a.PublishedAt,
			Updated:     a.UpdatedAt,
		}
		if by := a.Byline(); by != "" {
			item.Author = &feeds.Author{Name: by}
		}
		if a.Lead != nil {
			item.Enclosure = &feeds.Enclosure{
				Url:    Resolve(base, a.Lead.URL),
				Type:   a.Lead.MIMEType,
				Length: strconv.FormatInt(a.Lead.Length, 10),
			}
		}
		gf.Add(item)
	}
	return gf
}
