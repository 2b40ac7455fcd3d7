package db

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/feedwright/feedwright/feed"
)

func openTest(t *testing.T) *DB {
	t.Helper()
	d, err := Open(context.Background(), filepath.Join(t.TempDir(), "fw.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

var t0 = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)

func sample(slug string, published time.Time) feed.Article {
	return feed.Article{
		Slug: slug, URL: "https://news.example/" + slug, Title: "Title of " + slug, Dek: "Dek",
		BodyHTML: "<p>Body</p>", Section: "Entertainment", Tags: []string{"music", "video"},
		Authors: []feed.Author{{Name: "A. Writer", Email: "a@news.example"}, {Name: "B. Writer"}},
		Lead:    &feed.Image{URL: "https://news.example/lead.jpg", MIMEType: "image/jpeg", Width: 1200, Height: 800, Length: 1234, Credit: "Photog"},
		Video: &feed.Video{URL: "https://video.example/watch", Title: "Watch", MIMEType: "text/html",
			Poster: &feed.Image{URL: "https://news.example/poster.jpg", MIMEType: "image/jpeg", Length: 99}},
		Galleries: []feed.Gallery{{Title: "Pictures", Images: []feed.Image{
			{URL: "https://news.example/1.png", MIMEType: "image/png", Width: 10, Height: 10, Length: 100, Caption: "one", Credit: "Ann", CreditRole: "illustrator"},
			{URL: "https://news.example/2.png", MIMEType: "image/png", Width: 10, Height: 10, Length: 200, Caption: "two", Credit: "Bob"},
		}}},
		Status: feed.StatusPublished, PublishedAt: published, UpdatedAt: published,
	}
}

func TestUpsertRoundTripsEveryField(t *testing.T) {
	d := openTest(t)
	ctx := context.Background()
	in := sample("close-your-eyes", t0)
	stored, changed, err := d.UpsertArticle(ctx, in, t0)
	if err != nil || !changed {
		t.Fatalf("upsert: changed=%v err=%v", changed, err)
	}
	if stored.GUID == "" || stored.Revision != 1 {
		t.Fatalf("stored guid %q revision %d; want a generated guid and revision 1", stored.GUID, stored.Revision)
	}
	got, err := d.Article(ctx, "close-your-eyes")
	if err != nil {
		t.Fatal(err)
	}
	want := in
	want.GUID, want.Revision = stored.GUID, 1
	if !reflect.DeepEqual(got, want) {
		t.Errorf("article did not round-trip:\n got %+v\nwant %+v", got, want)
	}
}

func TestUpsertIsIdempotentAndKeepsGUID(t *testing.T) {
	d := openTest(t)
	ctx := context.Background()
	first, _, err := d.UpsertArticle(ctx, sample("a", t0), t0)
	if err != nil {
		t.Fatal(err)
	}
	again, changed, err := d.UpsertArticle(ctx, sample("a", t0), t0.Add(time.Hour))
	if err != nil || changed || again.Revision != first.Revision {
		t.Fatalf("same content again: changed=%v revision %d→%d err=%v; want no change", changed, first.Revision, again.Revision, err)
	}
	edit := sample("a", t0)
	edit.Title = "New title"
	edit.UpdatedAt = time.Time{}
	next, changed, err := d.UpsertArticle(ctx, edit, t0.Add(time.Hour))
	if err != nil || !changed || next.Revision != 2 || next.GUID != first.GUID || !next.UpdatedAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("edit: changed=%v rev=%d guid=%q updated=%v err=%v", changed, next.Revision, next.GUID, next.UpdatedAt, err)
	}
	edit.GUID = "urn:uuid:other"
	if _, _, err := d.UpsertArticle(ctx, edit, t0); !errors.Is(err, ErrConflict) {
		t.Errorf("changing the guid: err=%v, want ErrConflict", err)
	}
	other := sample("b", t0)
	other.GUID = first.GUID
	if _, _, err := d.UpsertArticle(ctx, other, t0); !errors.Is(err, ErrConflict) {
		t.Errorf("reusing another article's guid: err=%v, want ErrConflict", err)
	}
}

func TestFeedArticlesShowsOnlyVisible(t *testing.T) {
	d := openTest(t)
	ctx := context.Background()
	put := func(a feed.Article) {
		t.Helper()
		if _, _, err := d.UpsertArticle(ctx, a, t0); err != nil {
			t.Fatal(err)
		}
	}
	put(sample("old", t0.Add(-2*time.Hour)))
	put(sample("new", t0.Add(-time.Hour)))
	put(sample("future", t0.Add(time.Hour)))
	draft := sample("draft", t0.Add(-time.Minute))
	draft.Status = feed.StatusDraft
	put(draft)
	other := sample("sport", t0.Add(-3*time.Hour))
	other.Section, other.Tags = "Sport", []string{"football"}
	put(other)
	put(sample("gone", t0.Add(-30*time.Minute)))
	if _, err := d.RetractArticle(ctx, "gone", t0); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		q    FeedQuery
		want []string
	}{
		{"all", FeedQuery{Now: t0, Limit: 10}, []string{"new", "old", "sport"}},
		{"limit", FeedQuery{Now: t0, Limit: 1}, []string{"new"}},
		{"offset", FeedQuery{Now: t0, Limit: 10, Offset: 1}, []string{"old", "sport"}},
		{"section", FeedQuery{Section: "Sport", Now: t0, Limit: 10}, []string{"sport"}},
		{"tag", FeedQuery{Tag: "music", Now: t0, Limit: 10}, []string{"new", "old"}},
		{"author", FeedQuery{Author: "B. Writer", Now: t0, Limit: 10}, []string{"new", "old", "sport"}},
		{"future becomes visible", FeedQuery{Now: t0.Add(time.Hour), Limit: 10}, []string{"future", "new", "old", "sport"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			arts, err := d.FeedArticles(ctx, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, a := range arts {
				got = append(got, a.Slug)
				if len(a.Galleries) != 1 || len(a.Galleries[0].Images) != 2 || len(a.Authors) != 2 {
					t.Errorf("%s: children not loaded: %+v", a.Slug, a)
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestRetractKeepsGUIDReserved(t *testing.T) {
	d := openTest(t)
	ctx := context.Background()
	a, _, err := d.UpsertArticle(ctx, sample("x", t0), t0)
	if err != nil {
		t.Fatal(err)
	}
	r, err := d.RetractArticle(ctx, "x", t0)
	if err != nil || r.Status != feed.StatusRetracted || r.Revision != 2 {
		t.Fatalf("retract: %+v %v", r, err)
	}
	b := sample("y", t0)
	b.GUID = a.GUID
	if _, _, err := d.UpsertArticle(ctx, b, t0); !errors.Is(err, ErrConflict) {
		t.Errorf("a retracted article's guid was reused: err=%v", err)
	}
	if _, err := d.RetractArticle(ctx, "nope", t0); !errors.Is(err, ErrNotFound) {
		t.Errorf("retract unknown: err=%v, want ErrNotFound", err)
	}
}

func TestFailedWriteLeavesPreviousVersion(t *testing.T) {
	d := openTest(t)
	ctx := context.Background()
	if _, _, err := d.UpsertArticle(ctx, sample("x", t0), t0); err != nil {
		t.Fatal(err)
	}
	bad := sample("x", t0)
	bad.Title = "changed"
	// A status the schema refuses makes the write fail after the row
	// update has begun; nothing of it may remain.
	bad.Status = "bogus"
	if _, _, err := d.UpsertArticle(ctx, bad, t0); err == nil {
		t.Fatal("write with an invalid status succeeded")
	}
	got, err := d.Article(ctx, "x")
	if err != nil || got.Title != "Title of x" || len(got.Galleries[0].Images) != 2 {
		t.Errorf("previous version damaged: %+v %v", got, err)
	}
}

// Tag feeds read their article's status and time from copies on the tag
// rows; every way an article changes must reach those copies.
func TestTagFeedFollowsArticleChanges(t *testing.T) {
	d := openTest(t)
	ctx := context.Background()
	slugs := func(q FeedQuery) []string {
		t.Helper()
		arts, err := d.FeedArticles(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, a := range arts {
			out = append(out, a.Slug)
		}
		return out
	}
	q := FeedQuery{Tag: "music", Now: t0, Limit: 10}
	a := sample("a", t0.Add(-time.Hour))
	b := sample("b", t0.Add(-2*time.Hour))
	for _, x := range []feed.Article{a, b} {
		if _, _, err := d.UpsertArticle(ctx, x, t0); err != nil {
			t.Fatal(err)
		}
	}
	if got := slugs(q); !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Fatalf("tag feed %v, want [a b]", got)
	}
	// Rescheduled into the future: out of the tag feed until then.
	a.PublishedAt = t0.Add(time.Hour)
	if _, _, err := d.UpsertArticle(ctx, a, t0); err != nil {
		t.Fatal(err)
	}
	if got := slugs(q); !reflect.DeepEqual(got, []string{"b"}) {
		t.Errorf("after rescheduling a: %v, want [b]", got)
	}
	q.Now = t0.Add(2 * time.Hour)
	if got := slugs(q); !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Errorf("after a's new time: %v, want [a b]", got)
	}
	// Retracted by the one-column update: gone from the tag feed too.
	if _, err := d.RetractArticle(ctx, "b", t0); err != nil {
		t.Fatal(err)
	}
	if got := slugs(q); !reflect.DeepEqual(got, []string{"a"}) {
		t.Errorf("after retracting b: %v, want [a]", got)
	}
	// A tag removed from the article takes it out of that tag's feed.
	a.Tags = []string{"video"}
	if _, _, err := d.UpsertArticle(ctx, a, t0); err != nil {
		t.Fatal(err)
	}
	if got := slugs(q); len(got) != 0 {
		t.Errorf("after removing the tag: %v, want none", got)
	}
}

// Author feeds are driven by the author rows' copies of status and time;
// an article bylined twice by one name is still one item.
func TestAuthorFeedFollowsArticleChanges(t *testing.T) {
	d := openTest(t)
	ctx := context.Background()
	q := FeedQuery{Author: "B. Writer", Now: t0, Limit: 10}
	count := func() []string {
		t.Helper()
		arts, err := d.FeedArticles(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, a := range arts {
			out = append(out, a.Slug)
		}
		return out
	}
	a := sample("a", t0.Add(-time.Hour))
	a.Authors = append(a.Authors, feed.Author{Name: "B. Writer", Email: "b2@news.example"})
	if _, _, err := d.UpsertArticle(ctx, a, t0); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.UpsertArticle(ctx, sample("b", t0.Add(-2*time.Hour)), t0); err != nil {
		t.Fatal(err)
	}
	if got := count(); !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Fatalf("author feed %v, want [a b] with a once", got)
	}
	if _, err := d.RetractArticle(ctx, "a", t0); err != nil {
		t.Fatal(err)
	}
	if got := count(); !reflect.DeepEqual(got, []string{"b"}) {
		t.Errorf("after retracting a: %v, want [b]", got)
	}
}

// Every write to an article or an appeal, from any connection, moves the
// change count that the scheduler polls to notice imports.
func TestChangeCountMovesOnEveryWrite(t *testing.T) {
	d := openTest(t)
	ctx := context.Background()
	last, err := d.ChangeCount(ctx)
	if err != nil {
		t.Fatal(err)
	}
	step := func(what string, write func() error) {
		t.Helper()
		if err := write(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		n, err := d.ChangeCount(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n == last {
			t.Errorf("%s did not move the change count", what)
		}
		last = n
	}
	step("create", func() error { _, _, err := d.UpsertArticle(ctx, sample("x", t0), t0); return err })
	step("edit", func() error {
		a := sample("x", t0)
		a.Galleries[0].Images[1].Credit = "Someone else"
		_, _, err := d.UpsertArticle(ctx, a, t0)
		return err
	})
	step("retract", func() error { _, err := d.RetractArticle(ctx, "x", t0); return err })
	step("appeal", func() error {
		_, _, err := d.PutAppeal(ctx, feed.Appeal{Name: "give", Heading: "Give", URL: "https://news.example/give"}, t0)
		return err
	})
	step("appeal delete", func() error { return d.DeleteAppeal(ctx, "give") })
	// A write that changes nothing is no change.
	if _, _, err := d.UpsertArticle(ctx, sample("y", t0), t0); err != nil {
		t.Fatal(err)
	}
	before, _ := d.ChangeCount(ctx)
	if _, _, err := d.UpsertArticle(ctx, sample("y", t0), t0); err != nil {
		t.Fatal(err)
	}
	if after, _ := d.ChangeCount(ctx); after != before {
		t.Errorf("an idempotent write moved the change count %d → %d", before, after)
	}
}
