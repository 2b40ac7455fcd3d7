package db

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"
)

// Fingerprint summarises what a feed is built from, so that a scheduler
// can tell whether a rebuild could change anything without loading the
// articles themselves.
type Fingerprint struct {
	// Sum changes whenever the selected articles, their order, their
	// revisions or their times change.
	Sum string
	// Articles is the number of articles the query selected.
	Articles int
}

// FeedFingerprint fingerprints the first q.Limit articles that q selects,
// newest first: the rows FeedArticles would return for the same query. It
// reads only the article rows (no authors, tags or images) along the same
// index as FeedArticles, so its cost follows q.Limit, not the archive.
//
// Every write through this package that changes an article or its children
// bumps the article's revision, which is what makes the fingerprint move;
// a row edited by hand without a new revision goes unnoticed.
func (d *DB) FeedFingerprint(ctx context.Context, q FeedQuery) (Fingerprint, error) {
	query, args := q.fingerprintSQL()
	rows, err := d.sql.QueryContext(ctx, query, args...)
	if err != nil {
		return Fingerprint{}, fmt.Errorf("feed fingerprint: %w", err)
	}
	defer rows.Close()
	h := sha256.New()
	var (
		fp  Fingerprint
		buf []byte
	)
	for rows.Next() {
		var id, rev, published, updated int64
		if err := rows.Scan(&id, &rev, &published, &updated); err != nil {
			return Fingerprint{}, fmt.Errorf("feed fingerprint: %w", err)
		}
		buf = buf[:0]
		for _, n := range [...]int64{id, rev, published, updated} {
			buf = strconv.AppendInt(buf, n, 10)
			buf = append(buf, ' ')
		}
		buf[len(buf)-1] = '\n'
		h.Write(buf)
		fp.Articles++
	}
	if err := rows.Err(); err != nil {
		return Fingerprint{}, fmt.Errorf("feed fingerprint: %w", err)
	}
	fp.Sum = hex.EncodeToString(h.Sum(nil))
	return fp, nil
}

func (q *FeedQuery) fingerprintSQL() (string, []any) {
	from, args := q.from()
	return `SELECT a.id, a.revision, a.published_at, a.updated_at FROM ` + from + ` LIMIT ? OFFSET ?`,
		append(args, q.Limit, q.Offset)
}

const nextChangeSQL = `SELECT min(t) FROM (
	SELECT min(published_at) AS t FROM articles WHERE status = 'published' AND published_at > ?1
	UNION ALL SELECT min(starts_at) FROM appeals WHERE starts_at > ?1
	UNION ALL SELECT min(ends_at) FROM appeals WHERE ends_at > ?1)`

// NextChange is the earliest moment after now at which what some feed
// shows changes by the clock alone: a published article's publication
// time, or an appeal's start or end. ok is false when nothing is due.
// Each part is the first entry of an index range (appeals are few), so
// the query costs the same however large the archive is.
func (d *DB) NextChange(ctx context.Context, now time.Time) (next time.Time, ok bool, err error) {
	var t sql.NullInt64
	err = d.sql.QueryRowContext(ctx, nextChangeSQL, now.Unix()).Scan(&t)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("next scheduled change: %w", err)
	}
	if !t.Valid {
		return time.Time{}, false, nil
	}
	return time.Unix(t.Int64, 0).UTC(), true, nil
}

// explainQueryPlan returns SQLite's plan for query, one step a line; tests
// use it to hold queries to their indexes.
func (d *DB) explainQueryPlan(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := d.sql.QueryContext(ctx, `EXPLAIN QUERY PLAN `+query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			return nil, err
		}
		out = append(out, detail)
	}
	return out, rows.Err()
}

// ChangeCount is a number that every write to articles or appeals moves,
// from this process or any other (migration 0004). Reading it is a single
// row, so a scheduler can poll it every second to notice an import.
func (d *DB) ChangeCount(ctx context.Context) (int64, error) {
	var n int64
	if err := d.sql.QueryRowContext(ctx, `SELECT n FROM change_counter WHERE id = 1`).Scan(&n); err != nil {
		return 0, fmt.Errorf("change count: %w", err)
	}
	return n, nil
}
