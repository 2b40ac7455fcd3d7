package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/url"

	"github.com/feedwright/feedwright/config"
	"github.com/feedwright/feedwright/db"
	"github.com/feedwright/feedwright/feed"
)

// exportStore is what the export reads.
type exportStore interface {
	Appeals(ctx context.Context) ([]feed.Appeal, error)
	ListArticles(ctx context.Context, q db.ListQuery) ([]feed.Article, string, error)
}

func runExport(ctx context.Context, cfg *config.Config, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, "usage: feedwright export > FILE\n") }
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 {
		fs.Usage()
		return 2
	}
	store, err := db.Open(ctx, cfg.Database)
	if err != nil {
		fmt.Fprintln(stderr, "feedwright export:", err)
		return 1
	}
	defer store.Close()
	n, err := export(ctx, store, site(cfg), stdout)
	if err != nil {
		fmt.Fprintln(stderr, "feedwright export:", err)
		return 1
	}
	fmt.Fprintf(stderr, "exported %d records\n", n)
	return 0
}

// export writes every appeal, as {"appeal": {...}}, then every article,
// whatever its status, as NDJSON that import reads back. Retracted
// articles are kept so that their GUIDs stay taken in the copy.
//
// Relative URLs (the demo's "/demo/media/...") are written resolved
// against the site, exactly as the feeds show them, because import, like
// the admin API, takes only absolute URLs.
func export(ctx context.Context, store exportStore, site feed.Site, w io.Writer) (int, error) {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	// Bodies are HTML; escaping every < and > would make the file
	// unreadable and gain nothing, as NDJSON is not embedded in HTML.
	enc.SetEscapeHTML(false)
	n := 0
	aps, err := store.Appeals(ctx)
	if err != nil {
		return n, err
	}
	base, _ := url.Parse(site.BaseURL)
	for _, ap := range aps {
		ap.URL = feed.Resolve(base, ap.URL)
		if err := enc.Encode(struct {
			Appeal feed.Appeal `json:"appeal"`
		}{ap}); err != nil {
			return n, err
		}
		n++
	}
	q := db.ListQuery{Limit: 200}
	for {
		arts, next, err := store.ListArticles(ctx, q)
		if err != nil {
			return n, err
		}
		for i := range arts {
			absolute(&site, &arts[i])
			if err := enc.Encode(&arts[i]); err != nil {
				return n, err
			}
			n++
		}
		if next == "" {
			break
		}
		q.Cursor = next
	}
	return n, bw.Flush()
}

// absolute resolves an article's URLs as its feed items do: the article's
// own against the site, the rest against the article's page.
func absolute(site *feed.Site, a *feed.Article) {
	base := feed.ArticleBase(site, a)
	a.URL = feed.Resolve(base, a.URL)
	img := func(im *feed.Image) {
		if im != nil {
			im.URL = feed.Resolve(base, im.URL)
		}
	}
	img(a.Lead)
	if a.Video != nil {
		a.Video.URL = feed.Resolve(base, a.Video.URL)
		img(a.Video.Poster)
	}
	for g := range a.Galleries {
		for i := range a.Galleries[g].Images {
			img(&a.Galleries[g].Images[i])
		}
	}
	for i := range a.Authors {
		a.Authors[i].URL = feed.Resolve(base, a.Authors[i].URL)
	}
}
