package server

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/feedwright/feedwright/db"
	"github.com/feedwright/feedwright/feed"
)

//go:embed templates/*.html
var templateFiles embed.FS

var templates = template.Must(template.New("").Funcs(template.FuncMap{"alternates": alternates}).
	ParseFS(templateFiles, "templates/*.html"))

// alternates writes the autodiscovery <link> tags. html/template would
// write the "+" of "application/rss+xml" as "&#43;", which naive
// discovery code in some readers does not decode, so they are escaped
// here with the plain HTML rules instead.
func alternates(links []link) template.HTML {
	var b strings.Builder
	for _, l := range links {
		fmt.Fprintf(&b, "<link rel=\"alternate\" type=\"%s\" title=\"%s\" href=\"%s\">\n",
			html.EscapeString(l.Type), html.EscapeString(l.Title), html.EscapeString(l.Href))
	}
	return template.HTML(b.String())
}

// link is an <a> or <link rel="alternate"> to a feed document.
type link struct {
	Href, Type, Title string
	// Label is the short text of a visible link ("RSS 2.0"); Title,
	// which names the feed too, is for autodiscovery menus.
	Label string
}

type indexFeed struct {
	Title, Description string
	// Page is the feed's page for people.
	Page  string
	Links []link
}

// feedItem is one article as the feed page shows it.
type feedItem struct {
	Title, URL, Dek, Byline, Section string
	Published, PublishedText         string
	Lead                             *pageImage
	Galleries                        []pageGallery
}

type pageGallery struct {
	Title  string
	Images []pageImage
}

// pageImage is an image with its URL made absolute and its credit ready
// to print.
type pageImage struct {
	URL, Alt, Caption, Credit string
	Width, Height             int
}

// feedPage is the data of a feed's page for people.
type feedPage struct {
	Def          *feed.Definition
	Items        []feedItem
	Page         int
	Newer, Older string
}

type pageData struct {
	Site       feed.Site
	Title      string
	Alternates []link
	Feeds      []indexFeed

	Feed *feedPage

	Article       *feed.Article
	Content       template.HTML
	Published     string
	PublishedText string
}

// feedLinks are the three documents of a feed, as links.
func (s *Server) feedLinks(def *feed.Definition) []link {
	out := make([]link, 0, len(feed.Formats))
	for _, f := range feed.Formats {
		ct, _, _ := bytes.Cut([]byte(f.ContentType()), []byte(";"))
		out = append(out, link{
			Href:  s.opts.Site.BaseURL + feed.FeedPath(def.Name, f, 1),
			Type:  string(ct),
			Title: def.Title + " (" + f.Label() + ")",
			Label: f.Label(),
		})
	}
	return out
}

// renderIndex renders the front page once: it lists every feed, with the
// autodiscovery links that readers find when given the site's address,
// and depends on nothing but the configuration.
func (s *Server) renderIndex() []byte {
	data := pageData{Site: s.opts.Site, Title: s.opts.Site.Title}
	for i := range s.opts.Feeds {
		def := &s.opts.Feeds[i]
		links := s.feedLinks(def)
		data.Alternates = append(data.Alternates, links...)
		data.Feeds = append(data.Feeds, indexFeed{Title: def.Title, Description: def.Description,
			Page: "/feeds/" + url.PathEscape(def.Name), Links: links})
	}
	var buf bytes.Buffer
	if err := templates.ExecuteTemplate(&buf, "index.html", &data); err != nil {
		// The templates are embedded and the data is the configuration:
		// a failure here is a bug caught by the tests.
		panic("render index: " + err.Error())
	}
	return buf.Bytes()
}

func (s *Server) handleIndex(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=300")
	h.Set("Content-Length", strconv.Itoa(len(s.index)))
	if r.Method != http.MethodHead {
		w.Write(s.index)
	}
}

// handleFeedPage shows a feed to a person who followed a feed link in a
// browser: its items with their images and credits, and a way to
// subscribe in each format. ?page=N pages back through the archive like
// the feed documents do.
func (s *Server) handleFeedPage(w http.ResponseWriter, r *http.Request, def *feed.Definition) {
	page, ok := pageParam(r.URL.RawQuery)
	if !ok {
		http.Error(w, "page must be a whole number from 1, without leading zeros (page=2)", http.StatusBadRequest)
		return
	}
	if page > 1 {
		if _, ok := s.opts.Documents.Document(def.Name, feed.JSON, page); !ok {
			s.notFound(w, r, "feed "+strconv.Quote(def.Name)+" has no page "+strconv.Itoa(page))
			return
		}
	}
	fp := &feedPage{Def: def, Page: page}
	if s.opts.Articles != nil {
		arts, err := s.feedArticles(r.Context(), def, page)
		if err != nil {
			s.log.Error("feed page", "feed", def.Name, "page", page, "err", err)
			http.Error(w, "could not load the feed", http.StatusInternalServerError)
			return
		}
		for i := range arts {
			fp.Items = append(fp.Items, s.feedItem(&arts[i]))
		}
	}
	self := "/feeds/" + url.PathEscape(def.Name)
	if page == 2 {
		fp.Newer = self
	} else if page > 2 {
		fp.Newer = self + "?page=" + strconv.Itoa(page-1)
	}
	if _, ok := s.opts.Documents.Document(def.Name, feed.JSON, page+1); ok {
		fp.Older = self + "?page=" + strconv.Itoa(page+1)
	}
	data := pageData{Site: s.opts.Site, Title: def.Title, Alternates: s.feedLinks(def), Feed: fp}
	w.Header().Set("Cache-Control", s.cacheControl[0])
	s.render(w, "feed.html", &data)
}

// feedArticles selects the articles of a feed page as the scheduler does.
func (s *Server) feedArticles(ctx context.Context, def *feed.Definition, page int) ([]feed.Article, error) {
	limit := def.Limit
	if limit <= 0 {
		limit = 20
	}
	return s.opts.Articles.FeedArticles(ctx, db.FeedQuery{
		Section: def.Section, Tag: def.Tag, Author: def.Author,
		Now: time.Now(), Limit: limit, Offset: (page - 1) * limit,
	})
}

func (s *Server) feedItem(a *feed.Article) feedItem {
	base := feed.ArticleBase(&s.opts.Site, a)
	img := func(im *feed.Image) pageImage {
		credit := im.Credit
		if credit != "" {
			credit = feed.CreditLabel(im.CreditRole) + ": " + credit
		}
		caption := im.Caption
		if caption == im.Credit {
			caption = "" // the credit line says it already
		}
		return pageImage{URL: feed.Resolve(base, im.URL), Alt: im.Alt, Caption: caption, Credit: credit,
			Width: im.Width, Height: im.Height}
	}
	it := feedItem{
		Title: a.Title, URL: base.String(), Dek: a.Dek, Byline: a.Byline(), Section: a.Section,
		Published:     a.PublishedAt.UTC().Format(time.RFC3339),
		PublishedText: a.PublishedAt.UTC().Format("January 2, 2006"),
	}
	if a.Lead != nil {
		lead := img(a.Lead)
		it.Lead = &lead
	}
	for _, g := range a.Galleries {
		pg := pageGallery{Title: g.Title}
		for i := range g.Images {
			pg.Images = append(pg.Images, img(&g.Images[i]))
		}
		it.Galleries = append(it.Galleries, pg)
	}
	return it
}

// handleArticle shows a published article as a web page: the page its
// feed items link to.
func (s *Server) handleArticle(w http.ResponseWriter, r *http.Request) {
	if s.opts.Articles == nil {
		http.NotFound(w, r)
		return
	}
	a, err := s.opts.Articles.Article(r.Context(), r.PathValue("slug"))
	if err != nil || !a.Visible(time.Now()) {
		if err != nil && !errors.Is(err, db.ErrNotFound) {
			s.log.Error("article page", "slug", r.PathValue("slug"), "err", err)
			http.Error(w, "could not load the article", http.StatusInternalServerError)
			return
		}
		http.NotFound(w, r)
		return
	}
	data := pageData{
		Site:          s.opts.Site,
		Title:         a.Title,
		Article:       &a,
		Content:       template.HTML(feed.ContentHTML(&s.opts.Site, &a, nil, feed.RSS)),
		Published:     a.PublishedAt.UTC().Format(time.RFC3339),
		PublishedText: a.PublishedAt.UTC().Format("January 2, 2006"),
	}
	for i := range s.opts.Feeds {
		if s.opts.Feeds[i].Matches(&a) {
			data.Alternates = append(data.Alternates, s.feedLinks(&s.opts.Feeds[i])...)
			break
		}
	}
	s.render(w, "article.html", &data)
}

func (s *Server) render(w http.ResponseWriter, name string, data *pageData) {
	var buf bytes.Buffer
	if err := templates.ExecuteTemplate(&buf, name, data); err != nil {
		s.log.Error("render page", "template", name, "err", err)
		http.Error(w, "could not render the page", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(buf.Bytes())
}
