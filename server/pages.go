package server

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html"
	"html/template"
	"net/http"
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
}

type indexFeed struct {
	Title, Description string
	Links              []link
}

type pageData struct {
	Site       feed.Site
	Title      string
	Alternates []link
	Feeds      []indexFeed

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
		})
	}
	return out
}

// handleIndex lists every feed, with autodiscovery links that readers find
// when given the site's address.
func (s *Server) handleIndex(w http.ResponseWriter, r *http.Request) {
	data := pageData{Site: s.opts.Site, Title: s.opts.Site.Title}
	for i := range s.opts.Feeds {
		def := &s.opts.Feeds[i]
		links := s.feedLinks(def)
		data.Alternates = append(data.Alternates, links...)
		data.Feeds = append(data.Feeds, indexFeed{Title: def.Title, Description: def.Description, Links: links})
	}
	s.render(w, "index.html", &data)
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
