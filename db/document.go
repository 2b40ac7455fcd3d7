package db

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/feedwright/feedwright/feed"
)

// StoredDocument is a published document of one page of one feed.
type StoredDocument struct {
	Feed    string
	Page    int
	BuiltAt time.Time
	*feed.Document
}

// SaveDocuments replaces the stored documents of a feed with docs, in one
// transaction, so that a restart never finds a mix of two builds. Pages of
// the feed beyond those in docs are removed.
func (d *DB) SaveDocuments(ctx context.Context, feedName string, docs []StoredDocument) error {
	return d.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM documents WHERE feed = ?`, feedName); err != nil {
			return err
		}
		for _, doc := range docs {
			_, err := tx.ExecContext(ctx, `INSERT INTO documents (feed, format, page, body, gzip, etag, gzip_etag,
				brotli, brotli_etag, last_modified, built_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				feedName, string(doc.Format), doc.Page, doc.Body, doc.Gzip, doc.ETag, doc.GzipETag,
				nonNil(doc.Brotli), doc.BrotliETag, doc.LastModified.Unix(), doc.BuiltAt.Unix())
			if err != nil {
				return fmt.Errorf("save feed %q %s page %d: %w", feedName, doc.Format, doc.Page, err)
			}
		}
		return nil
	})
}

// Documents returns every stored document, ordered by feed, page and format.
func (d *DB) Documents(ctx context.Context) ([]StoredDocument, error) {
	rows, err := d.sql.QueryContext(ctx, `SELECT feed, format, page, body, gzip, etag, gzip_etag, brotli, brotli_etag,
		last_modified, built_at FROM documents ORDER BY feed, page, format`)
	if err != nil {
		return nil, fmt.Errorf("load documents: %w", err)
	}
	defer rows.Close()
	var out []StoredDocument
	for rows.Next() {
		var (
			sd        StoredDocument
			doc       feed.Document
			format    string
			lm, built int64
		)
		if err := rows.Scan(&sd.Feed, &format, &sd.Page, &doc.Body, &doc.Gzip, &doc.ETag, &doc.GzipETag, &doc.Brotli, &doc.BrotliETag, &lm, &built); err != nil {
			return nil, fmt.Errorf("load documents: %w", err)
		}
		if len(doc.Brotli) == 0 {
			// Saved before brotli existed: no representation to offer.
			doc.Brotli, doc.BrotliETag = nil, ""
		}
		doc.Format = feed.Format(format)
		doc.LastModified = time.Unix(lm, 0).UTC()
		sd.BuiltAt = time.Unix(built, 0).UTC()
		sd.Document = &doc
		out = append(out, sd)
	}
	return out, rows.Err()
}

// nonNil keeps a NOT NULL blob column from receiving NULL for an empty slice.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
