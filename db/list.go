package db

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/feedwright/feedwright/feed"
)

// ListQuery selects a page of stored articles, whatever their status, in
// the order of their last update: a client that walks the pages, then
// comes back with UpdatedSince, sees every change.
type ListQuery struct {
	// Section and Status narrow the list; empty means any.
	Section string
	Status  feed.Status
	// UpdatedSince keeps articles updated at or after it; zero means all.
	UpdatedSince time.Time
	// Cursor continues a listing where the page that gave it ended;
	// empty starts at the beginning.
	Cursor string
	// Limit is the page size.
	Limit int
}

// ErrBadCursor is returned for a cursor this store did not give out.
var ErrBadCursor = errors.New("bad cursor")

// A cursor is the (updated_at, id) of the last article of a page. Paging
// by key rather than offset keeps each page an index range scan, and an
// article written between two pages is neither skipped nor shown twice
// unless it changed, in which case it comes again, later, as it should.
type cursor struct{ updated, id int64 }

func (c cursor) String() string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.updated, 10) + "." + strconv.FormatInt(c.id, 10)))
}

func parseCursor(s string) (cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return cursor{}, fmt.Errorf("%w %q", ErrBadCursor, s)
	}
	u, i, ok := strings.Cut(string(b), ".")
	c := cursor{}
	c.updated, err = strconv.ParseInt(u, 10, 64)
	if err == nil {
		c.id, err = strconv.ParseInt(i, 10, 64)
	}
	if !ok || err != nil {
		return cursor{}, fmt.Errorf("%w %q", ErrBadCursor, s)
	}
	return c, nil
}

// ListArticles returns a page of articles that q selects, oldest update
// first, and the cursor of the next page ("" after the last page).
func (d *DB) ListArticles(ctx context.Context, q ListQuery) (arts []feed.Article, next string, err error) {
	if q.Limit <= 0 {
		return nil, "", fmt.Errorf("list articles: limit must be positive, not %d", q.Limit)
	}
	where := []string{"1"}
	var args []any
	if q.Cursor != "" {
		c, err := parseCursor(q.Cursor)
		if err != nil {
			return nil, "", fmt.Errorf("list articles: %w", err)
		}
		where = append(where, `(a.updated_at, a.id) > (?, ?)`)
		args = append(args, c.updated, c.id)
	}
	if !q.UpdatedSince.IsZero() {
		// Times are stored to the second; a fraction rounds up so that
		// "since" never returns what came before it.
		since := q.UpdatedSince.Unix()
		if q.UpdatedSince.Nanosecond() > 0 {
			since++
		}
		where = append(where, `a.updated_at >= ?`)
		args = append(args, since)
	}
	if q.Section != "" {
		where = append(where, `a.section = ?`)
		args = append(args, q.Section)
	}
	if q.Status != "" {
		where = append(where, `a.status = ?`)
		args = append(args, string(q.Status))
	}
	// One row more than the page says whether another page follows.
	rows, err := d.sql.QueryContext(ctx, `SELECT `+articleColumns+` FROM articles a
		WHERE `+strings.Join(where, " AND ")+` ORDER BY a.updated_at, a.id LIMIT ?`, append(args, q.Limit+1)...)
	if err != nil {
		return nil, "", fmt.Errorf("list articles: %w", err)
	}
	defer rows.Close()
	var (
		ids  []int64
		last cursor
	)
	for rows.Next() {
		id, a, err := scanArticle(rows)
		if err != nil {
			return nil, "", fmt.Errorf("list articles: %w", err)
		}
		if len(arts) == q.Limit {
			next = last.String()
			break
		}
		arts = append(arts, a)
		ids = append(ids, id)
		last = cursor{updated: a.UpdatedAt.Unix(), id: id}
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("list articles: %w", err)
	}
	rows.Close()
	if err := loadChildren(ctx, d.sql, arts, ids); err != nil {
		return nil, "", fmt.Errorf("list articles: %w", err)
	}
	return arts, next, nil
}
