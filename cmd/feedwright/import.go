package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"time"

	"github.com/feedwright/feedwright/config"
	"github.com/feedwright/feedwright/db"
	"github.com/feedwright/feedwright/feed"
	"github.com/feedwright/feedwright/validate"
)

// maxRecord is the largest record the import reads: the admin API's body
// limit, so that whatever one takes the other takes too.
const maxRecord = 1 << 20

// stdin is where "import -" reads; tests replace it.
var stdin io.Reader = os.Stdin

// importStore is what the import writes to.
type importStore interface {
	WriteArticle(ctx context.Context, a feed.Article, now time.Time, opts db.WriteOptions) (feed.Article, db.Outcome, error)
	WriteAppeal(ctx context.Context, ap feed.Appeal, now time.Time, opts db.WriteOptions) (feed.Appeal, db.Outcome, error)
}

// runImport imports the file called name ("-" for standard input).
func runImport(ctx context.Context, cfg *config.Config, name string, dry bool, stdout, stderr io.Writer) int {
	in := stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			fmt.Fprintln(stderr, "feedwright import:", err)
			return 1
		}
		defer f.Close()
		in = f
	} else {
		name = "stdin"
	}
	store, err := db.Open(ctx, cfg.Database)
	if err != nil {
		fmt.Fprintln(stderr, "feedwright import:", err)
		return 1
	}
	defer store.Close()
	im := importer{store: store, dry: dry, now: time.Now(), errw: stderr, name: name}
	readErr := im.read(ctx, in)
	if readErr != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, readErr)
	}
	fmt.Fprintln(stdout, im.summary())
	if readErr != nil || im.failed > 0 {
		return 1
	}
	return 0
}

// importer writes records one by one, each in its own transaction, so
// that one bad record costs only itself, and counts what happened.
type importer struct {
	store importStore
	dry   bool
	now   time.Time
	errw  io.Writer
	name  string

	records, failed int
	outcomes        [3]int // by db.Outcome
}

func (im *importer) summary() string {
	s := fmt.Sprintf("import %s: %d records: %d created, %d replaced, %d unchanged, %d failed", im.name, im.records,
		im.outcomes[db.Created], im.outcomes[db.Replaced], im.outcomes[db.Unchanged], im.failed)
	if im.dry {
		s += " (dry run: nothing was written)"
	}
	return s
}

// read splits the input into records. It takes three shapes: NDJSON (one
// record a line, the export's format), a JSON array of records, or records
// pretty-printed one after another (such as a single article file). A
// record that is not JSON spoils only its own line in NDJSON; in the other
// shapes nothing after it can be found, so reading stops there.
func (im *importer) read(ctx context.Context, r io.Reader) error {
	lines := &lineCounter{r: r}
	br := bufio.NewReaderSize(lines, 64<<10)
	head, _ := br.Peek(br.Size())
	var skipped int64
	if bom := []byte("\uFEFF"); bytes.HasPrefix(head, bom) {
		br.Discard(len(bom))
		head, skipped = head[len(bom):], int64(len(bom))
	}
	trimmed := bytes.TrimLeft(head, " \t\r\n")
	firstLine, _, _ := bytes.Cut(trimmed, []byte("\n"))
	switch {
	case len(trimmed) == 0:
		return nil
	case trimmed[0] == '[':
		return im.readStream(ctx, br, lines, skipped, true)
	case string(bytes.TrimSpace(firstLine)) == "{":
		return im.readStream(ctx, br, lines, skipped, false)
	}
	return im.readLines(ctx, br)
}

func (im *importer) readLines(ctx context.Context, br *bufio.Reader) error {
	for n := 1; ; n++ {
		line, tooLong, err := readLine(br, maxRecord)
		if err != nil && err != io.EOF {
			return fmt.Errorf("line %d: %w", n, err)
		}
		where := fmt.Sprintf("line %d", n)
		switch {
		case tooLong:
			im.records++
			im.fail(where, "", fmt.Errorf("the record is longer than the limit of %d bytes", maxRecord))
		case len(bytes.TrimSpace(line)) > 0:
			if ctx.Err() != nil {
				return ctx.Err()
			}
			im.record(ctx, where, line)
		}
		if err == io.EOF {
			return nil
		}
	}
}

// readLine reads one line without its newline. A line longer than max is
// read to its end but not kept.
func readLine(br *bufio.Reader, max int) (line []byte, tooLong bool, err error) {
	for {
		chunk, err := br.ReadSlice('\n')
		if !tooLong {
			if len(line)+len(chunk) > max+2 { // a record of max bytes plus "\r\n"
				tooLong, line = true, nil
			} else {
				line = append(line, chunk...)
			}
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		return bytes.TrimRight(line, "\r\n"), tooLong, err
	}
}

func (im *importer) readStream(ctx context.Context, br *bufio.Reader, lines *lineCounter, skipped int64, array bool) error {
	dec := json.NewDecoder(br)
	if array {
		if _, err := dec.Token(); err != nil {
			return err
		}
	}
	for i := 0; ; i++ {
		if array && !dec.More() {
			break
		}
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if err == io.EOF && !array {
			break
		}
		where := fmt.Sprintf("record %d", i+1)
		if array {
			where = fmt.Sprintf("element [%d]", i)
		}
		if err != nil {
			im.records++
			im.fail(where, "", fmt.Errorf("invalid JSON: %w; the rest of the input cannot be read", err))
			return errors.New("stopped at a record that is not JSON")
		}
		// The decoder's offsets count from where br was when it began
		// (after any byte order mark); the record ends at the offset.
		end := skipped + dec.InputOffset()
		where += fmt.Sprintf(" (line %d)", lines.lineAt(end-int64(len(bytes.TrimSpace(raw)))))
		if len(raw) > maxRecord {
			im.records++
			im.fail(where, "", fmt.Errorf("the record is longer than the limit of %d bytes", maxRecord))
			continue
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		im.record(ctx, where, raw)
	}
	if array {
		if _, err := dec.Token(); err != nil {
			return fmt.Errorf("the array does not end: %w", err)
		}
		if _, err := dec.Token(); err != io.EOF {
			return errors.New("unexpected data after the array")
		}
	}
	return nil
}

// record decodes, checks and writes one record: an article, or an appeal
// wrapped as {"appeal": {...}}.
func (im *importer) record(ctx context.Context, where string, data []byte) {
	im.records++
	var env map[string]json.RawMessage
	if json.Unmarshal(data, &env) == nil && len(env) == 1 && env["appeal"] != nil {
		ap, err := validate.DecodeAppeal(env["appeal"], "")
		if err != nil {
			im.fail(where, "appeal "+quoteOr(ap.Name), prefixErrors(err, "appeal."))
			return
		}
		_, outcome, err := im.store.WriteAppeal(ctx, ap, im.now, db.WriteOptions{DryRun: im.dry})
		if err != nil {
			im.fail(where, "appeal "+quoteOr(ap.Name), err)
			return
		}
		im.outcomes[outcome]++
		return
	}
	a, err := validate.DecodeArticle(data, "")
	if err != nil {
		im.fail(where, "article "+quoteOr(a.Slug), err)
		return
	}
	_, outcome, err := im.store.WriteArticle(ctx, a, im.now, db.WriteOptions{DryRun: im.dry})
	if err != nil {
		im.fail(where, "article "+quoteOr(a.Slug), err)
		return
	}
	im.outcomes[outcome]++
}

func quoteOr(name string) string {
	if name == "" {
		return "(no name)"
	}
	return fmt.Sprintf("%q", name)
}

// prefixErrors names an enveloped record's fields from the envelope.
func prefixErrors(err error, prefix string) error {
	var errs validate.Errors
	if !errors.As(err, &errs) {
		return err
	}
	out := make(validate.Errors, len(errs))
	for i, e := range errs {
		out[i] = validate.FieldError{Field: prefix + e.Field, Detail: e.Detail}
	}
	return out
}

// fail reports a record's problems, one line each, so that an editor can
// grep the output and fix the file.
func (im *importer) fail(where, what string, err error) {
	im.failed++
	if what != "" {
		where += " " + what
	}
	var errs validate.Errors
	if errors.As(err, &errs) {
		for _, e := range errs {
			fmt.Fprintf(im.errw, "%s: %s\n", where, e)
		}
		return
	}
	fmt.Fprintf(im.errw, "%s: %v\n", where, err)
}

// lineCounter passes bytes through and remembers where each line starts,
// so that a record found at an offset can be named by its line.
type lineCounter struct {
	r      io.Reader
	off    int64
	breaks []int64 // offsets of the newlines seen
}

func (c *lineCounter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	for i, b := range p[:n] {
		if b == '\n' {
			c.breaks = append(c.breaks, c.off+int64(i))
		}
	}
	c.off += int64(n)
	return n, err
}

// lineAt is the line, counting from 1, of the byte at offset off.
func (c *lineCounter) lineAt(off int64) int {
	return sort.Search(len(c.breaks), func(i int) bool { return c.breaks[i] >= off }) + 1
}
