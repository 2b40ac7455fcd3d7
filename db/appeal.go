package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/feedwright/feedwright/feed"
)

const appealColumns = `name, heading, text, button_label, url, starts_at, ends_at, sections, revision, updated_at`

func scanAppeal(sc interface{ Scan(...any) error }) (feed.Appeal, error) {
	var (
		ap           feed.Appeal
		starts, ends sql.NullInt64
		sections     string
		updated      int64
	)
	if err := sc.Scan(&ap.Name, &ap.Heading, &ap.Text, &ap.ButtonLabel, &ap.URL, &starts, &ends, &sections,
		&ap.Revision, &updated); err != nil {
		return ap, err
	}
	ap.StartsAt, ap.EndsAt = fromUnix(starts), fromUnix(ends)
	ap.UpdatedAt = time.Unix(updated, 0).UTC()
	if err := json.Unmarshal([]byte(sections), &ap.Sections); err != nil {
		return ap, fmt.Errorf("appeal %q: sections: %w", ap.Name, err)
	}
	if len(ap.Sections) == 0 {
		ap.Sections = nil
	}
	return ap, nil
}

// Appeals returns every stored appeal, running or not, by name.
func (d *DB) Appeals(ctx context.Context) ([]feed.Appeal, error) {
	rows, err := d.sql.QueryContext(ctx, `SELECT `+appealColumns+` FROM appeals ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("appeals: %w", err)
	}
	defer rows.Close()
	var out []feed.Appeal
	for rows.Next() {
		ap, err := scanAppeal(rows)
		if err != nil {
			return nil, fmt.Errorf("appeals: %w", err)
		}
		out = append(out, ap)
	}
	return out, rows.Err()
}

// Appeal returns the appeal with the given name.
func (d *DB) Appeal(ctx context.Context, name string) (feed.Appeal, error) {
	ap, err := scanAppeal(d.sql.QueryRowContext(ctx, `SELECT `+appealColumns+` FROM appeals WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return ap, fmt.Errorf("appeal %q: %w", name, ErrNotFound)
	}
	return ap, err
}

// PutAppeal creates or replaces the appeal with ap's name. Writing what is
// already stored changes nothing and reports changed=false. A change
// stamps the appeal with now.
func (d *DB) PutAppeal(ctx context.Context, ap feed.Appeal, now time.Time) (stored feed.Appeal, changed bool, err error) {
	ap.UpdatedAt = time.Time{}
	stored, outcome, err := d.WriteAppeal(ctx, ap, now, WriteOptions{})
	return stored, outcome != Unchanged, err
}

func putAppeal(ctx context.Context, tx *sql.Tx, ap feed.Appeal) error {
	sections, err := json.Marshal(ap.Sections)
	if err != nil {
		return err
	}
	if ap.Sections == nil {
		sections = []byte("[]")
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO appeals (name, heading, text, button_label, url, starts_at, ends_at,
		sections, revision, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET heading = excluded.heading, text = excluded.text,
		button_label = excluded.button_label, url = excluded.url, starts_at = excluded.starts_at,
		ends_at = excluded.ends_at, sections = excluded.sections, revision = excluded.revision,
		updated_at = excluded.updated_at`,
		ap.Name, ap.Heading, ap.Text, ap.ButtonLabel, ap.URL, unix(ap.StartsAt), unix(ap.EndsAt),
		string(sections), ap.Revision, ap.UpdatedAt.Unix())
	if err != nil {
		return fmt.Errorf("appeal %q: %w", ap.Name, err)
	}
	return nil
}

func sameAppeal(a, b feed.Appeal) bool {
	a.Revision, b.Revision = 0, 0
	a.UpdatedAt, b.UpdatedAt = time.Time{}, time.Time{}
	ab, _ := json.Marshal(a)
	bb, _ := json.Marshal(b)
	return string(ab) == string(bb)
}

// DeleteAppeal removes the appeal; it disappears from feeds at the next build.
func (d *DB) DeleteAppeal(ctx context.Context, name string) error {
	res, err := d.sql.ExecContext(ctx, `DELETE FROM appeals WHERE name = ?`, name)
	if err != nil {
		return fmt.Errorf("appeal %q: %w", name, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("appeal %q: %w", name, ErrNotFound)
	}
	return nil
}
