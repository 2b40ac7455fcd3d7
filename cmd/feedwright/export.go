package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/feedwright/feedwright/config"
	"github.com/feedwright/feedwright/db"
	"github.com/feedwright/feedwright/feed"
)

// exportStore is what the export reads.
type exportStore interface {
	Appeals(ctx context.Context) ([]feed.Appeal, error)
	ListArticles(ctx context.Context, q db.ListQuery) ([]feed.Article, string, error)
}

func runExport(ctx context.Context, cfg *config.Config, stdout, stderr io.Writer) int {
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
	for _, ap := range aps {
		feed.ResolveAppeal(&site, &ap)
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
			feed.ResolveArticle(&site, &arts[i])
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
