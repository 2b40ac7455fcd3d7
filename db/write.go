package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/feedwright/feedwright/feed"
)

// ErrPrecondition is returned when a write's precondition on the stored
// revision does not hold: someone else changed the article first.
var ErrPrecondition = errors.New("precondition failed")

// errDryRun rolls back a dry run's transaction once it has done its work.
var errDryRun = errors.New("dry run")

// WriteOptions qualify a write. The preconditions are checked inside the
// write's transaction, so no other writer can slip in between the check
// and the write.
type WriteOptions struct {
	// IfRevision, when not empty, lists the revisions the stored record
	// may have; any other, or none stored, fails with ErrPrecondition.
	IfRevision []int64
	// IfExists requires a stored record, whatever its revision.
	IfExists bool
	// IfAbsent requires that nothing is stored yet: create, never replace.
	IfAbsent bool
	// DryRun does all of the write, checks included, then rolls it back,
	// so the caller learns what the write would do.
	DryRun bool
}

func (o WriteOptions) check(exists bool, revision int64) error {
	switch {
	case o.IfAbsent && exists:
		return fmt.Errorf("%w: it exists (revision %d)", ErrPrecondition, revision)
	case (o.IfExists || len(o.IfRevision) > 0) && !exists:
		return fmt.Errorf("%w: it does not exist", ErrPrecondition)
	case len(o.IfRevision) > 0 && !slices.Contains(o.IfRevision, revision):
		return fmt.Errorf("%w: the stored revision is %d", ErrPrecondition, revision)
	}
	return nil
}

// Outcome is what a write did.
type Outcome int

// The outcomes of a write.
const (
	// Unchanged: what was written is what was stored.
	Unchanged Outcome = iota
	Created
	Replaced
)

func (o Outcome) String() string {
	switch o {
	case Created:
		return "created"
	case Replaced:
		return "replaced"
	}
	return "unchanged"
}

// write runs fn in a transaction that a dry run rolls back.
func (d *DB) write(ctx context.Context, dry bool, fn func(*sql.Tx) error) error {
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		if dry {
			return errDryRun
		}
		return nil
	})
	if errors.Is(err, errDryRun) {
		return nil
	}
	return err
}

// WriteArticle creates the article or replaces the one with the same slug,
// with its authors, tags, images and galleries, in one transaction: all of
// it lands or none of it, and a failed write leaves the stored version as
// it was.
//
// Writing what is already stored changes nothing: the outcome is
// Unchanged and the revision stays, so a client that repeats a request
// causes no rebuild. An article keeps its GUID for life: a write that
// names a different GUID, or one another article has, fails with
// ErrConflict; so does any change to a retracted article, which never
// returns to a feed. When the write leaves UpdatedAt zero, a change stamps
// it with now.
func (d *DB) WriteArticle(ctx context.Context, a feed.Article, now time.Time, opts WriteOptions) (stored feed.Article, outcome Outcome, err error) {
	err = d.write(ctx, opts.DryRun, func(tx *sql.Tx) error {
		var id int64
		old, err := articleBySlug(ctx, tx, a.Slug)
		exists := err == nil
		if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		if err := opts.check(exists, old.Revision); err != nil {
			return fmt.Errorf("article %q: %w", a.Slug, err)
		}
		if exists {
			if a.GUID == "" {
				a.GUID = old.GUID
			}
			if a.GUID != old.GUID {
				return fmt.Errorf("article %q: guid %q cannot change to %q: %w", a.Slug, old.GUID, a.GUID, ErrConflict)
			}
			if sameContent(&old, &a) {
				stored, outcome = old, Unchanged
				return nil
			}
			if old.Status == feed.StatusRetracted {
				return fmt.Errorf("article %q is retracted and cannot change: %w", a.Slug, ErrConflict)
			}
			a.Revision = old.Revision + 1
			if err := tx.QueryRowContext(ctx, `SELECT id FROM articles WHERE slug = ?`, a.Slug).Scan(&id); err != nil {
				return err
			}
			outcome = Replaced
		} else {
			if a.GUID == "" {
				a.GUID = newGUID()
			}
			var other string
			err := tx.QueryRowContext(ctx, `SELECT slug FROM articles WHERE guid = ?`, a.GUID).Scan(&other)
			if err == nil {
				return fmt.Errorf("article %q: guid %q belongs to article %q: %w", a.Slug, a.GUID, other, ErrConflict)
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			a.Revision = 1
			outcome = Created
		}
		if a.UpdatedAt.IsZero() {
			a.UpdatedAt = now.UTC().Truncate(time.Second)
		}
		if _, err = writeArticle(ctx, tx, id, &a); err != nil {
			return fmt.Errorf("article %q: %w", a.Slug, err)
		}
		stored, err = articleBySlug(ctx, tx, a.Slug)
		return err
	})
	if err != nil {
		return feed.Article{}, Unchanged, err
	}
	return stored, outcome, nil
}

// RetractArticleIf takes the article out of every feed for good, if the
// precondition holds. The row stays, so its GUID can never be given to
// another article. Retracting a retracted article changes nothing.
func (d *DB) RetractArticleIf(ctx context.Context, slug string, now time.Time, opts WriteOptions) (out feed.Article, changed bool, err error) {
	err = d.write(ctx, opts.DryRun, func(tx *sql.Tx) error {
		old, err := articleBySlug(ctx, tx, slug)
		if err != nil {
			return err
		}
		if err := opts.check(true, old.Revision); err != nil {
			return fmt.Errorf("article %q: %w", slug, err)
		}
		if old.Status == feed.StatusRetracted {
			out = old
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE articles SET status = 'retracted', revision = revision + 1, updated_at = ?
			WHERE slug = ?`, now.Unix(), slug); err != nil {
			return fmt.Errorf("article %q: %w", slug, err)
		}
		changed = true
		out, err = articleBySlug(ctx, tx, slug)
		return err
	})
	return out, changed, err
}

// WriteAppeal creates or replaces the appeal with ap's name, in one
// transaction. Writing what is already stored changes nothing and gives
// Unchanged. When ap leaves UpdatedAt zero, it does not count in the
// comparison and a change stamps it with now; when it gives one, that
// time is kept, so an export read back in builds the same documents.
func (d *DB) WriteAppeal(ctx context.Context, ap feed.Appeal, now time.Time, opts WriteOptions) (stored feed.Appeal, outcome Outcome, err error) {
	err = d.write(ctx, opts.DryRun, func(tx *sql.Tx) error {
		old, err := scanAppeal(tx.QueryRowContext(ctx, `SELECT `+appealColumns+` FROM appeals WHERE name = ?`, ap.Name))
		exists := err == nil
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("appeal %q: %w", ap.Name, err)
		}
		if err := opts.check(exists, old.Revision); err != nil {
			return fmt.Errorf("appeal %q: %w", ap.Name, err)
		}
		given := ap.UpdatedAt
		if exists {
			cmp := ap
			if given.IsZero() {
				cmp.UpdatedAt = old.UpdatedAt
			}
			if sameAppeal(old, cmp) && cmp.UpdatedAt.Equal(old.UpdatedAt) {
				stored, outcome = old, Unchanged
				return nil
			}
			outcome = Replaced
		} else {
			outcome = Created
		}
		ap.UpdatedAt = given.UTC().Truncate(time.Second)
		if given.IsZero() {
			ap.UpdatedAt = now.UTC().Truncate(time.Second)
		}
		ap.Revision = old.Revision + 1
		if err := putAppeal(ctx, tx, ap); err != nil {
			return err
		}
		stored = ap
		return nil
	})
	if err != nil {
		return feed.Appeal{}, Unchanged, err
	}
	return stored, outcome, nil
}

// DeleteAppealIf removes the appeal, if the precondition holds; it leaves
// the feeds at the next build.
func (d *DB) DeleteAppealIf(ctx context.Context, name string, opts WriteOptions) error {
	return d.write(ctx, opts.DryRun, func(tx *sql.Tx) error {
		var rev int64
		err := tx.QueryRowContext(ctx, `SELECT revision FROM appeals WHERE name = ?`, name).Scan(&rev)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("appeal %q: %w", name, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("appeal %q: %w", name, err)
		}
		if err := opts.check(true, rev); err != nil {
			return fmt.Errorf("appeal %q: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM appeals WHERE name = ?`, name); err != nil {
			return fmt.Errorf("appeal %q: %w", name, err)
		}
		return nil
	})
}
