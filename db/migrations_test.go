package db

import (
	"context"
	"path/filepath"
	"testing"
)

func TestMigrationsApplyOnceAndAreSafeToRerun(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "fw.db")
	steps, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	for run := 1; run <= 2; run++ {
		d, err := Open(ctx, path)
		if err != nil {
			t.Fatalf("open #%d: %v", run, err)
		}
		v, err := d.SchemaVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if v != len(steps) {
			t.Errorf("open #%d: schema version %d, want %d", run, v, len(steps))
		}
		// Re-running the migration step on an up-to-date database must be
		// a no-op, not a "table already exists" error.
		if err := d.migrate(ctx); err != nil {
			t.Errorf("open #%d: migrate again: %v", run, err)
		}
		var mode string
		if err := d.sql.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
			t.Errorf("journal_mode = %q (%v), want wal", mode, err)
		}
		var fk int
		if err := d.sql.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil || fk != 1 {
			t.Errorf("foreign_keys = %d (%v), want 1", fk, err)
		}
		d.Close()
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "fw.db")
	d, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.sql.ExecContext(ctx, "PRAGMA user_version = 999"); err != nil {
		t.Fatal(err)
	}
	d.Close()
	if _, err := Open(ctx, path); err == nil {
		t.Fatal("opening a database from a newer binary succeeded; want an error")
	}
}
