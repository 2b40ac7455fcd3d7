package db

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/feedwright/feedwright/feed"
)

func article(slug string) feed.Article {
	return feed.Article{Slug: slug, URL: "https://e.com/" + slug, Title: "T " + slug, Status: feed.StatusPublished,
		PublishedAt: time.Date(2015, 3, 27, 16, 20, 0, 0, time.UTC), Section: "News",
		Galleries: []feed.Gallery{{Title: "G", Images: []feed.Image{{URL: "https://e.com/1.png", MIMEType: "image/png",
			Width: 1, Height: 1, Length: 10}}}}}
}

func TestWriteArticlePreconditions(t *testing.T) {
	ctx := context.Background()
	d := openTest(t)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a := article("a")
	if _, _, err := d.WriteArticle(ctx, a, now, WriteOptions{IfExists: true}); !errors.Is(err, ErrPrecondition) {
		t.Fatalf("If-Match * on nothing: err = %v, want ErrPrecondition", err)
	}
	st, out, err := d.WriteArticle(ctx, a, now, WriteOptions{IfAbsent: true})
	if err != nil || out != Created || st.Revision != 1 {
		t.Fatalf("create: %v %v rev %d", err, out, st.Revision)
	}
	a.Title = "changed"
	if _, _, err := d.WriteArticle(ctx, a, now, WriteOptions{IfRevision: []int64{7}}); !errors.Is(err, ErrPrecondition) {
		t.Fatalf("stale revision: err = %v, want ErrPrecondition", err)
	}
	if got, _ := d.Article(ctx, "a"); got.Title != "T a" || got.Revision != 1 {
		t.Fatalf("a failed precondition changed the article: %q rev %d", got.Title, got.Revision)
	}
	st, out, err = d.WriteArticle(ctx, a, now, WriteOptions{IfRevision: []int64{1}, DryRun: true})
	if err != nil || out != Replaced || st.Revision != 2 {
		t.Fatalf("dry run: %v %v rev %d", err, out, st.Revision)
	}
	if got, _ := d.Article(ctx, "a"); got.Title != "T a" {
		t.Fatalf("a dry run wrote: %q", got.Title)
	}
	st, out, err = d.WriteArticle(ctx, a, now, WriteOptions{IfRevision: []int64{1}})
	if err != nil || out != Replaced || st.Revision != 2 {
		t.Fatalf("replace: %v %v rev %d", err, out, st.Revision)
	}
	if _, out, _ = d.WriteArticle(ctx, a, now, WriteOptions{}); out != Unchanged {
		t.Fatalf("same again: %v, want unchanged", out)
	}
	if _, changed, err := d.RetractArticleIf(ctx, "a", now, WriteOptions{IfRevision: []int64{1}}); !errors.Is(err, ErrPrecondition) || changed {
		t.Fatalf("stale retract: %v %v", err, changed)
	}
	r, changed, err := d.RetractArticleIf(ctx, "a", now, WriteOptions{})
	if err != nil || !changed || r.Status != feed.StatusRetracted {
		t.Fatalf("retract: %v %v %v", err, changed, r.Status)
	}
	if _, changed, _ := d.RetractArticleIf(ctx, "a", now, WriteOptions{}); changed {
		t.Fatal("second retraction reported a change")
	}
	a.Status = feed.StatusPublished
	if _, _, err := d.WriteArticle(ctx, a, now, WriteOptions{}); !errors.Is(err, ErrConflict) {
		t.Fatalf("bringing back a retracted article: err = %v, want ErrConflict", err)
	}
	b := article("b")
	b.GUID = r.GUID
	if _, _, err := d.WriteArticle(ctx, b, now, WriteOptions{}); !errors.Is(err, ErrConflict) {
		t.Fatalf("reusing a retracted GUID: err = %v, want ErrConflict", err)
	}
}

func TestListArticles(t *testing.T) {
	ctx := context.Background()
	d := openTest(t)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 7 {
		a := article(fmt.Sprintf("a%d", i))
		a.UpdatedAt = base.Add(time.Duration(i%4) * time.Hour) // ties in updated_at
		if i%2 == 1 {
			a.Section, a.Status = "Sport", feed.StatusDraft
		}
		if _, _, err := d.UpsertArticle(ctx, a, base); err != nil {
			t.Fatal(err)
		}
	}
	walk := func(q ListQuery) []string {
		var slugs []string
		for range 20 {
			arts, next, err := d.ListArticles(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range arts {
				slugs = append(slugs, a.Slug)
				if len(a.Galleries) != 1 {
					t.Fatalf("%s listed without its gallery", a.Slug)
				}
			}
			if next == "" {
				return slugs
			}
			q.Cursor = next
		}
		t.Fatal("listing never ended")
		return nil
	}
	tests := []struct {
		q    ListQuery
		want string
	}{
		{ListQuery{Limit: 2}, "[a0 a4 a1 a5 a2 a6 a3]"},
		{ListQuery{Limit: 100}, "[a0 a4 a1 a5 a2 a6 a3]"},
		{ListQuery{Limit: 1, Section: "Sport"}, "[a1 a5 a3]"},
		{ListQuery{Limit: 3, Status: feed.StatusPublished}, "[a0 a4 a2 a6]"},
		{ListQuery{Limit: 2, UpdatedSince: base.Add(2 * time.Hour)}, "[a2 a6 a3]"},
		{ListQuery{Limit: 2, UpdatedSince: base.Add(2*time.Hour + time.Millisecond)}, "[a3]"},
	}
	for _, tt := range tests {
		if got := fmt.Sprint(walk(tt.q)); got != tt.want {
			t.Errorf("%+v: got %s, want %s", tt.q, got, tt.want)
		}
	}
	if _, _, err := d.ListArticles(ctx, ListQuery{Limit: 1, Cursor: "!!"}); !errors.Is(err, ErrBadCursor) {
		t.Errorf("bad cursor: err = %v", err)
	}
}

func TestWriteAppealKeepsGivenTime(t *testing.T) {
	ctx := context.Background()
	d := openTest(t)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	given := time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)
	ap := feed.Appeal{Name: "x", Heading: "H", ButtonLabel: "B", URL: "https://e.com", UpdatedAt: given}
	st, out, err := d.WriteAppeal(ctx, ap, now, WriteOptions{})
	if err != nil || out != Created || !st.UpdatedAt.Equal(given) {
		t.Fatalf("create: %v %v %v", err, out, st.UpdatedAt)
	}
	if _, out, _ := d.WriteAppeal(ctx, ap, now, WriteOptions{}); out != Unchanged {
		t.Fatalf("same appeal again: %v", out)
	}
	ap.UpdatedAt = time.Time{}
	if _, out, _ := d.WriteAppeal(ctx, ap, now, WriteOptions{}); out != Unchanged {
		t.Fatalf("same appeal without a time: %v", out)
	}
	ap.Heading = "H2"
	st, out, _ = d.WriteAppeal(ctx, ap, now, WriteOptions{IfRevision: []int64{1}})
	if out != Replaced || !st.UpdatedAt.Equal(now) || st.Revision != 2 {
		t.Fatalf("change: %v %v rev %d", out, st.UpdatedAt, st.Revision)
	}
}
