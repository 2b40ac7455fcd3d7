package db

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/feedwright/feedwright/feed"
)

func openChangesDB(t *testing.T) *DB {
	t.Helper()
	d, err := Open(context.Background(), t.TempDir()+"/fw.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func putChangeArticle(t *testing.T, d *DB, slug, section string, published time.Time, body string) {
	t.Helper()
	a := feed.Article{Slug: slug, URL: "https://example.com/" + slug, Title: slug, BodyHTML: body,
		Section: section, Status: feed.StatusPublished, PublishedAt: published, UpdatedAt: published}
	if _, _, err := d.UpsertArticle(context.Background(), a, published); err != nil {
		t.Fatal(err)
	}
}

func TestFeedFingerprint(t *testing.T) {
	ctx := context.Background()
	d := openChangesDB(t)
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	for i := range 5 {
		putChangeArticle(t, d, fmt.Sprintf("a%d", i), "Music", t0.Add(time.Duration(i)*time.Hour), "x")
	}
	putChangeArticle(t, d, "film", "Film", t0, "x")
	now := t0.Add(24 * time.Hour)
	fp := func(q FeedQuery) Fingerprint {
		t.Helper()
		q.Now = now
		f, err := d.FeedFingerprint(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	all, music := fp(FeedQuery{Limit: 100}), fp(FeedQuery{Section: "Music", Limit: 100})
	if all.Articles != 6 || music.Articles != 5 {
		t.Fatalf("articles = %d, %d; want 6, 5", all.Articles, music.Articles)
	}
	if again := fp(FeedQuery{Limit: 100}); again != all {
		t.Fatalf("fingerprint of unchanged data moved: %v then %v", all, again)
	}

	// An edit of a Film article moves the fingerprint of the feeds that
	// hold it and of no other.
	putChangeArticle(t, d, "film", "Film", t0, "edited")
	if fp(FeedQuery{Limit: 100}) == all {
		t.Error("edit of an article in the feed left the fingerprint unchanged")
	}
	if fp(FeedQuery{Section: "Music", Limit: 100}) != music {
		t.Error("edit of an article outside the feed changed its fingerprint")
	}
	// Only the first Limit rows count: an edit of an article beyond them
	// changes nothing the feed shows.
	top2 := fp(FeedQuery{Section: "Music", Limit: 2})
	putChangeArticle(t, d, "a0", "Music", t0, "edited")
	if fp(FeedQuery{Section: "Music", Limit: 2}) != top2 {
		t.Error("edit beyond the limit changed the fingerprint")
	}
	if fp(FeedQuery{Section: "Music", Limit: 100}) == music {
		t.Error("edit within the limit left the fingerprint unchanged")
	}
	// A retraction takes the article out.
	if _, err := d.RetractArticle(ctx, "a4", now); err != nil {
		t.Fatal(err)
	}
	if f := fp(FeedQuery{Section: "Music", Limit: 100}); f.Articles != 4 {
		t.Errorf("after retraction: %d articles, want 4", f.Articles)
	}
}

func TestNextChange(t *testing.T) {
	ctx := context.Background()
	d := openChangesDB(t)
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	if _, ok, err := d.NextChange(ctx, t0); err != nil || ok {
		t.Fatalf("empty database: ok=%v err=%v, want nothing due", ok, err)
	}
	putChangeArticle(t, d, "past", "", t0.Add(-time.Hour), "x")
	putChangeArticle(t, d, "later", "", t0.Add(3*time.Hour), "x")
	draft := feed.Article{Slug: "draft", URL: "https://example.com/d", Title: "d", Status: feed.StatusDraft,
		PublishedAt: t0.Add(time.Hour)}
	if _, _, err := d.UpsertArticle(ctx, draft, t0); err != nil {
		t.Fatal(err)
	}
	ap := feed.Appeal{Name: "spring", Heading: "Give", URL: "https://example.com/give",
		StartsAt: t0.Add(-time.Hour), EndsAt: t0.Add(2 * time.Hour)}
	if _, _, err := d.PutAppeal(ctx, ap, t0); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		now  time.Time
		want time.Time
		ok   bool
	}{
		{t0, t0.Add(2 * time.Hour), true},                    // the appeal ends first; the draft never counts
		{t0.Add(2 * time.Hour), t0.Add(3 * time.Hour), true}, // an end at now is no longer ahead
		{t0.Add(2*time.Hour + 500*time.Millisecond), t0.Add(3 * time.Hour), true},
		{t0.Add(3 * time.Hour), time.Time{}, false},
		{t0.Add(-2 * time.Hour), t0.Add(-time.Hour), true}, // the appeal's start, and the past article's time
	}
	for _, tt := range tests {
		got, ok, err := d.NextChange(ctx, tt.now)
		if err != nil || ok != tt.ok || !got.Equal(tt.want) {
			t.Errorf("NextChange(%v) = %v, %v, %v; want %v, %v", tt.now, got, ok, err, tt.want, tt.ok)
		}
	}
}

// The change check runs for every feed on every tick; it must walk an
// index in feed order, never sort or scan the whole table.
func TestChangeQueriesUseIndexes(t *testing.T) {
	ctx := context.Background()
	d := openChangesDB(t)
	now := time.Now()
	for _, tt := range []struct {
		q    FeedQuery
		want string
	}{
		{FeedQuery{Limit: 20}, "SEARCH a USING INDEX articles_visible"},
		{FeedQuery{Section: "Music", Limit: 20}, "SEARCH a USING INDEX articles_section"},
		// A tag feed walks the tag's own rows in feed order, so a rare
		// tag does not cost a pass over the whole archive.
		{FeedQuery{Tag: "x", Limit: 20}, "SEARCH t USING COVERING INDEX article_tags_feed"},
		{FeedQuery{Tag: "x", Section: "Music", Limit: 20}, "SEARCH t USING COVERING INDEX article_tags_feed"},
		{FeedQuery{Author: "A. Writer", Limit: 20}, "SEARCH p USING COVERING INDEX article_authors_feed"},
	} {
		q := tt.q
		q.Now = now
		query, args := q.fingerprintSQL()
		plan, err := d.explainQueryPlan(ctx, query, args...)
		if err != nil {
			t.Fatal(err)
		}
		p := strings.Join(plan, "; ")
		if strings.Contains(p, "TEMP B-TREE") || !strings.HasPrefix(p, tt.want) {
			t.Errorf("fingerprint of %+v: plan %q, want it to start with %q and not sort", q, p, tt.want)
		}
	}
	plan, err := d.explainQueryPlan(ctx, nextChangeSQL, now.Unix())
	if err != nil {
		t.Fatal(err)
	}
	if p := strings.Join(plan, "; "); !strings.Contains(p, "articles USING COVERING INDEX articles_visible") {
		t.Errorf("next change: plan %q, want the articles_visible index", p)
	}
}
