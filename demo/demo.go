// Package demo is the content Feedwright serves out of the box: the article
// the product was conceived from, its gallery and donation appeal, and the
// files its URLs point at, so that the demo site is whole on localhost.
package demo

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/feedwright/feedwright/feed"
)

//go:generate go run ./internal/genimages media

//go:embed article.json appeal.json
var data embed.FS

//go:embed media
var media embed.FS

// MediaPrefix is the path the demo's files are served under.
const MediaPrefix = "/demo/media/"

// Article is the demo article, with every declared byte length taken from
// the file the demo serves, so enclosure lengths are true by construction.
func Article() (feed.Article, error) {
	var a feed.Article
	if err := decode("article.json", &a); err != nil {
		return a, err
	}
	fill := func(where string, img *feed.Image) error {
		if img == nil {
			return nil
		}
		n, err := mediaSize(img.URL)
		if err != nil {
			return fmt.Errorf("demo article %q: %s: %w", a.Slug, where, err)
		}
		img.Length = n
		return nil
	}
	if err := fill("lead image", a.Lead); err != nil {
		return a, err
	}
	if a.Video != nil {
		if err := fill("video poster", a.Video.Poster); err != nil {
			return a, err
		}
	}
	for g := range a.Galleries {
		for i := range a.Galleries[g].Images {
			if err := fill(fmt.Sprintf("gallery %d image %d", g+1, i+1), &a.Galleries[g].Images[i]); err != nil {
				return a, err
			}
		}
	}
	return a, nil
}

// Appeal is the demo donation appeal.
func Appeal() (feed.Appeal, error) {
	var ap feed.Appeal
	err := decode("appeal.json", &ap)
	return ap, err
}

func decode(name string, v any) error {
	b, err := data.ReadFile(name)
	if err != nil {
		return fmt.Errorf("demo %s: %w", name, err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("demo %s: %w", name, err)
	}
	return nil
}

func mediaSize(url string) (int64, error) {
	name, ok := strings.CutPrefix(url, MediaPrefix)
	if !ok {
		return 0, fmt.Errorf("url %q is not under %s", url, MediaPrefix)
	}
	fi, err := fs.Stat(media, path.Join("media", name))
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

// Handler serves the demo site's own files: images, favicon, the video's
// watch page and the donation page the appeal links to. Readers fetch some
// of these on subscribe, so none may point off the machine.
func Handler() http.Handler {
	sub, err := fs.Sub(media, "media")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	files := http.FileServerFS(sub)
	// The favicon is served with the article's date as its modification
	// time so that browsers can revalidate it.
	mod := time.Date(2015, 3, 27, 16, 20, 0, 0, time.UTC)
	mux := http.NewServeMux()
	mux.Handle("GET "+MediaPrefix, http.StripPrefix(strings.TrimSuffix(MediaPrefix, "/"), cacheFiles(files)))
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		b, _ := media.ReadFile("media/favicon.ico")
		w.Header().Set("Content-Type", "image/x-icon")
		w.Header().Set("Cache-Control", "public, max-age=86400")
		http.ServeContent(w, r, "favicon.ico", mod, bytes.NewReader(b))
	})
	mux.HandleFunc("GET /demo/video/close-your-eyes", page(videoPage))
	mux.HandleFunc("GET /demo/support", page(supportPage))
	return mux
}

// cacheFiles lets readers keep the demo's images for a day; they never change.
func cacheFiles(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		h.ServeHTTP(w, r)
	})
}

var pageTmpl = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{{.Title}}</title><link rel="icon" href="/favicon.ico">
<style>body{font:18px/1.5 Georgia,serif;max-width:42rem;margin:2rem auto;padding:0 1rem;color:#111}img{max-width:100%;height:auto}a{color:#0b5cad}</style>
</head><body><p><a href="/">← Feedwright demo</a></p><h1>{{.Title}}</h1>{{.Body}}</body></html>
`))

type pageData struct {
	Title string
	Body  template.HTML
}

var videoPage = pageData{
	Title: "Run The Jewels – “Close Your Eyes (And Count To F---)”",
	Body: `<p><img src="/demo/media/close-your-eyes-poster.png" width="1280" height="720" alt="Still from the video"></p>
<p>Directed by A.G. Rojas, with Shea Whigham and Keith Stanfield. This page stands in for the publisher's video player in the demo,
which never sends a reader off the machine.</p>`,
}

var supportPage = pageData{
	Title: "Support HuffPost",
	Body: `<p>This page stands in for the publisher's donation page in the demo. A real deployment links its appeal to its own page;
the feeds add campaign parameters (utm_source, utm_medium, utm_campaign) so the publisher can see which format a donation came through.</p>`,
}

func page(p pageData) http.HandlerFunc {
	var buf bytes.Buffer
	if err := pageTmpl.Execute(&buf, p); err != nil {
		panic(err) // fixed template and data
	}
	body := buf.Bytes()
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(body)
	}
}
