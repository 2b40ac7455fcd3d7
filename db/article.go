package db

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/feedwright/feedwright/feed"
)

// ErrConflict is returned when a write would break an article's identity,
// such as giving it a different GUID or a GUID another article has.
var ErrConflict = errors.New("conflict")

// queryer is what both *sql.DB and *sql.Tx offer for reading.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

const articleColumns = `a.id, a.guid, a.slug, a.url, a.title, a.dek, a.body_html, a.section, a.status,
	a.published_at, a.updated_at, a.revision, a.video_url, a.video_title, a.video_mime_type,
	a.video_length, a.video_width, a.video_height, a.video_duration`

func scanArticle(sc interface{ Scan(...any) error }) (int64, feed.Article, error) {
	var (
		a         feed.Article
		id        int64
		published sql.NullInt64
		updated   int64
		videoURL  sql.NullString
		v         feed.Video
	)
	err := sc.Scan(&id, &a.GUID, &a.Slug, &a.URL, &a.Title, &a.Dek, &a.BodyHTML, &a.Section, &a.Status,
		&published, &updated, &a.Revision, &videoURL, &v.Title, &v.MIMEType,
		&v.Length, &v.Width, &v.Height, &v.DurationSeconds)
	if err != nil {
		return 0, a, err
	}
	a.PublishedAt = fromUnix(published)
	a.UpdatedAt = time.Unix(updated, 0).UTC()
	if videoURL.Valid {
		v.URL = videoURL.String
		a.Video = &v
	}
	return id, a, nil
}

// Article returns the article with the given slug, whatever its status.
func (d *DB) Article(ctx context.Context, slug string) (feed.Article, error) {
	return articleBySlug(ctx, d.sql, slug)
}

func articleBySlug(ctx context.Context, q queryer, slug string) (feed.Article, error) {
	id, a, err := scanArticle(q.QueryRowContext(ctx, `SELECT `+articleColumns+` FROM articles a WHERE a.slug = ?`, slug))
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("article %q: %w", slug, ErrNotFound)
	}
	if err != nil {
		return a, fmt.Errorf("article %q: %w", slug, err)
	}
	arts := []feed.Article{a}
	if err := loadChildren(ctx, q, arts, []int64{id}); err != nil {
		return a, fmt.Errorf("article %q: %w", slug, err)
	}
	return arts[0], nil
}

// UpsertArticle creates the article or replaces the one with the same slug,
// with its authors, tags, images and galleries, in one transaction.
//
// Writing what is already stored changes nothing: the result reports
// changed=false and keeps the revision, so a client that repeats a request
// triggers no rebuild. An article keeps its GUID for life: a write that
// names a different GUID, or one another article has, fails with
// ErrConflict. When the write leaves UpdatedAt zero, a change stamps it
// with now.
func (d *DB) UpsertArticle(ctx context.Context, a feed.Article, now time.Time) (stored feed.Article, changed bool, err error) {
	stored, outcome, err := d.WriteArticle(ctx, a, now, WriteOptions{})
	return stored, outcome != Unchanged, err
}

// sameContent reports whether writing next over old would change nothing.
// The revision is the store's, and a write without an update time means
// "whenever it changed", so neither counts.
func sameContent(old, next *feed.Article) bool {
	o, n := *old, *next
	o.Revision, n.Revision = 0, 0
	if n.UpdatedAt.IsZero() {
		n.UpdatedAt = o.UpdatedAt
	}
	ob, err1 := json.Marshal(normalized(o))
	nb, err2 := json.Marshal(normalized(n))
	return err1 == nil && err2 == nil && string(ob) == string(nb)
}

// normalized is an article as the store would give it back: times in UTC
// to the second, empty lists as nil.
func normalized(a feed.Article) feed.Article {
	sec := func(t time.Time) time.Time {
		if t.IsZero() {
			return t
		}
		return t.UTC().Truncate(time.Second)
	}
	a.PublishedAt, a.UpdatedAt = sec(a.PublishedAt), sec(a.UpdatedAt)
	if len(a.Tags) == 0 {
		a.Tags = nil
	}
	if len(a.Authors) == 0 {
		a.Authors = nil
	}
	if len(a.Galleries) == 0 {
		a.Galleries = nil
	}
	return a
}

// newGUID makes a random URN UUID (version 4) for an article that came
// without a GUID of its own.
func newGUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("urn:uuid:%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// writeArticle stores a as row id (0 for a new row), replacing its
// children, and returns the row's id.
func writeArticle(ctx context.Context, tx *sql.Tx, id int64, a *feed.Article) (int64, error) {
	var (
		videoURL   sql.NullString
		vt, vm     string
		vl         int64
		vw, vh, vd int
	)
	if v := a.Video; v != nil {
		videoURL = sql.NullString{String: v.URL, Valid: true}
		vt, vm, vl, vw, vh, vd = v.Title, v.MIMEType, v.Length, v.Width, v.Height, v.DurationSeconds
	}
	args := []any{a.GUID, a.Slug, a.URL, a.Title, a.Dek, a.BodyHTML, a.Section, string(a.Status),
		unix(a.PublishedAt), a.UpdatedAt.Unix(), a.Revision, videoURL, vt, vm, vl, vw, vh, vd}
	if id == 0 {
		err := tx.QueryRowContext(ctx, `INSERT INTO articles (guid, slug, url, title, dek, body_html, section, status,
			published_at, updated_at, revision, video_url, video_title, video_mime_type, video_length,
			video_width, video_height, video_duration)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, args...).Scan(&id)
		if err != nil {
			return 0, err
		}
	} else {
		_, err := tx.ExecContext(ctx, `UPDATE articles SET guid = ?, slug = ?, url = ?, title = ?, dek = ?,
			body_html = ?, section = ?, status = ?, published_at = ?, updated_at = ?, revision = ?,
			video_url = ?, video_title = ?, video_mime_type = ?, video_length = ?, video_width = ?,
			video_height = ?, video_duration = ? WHERE id = ?`, append(args, id)...)
		if err != nil {
			return 0, err
		}
		for _, table := range []string{"article_authors", "article_tags", "images", "galleries"} {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE article_id = ?`, id); err != nil {
				return 0, err
			}
		}
	}
	for i, au := range a.Authors {
		if _, err := tx.ExecContext(ctx, `INSERT INTO article_authors (article_id, position, name, email, url)
			VALUES (?, ?, ?, ?, ?)`, id, i, au.Name, au.Email, au.URL); err != nil {
			return 0, fmt.Errorf("author %d: %w", i+1, err)
		}
	}
	for i, t := range a.Tags {
		if _, err := tx.ExecContext(ctx, `INSERT INTO article_tags (article_id, position, tag) VALUES (?, ?, ?)`, id, i, t); err != nil {
			return 0, fmt.Errorf("tag %d: %w", i+1, err)
		}
	}
	if a.Lead != nil {
		if err := insertImage(ctx, tx, id, nil, "lead", 0, a.Lead); err != nil {
			return 0, fmt.Errorf("lead image: %w", err)
		}
	}
	if a.Video != nil && a.Video.Poster != nil {
		if err := insertImage(ctx, tx, id, nil, "poster", 0, a.Video.Poster); err != nil {
			return 0, fmt.Errorf("video poster: %w", err)
		}
	}
	for g, gal := range a.Galleries {
		var gid int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO galleries (article_id, position, title) VALUES (?, ?, ?) RETURNING id`,
			id, g, gal.Title).Scan(&gid); err != nil {
			return 0, fmt.Errorf("gallery %d: %w", g+1, err)
		}
		for i := range gal.Images {
			if err := insertImage(ctx, tx, id, &gid, "gallery", i, &gal.Images[i]); err != nil {
				return 0, fmt.Errorf("gallery %d image %d: %w", g+1, i+1, err)
			}
		}
	}
	return id, nil
}

func insertImage(ctx context.Context, tx *sql.Tx, articleID int64, galleryID *int64, kind string, pos int, img *feed.Image) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO images (article_id, gallery_id, kind, position, url, mime_type,
		width, height, length, alt, caption, credit, credit_role)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		articleID, galleryID, kind, pos, img.URL, img.MIMEType, img.Width, img.Height, img.Length,
		img.Alt, img.Caption, img.Credit, img.CreditRole)
	return err
}

// loadChildren fills in the authors, tags, images and galleries of arts,
// whose row ids are ids (in the same order), with one query per table.
func loadChildren(ctx context.Context, q queryer, arts []feed.Article, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	index := make(map[int64]*feed.Article, len(ids))
	for i, id := range ids {
		index[id] = &arts[i]
	}
	in := "(" + strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",") + ")"
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	each := func(query string, scan func(*sql.Rows) error) error {
		rows, err := q.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	}
	err := each(`SELECT article_id, name, email, url FROM article_authors WHERE article_id IN `+in+` ORDER BY article_id, position`,
		func(r *sql.Rows) error {
			var id int64
			var au feed.Author
			if err := r.Scan(&id, &au.Name, &au.Email, &au.URL); err != nil {
				return err
			}
			index[id].Authors = append(index[id].Authors, au)
			return nil
		})
	if err != nil {
		return fmt.Errorf("authors: %w", err)
	}
	err = each(`SELECT article_id, tag FROM article_tags WHERE article_id IN `+in+` ORDER BY article_id, position`,
		func(r *sql.Rows) error {
			var id int64
			var t string
			if err := r.Scan(&id, &t); err != nil {
				return err
			}
			index[id].Tags = append(index[id].Tags, t)
			return nil
		})
	if err != nil {
		return fmt.Errorf("tags: %w", err)
	}
	galleries := map[int64]struct {
		article *feed.Article
		pos     int
	}{}
	err = each(`SELECT article_id, id, title FROM galleries WHERE article_id IN `+in+` ORDER BY article_id, position`,
		func(r *sql.Rows) error {
			var id, gid int64
			var title string
			if err := r.Scan(&id, &gid, &title); err != nil {
				return err
			}
			a := index[id]
			a.Galleries = append(a.Galleries, feed.Gallery{Title: title})
			galleries[gid] = struct {
				article *feed.Article
				pos     int
			}{a, len(a.Galleries) - 1}
			return nil
		})
	if err != nil {
		return fmt.Errorf("galleries: %w", err)
	}
	err = each(`SELECT article_id, gallery_id, kind, url, mime_type, width, height, length, alt, caption, credit, credit_role
		FROM images WHERE article_id IN `+in+` ORDER BY article_id, kind, gallery_id, position`,
		func(r *sql.Rows) error {
			var (
				id   int64
				gid  sql.NullInt64
				kind string
				img  feed.Image
			)
			if err := r.Scan(&id, &gid, &kind, &img.URL, &img.MIMEType, &img.Width, &img.Height, &img.Length,
				&img.Alt, &img.Caption, &img.Credit, &img.CreditRole); err != nil {
				return err
			}
			a := index[id]
			switch kind {
			case "lead":
				a.Lead = &img
			case "poster":
				if a.Video != nil {
					a.Video.Poster = &img
				}
			case "gallery":
				g, ok := galleries[gid.Int64]
				if !ok {
					return fmt.Errorf("image of unknown gallery %d", gid.Int64)
				}
				g.article.Galleries[g.pos].Images = append(g.article.Galleries[g.pos].Images, img)
			}
			return nil
		})
	if err != nil {
		return fmt.Errorf("images: %w", err)
	}
	return nil
}

// FeedQuery selects the articles of one feed page.
type FeedQuery struct {
	// Section, Tag and Author narrow the selection; empty means any.
	Section string
	Tag     string
	Author  string
	// Now is the build time: only articles published by then are seen.
	Now    time.Time
	Limit  int
	Offset int
}

// from is the FROM, WHERE and ORDER BY of the articles q selects. A tag
// or author feed is driven by that index, whose rows carry their
// article's status and publication time (migrations 0003 and 0004), so a
// rare tag or author costs its own page, not a walk over the archive;
// every other feed walks the articles' own time index.
//
// An article names an author once per byline position, so two positions
// with one name would list it twice in an author feed; the author-driven
// query therefore picks the first such position only.
func (q *FeedQuery) from() (string, []any) {
	now := q.Now.Unix()
	var (
		sql   string
		args  []any
		order string
	)
	switch {
	case q.Tag != "":
		sql = `article_tags t JOIN articles a ON a.id = t.article_id
		WHERE t.tag = ? AND t.status = 'published' AND t.published_at <= ?`
		args = []any{q.Tag, now}
		order = ` ORDER BY t.published_at DESC, t.article_id DESC`
	case q.Author != "":
		sql = `article_authors p JOIN articles a ON a.id = p.article_id
		WHERE p.name = ? AND p.status = 'published' AND p.published_at <= ?
		AND p.position = (SELECT min(p2.position) FROM article_authors p2 WHERE p2.article_id = p.article_id AND p2.name = p.name)`
		args = []any{q.Author, now}
		order = ` ORDER BY p.published_at DESC, p.article_id DESC`
	default:
		sql = `articles a WHERE a.status = 'published' AND a.published_at <= ?`
		args = []any{now}
		order = ` ORDER BY a.published_at DESC, a.id DESC`
	}
	if q.Section != "" {
		sql += ` AND a.section = ?`
		args = append(args, q.Section)
	}
	if q.Tag != "" && q.Author != "" {
		sql += ` AND EXISTS (SELECT 1 FROM article_authors p WHERE p.article_id = a.id AND p.name = ?)`
		args = append(args, q.Author)
	}
	return sql + order, args
}

// FeedArticles returns the visible articles that q selects, newest first.
// The scan walks the published-time index and stops after Limit rows, so
// its cost follows the size of the page, not of the archive.
func (d *DB) FeedArticles(ctx context.Context, q FeedQuery) ([]feed.Article, error) {
	from, args := q.from()
	rows, err := d.sql.QueryContext(ctx, `SELECT `+articleColumns+` FROM `+from+` LIMIT ? OFFSET ?`,
		append(args, q.Limit, q.Offset)...)
	if err != nil {
		return nil, fmt.Errorf("feed articles: %w", err)
	}
	defer rows.Close()
	var (
		arts []feed.Article
		ids  []int64
	)
	for rows.Next() {
		id, a, err := scanArticle(rows)
		if err != nil {
			return nil, fmt.Errorf("feed articles: %w", err)
		}
		arts = append(arts, a)
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("feed articles: %w", err)
	}
	rows.Close()
	if err := loadChildren(ctx, d.sql, arts, ids); err != nil {
		return nil, fmt.Errorf("feed articles: %w", err)
	}
	return arts, nil
}

// CountArticles counts every stored article, whatever its status.
func (d *DB) CountArticles(ctx context.Context) (int, error) {
	var n int
	err := d.sql.QueryRowContext(ctx, `SELECT count(*) FROM articles`).Scan(&n)
	return n, err
}

// RetractArticle takes the article out of every feed for good. The row
// stays, so its GUID can never be given to another article.
func (d *DB) RetractArticle(ctx context.Context, slug string, now time.Time) (feed.Article, error) {
	out, _, err := d.RetractArticleIf(ctx, slug, now, WriteOptions{})
	return out, err
}
