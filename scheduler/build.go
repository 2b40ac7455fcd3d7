package scheduler

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/feedwright/feedwright/db"
	"github.com/feedwright/feedwright/feed"
)

// BuildAll runs one pass over every feed now, as a cron tick would, and
// reports whether every feed is current. An error in one feed does not
// stop the others and never replaces that feed's last good documents.
func (s *Scheduler) BuildAll(ctx context.Context) error {
	return s.pass(ctx, "manual")
}

// pass brings every feed up to date: a cheap change check for each, and a
// build for those whose inputs moved. Then it plans the next wake-up.
func (s *Scheduler) pass(ctx context.Context, trigger string) (err error) {
	if s.stopping.Load() {
		return nil
	}
	s.buildMu.Lock()
	defer s.buildMu.Unlock()
	if s.stopping.Load() {
		return nil // shutdown began while this pass waited its turn
	}
	start := time.Now()
	now := s.clock.Now()
	// Read before the feeds are checked: a write that lands during the
	// pass moves the count past this, and the next poll asks again.
	if cc, ok := s.opts.Store.(changeCounter); ok {
		if n, err := cc.ChangeCount(ctx); err == nil {
			s.seenChanges.Store(n)
		}
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("build pass panicked: %v", r)
			s.log.Error("build pass panicked", "trigger", trigger, "panic", r, "stack", string(debug.Stack()))
		}
		s.m.passes.WithLabelValues(trigger).Inc()
		s.m.passSeconds.Observe(time.Since(start).Seconds())
		if s.onPass != nil {
			s.onPass(trigger)
		}
	}()
	appeals, err := s.opts.Store.Appeals(ctx)
	if err != nil {
		err = fmt.Errorf("build: %w", err)
		if ctx.Err() == nil {
			s.log.Error("build pass failed", "trigger", trigger, "err", err)
			for _, def := range s.opts.Feeds {
				s.m.builds.WithLabelValues(def.Name, resultError).Inc()
				s.recordFailure(def.Name, now, err)
			}
		}
		return err
	}
	appealSum := appealsFingerprint(appeals, now)
	var errs []error
	for _, def := range s.opts.Feeds {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err := s.updateFeed(ctx, def, appeals, appealSum, now); err != nil {
			errs = append(errs, err)
		}
	}
	s.armWake(ctx, now)
	s.log.Debug("build pass done", "trigger", trigger, "feeds", len(s.opts.Feeds), "failed", len(errs), "took", time.Since(start))
	return errors.Join(errs...)
}

// updateFeed runs one feed's build and records how it went; the error
// is the build's, nil when the feed is current.
func (s *Scheduler) updateFeed(ctx context.Context, def feed.Definition, appeals []feed.Appeal, appealSum string, now time.Time) error {
	start := time.Now()
	res, err := s.buildFeed(ctx, def, appeals, appealSum, now)
	s.m.feedSeconds.WithLabelValues(def.Name).Observe(time.Since(start).Seconds())
	if err != nil && ctx.Err() != nil {
		return err // shutting down: not the feed's failure
	}
	s.m.builds.WithLabelValues(def.Name, res.result).Inc()
	if err != nil {
		s.log.Error("feed build failed; its last good documents stay served", "feed", def.Name, "result", res.result, "err", err)
		s.recordFailure(def.Name, now, err)
		return err
	}
	s.m.lastSuccess.WithLabelValues(def.Name).Set(float64(now.Unix()))
	if res.result != resultUnchanged {
		s.m.items.WithLabelValues(def.Name).Set(float64(res.items))
		s.m.pages.WithLabelValues(def.Name).Set(float64(res.pages))
	}
	s.setStatus(def.Name, func(st *FeedStatus) {
		st.Checked, st.Failures, st.Serving = now, 0, true
		if res.result != resultUnchanged {
			st.Items, st.Pages = res.items, res.pages
		}
		if res.result == resultPublished {
			st.Built = now
		}
	})
	if res.result == resultPublished {
		s.log.Info("feed published", "feed", def.Name, "items", res.items, "pages", res.pages, "took", time.Since(start))
	}
	return nil
}

// defaultLimit is the page size of a definition that names none (the
// configuration always does).
const defaultLimit = 20

type buildResult struct {
	result       string
	items, pages int
}

// buildFeed checks a feed's inputs and, if they moved, renders all its
// pages and publishes those that differ. Documents whose bytes did not
// change are kept as they are, with their ETag and Last-Modified.
func (s *Scheduler) buildFeed(ctx context.Context, def feed.Definition, appeals []feed.Appeal, appealSum string, now time.Time) (res buildResult, err error) {
	defer func() {
		if r := recover(); r != nil {
			res.result = resultPanic
			err = fmt.Errorf("feed %q: build panicked: %v", def.Name, r)
			s.log.Error("feed build panicked", "feed", def.Name, "panic", r, "stack", string(debug.Stack()))
		}
	}()
	res.result = resultError
	limit := def.Limit
	if limit <= 0 {
		limit = defaultLimit
	}
	q := db.FeedQuery{Section: def.Section, Tag: def.Tag, Author: def.Author, Now: now, Limit: limit * s.opts.MaxPages}
	fp, err := s.opts.Store.FeedFingerprint(ctx, q)
	if err != nil {
		return res, fmt.Errorf("feed %q: %w", def.Name, err)
	}
	inputs := fp.Sum + " " + appealSum
	old := s.current.Load().feeds[def.Name]
	if old != nil && s.fingerprints[def.Name] == inputs {
		res.result = resultUnchanged
		return res, nil
	}

	arts, err := s.opts.Store.FeedArticles(ctx, q)
	if err != nil {
		return res, fmt.Errorf("feed %q: %w", def.Name, err)
	}
	pages := paginate(arts, limit)
	res.items, res.pages = len(arts), len(pages)
	next := make([]map[feed.Format]*feed.Document, len(pages))
	for i := range next {
		next[i] = make(map[feed.Format]*feed.Document, len(feed.Formats))
	}
	for _, f := range feed.Formats {
		start := time.Now()
		for i, items := range pages {
			in := feed.Input{
				Site: s.opts.Site, Feed: def, Articles: items, Appeals: appeals, Now: now,
				Page: feed.Page{Number: i + 1, Last: len(pages)},
			}
			doc, err := renderDocument(in, f, served(old, i, f), now)
			if err != nil {
				return res, fmt.Errorf("feed %q page %d: %w", def.Name, i+1, err)
			}
			next[i][f] = doc
		}
		s.m.renderSeconds.WithLabelValues(def.Name, string(f)).Observe(time.Since(start).Seconds())
	}

	changed, topics := s.compare(def.Name, old, next)
	if !changed {
		s.fingerprints[def.Name] = inputs
		res.result = resultIdentical
		return res, nil
	}
	stored := make([]db.StoredDocument, 0, len(next)*len(feed.Formats))
	for i, page := range next {
		for _, f := range feed.Formats {
			stored = append(stored, db.StoredDocument{Feed: def.Name, Page: i + 1, BuiltAt: now, Document: page[f]})
		}
	}
	// Stored first: when storage fails, memory keeps the old documents
	// too, so what is served and what a restart serves never diverge.
	if err := s.opts.Store.SaveDocuments(ctx, def.Name, stored); err != nil {
		return res, fmt.Errorf("feed %q: %w", def.Name, err)
	}
	s.publish(def.Name, &Published{Feed: def.Name, BuiltAt: now, Pages: next})
	s.fingerprints[def.Name] = inputs
	if len(topics) > 0 {
		s.hubs.publish(topics)
	}
	res.result = resultPublished
	return res, nil
}

// renderDocument renders one page in one format. When the bytes equal
// those of prev, the document served now for the same page and format,
// prev itself is returned: its Last-Modified stays, its compressed forms
// are not made again (most of a build's cost), and its pointer identity
// tells compare that nothing changed. A feed's first page is compressed
// hardest; archive pages, rarely fetched, quickly.
//
// Last-Modified is the newest content date the page carries, except when
// the page replaces different bytes: then it is the build time at least.
// A retraction, a removed appeal or a back-dated article changes a page
// without adding a newer date, and a Last-Modified that stood still or
// went back would let If-Modified-Since clients keep the old page (304).
func renderDocument(in feed.Input, f feed.Format, prev *feed.Document, now time.Time) (*feed.Document, error) {
	body, err := feed.Render(in, f)
	if err != nil {
		return nil, err
	}
	// A document stored before brotli existed is made again once, so
	// that it gains its brotli form.
	if prev != nil && prev.BrotliETag != "" && bytes.Equal(prev.Body, body) {
		return prev, nil
	}
	effort := feed.EffortBest
	if in.Page.Number > 1 {
		effort = feed.EffortFast
	}
	lm := feed.LastModified(&in)
	if prev != nil && now.After(lm) {
		lm = now
	}
	return feed.NewDocumentEffort(f, body, lm, effort)
}

// paginate cuts a feed's articles, newest first, into pages of limit
// items. A feed with no article still has one, empty, page: readers get a
// valid document rather than a 404 before the first story is out.
func paginate(arts []feed.Article, limit int) [][]feed.Article {
	if len(arts) == 0 {
		return [][]feed.Article{nil}
	}
	pages := make([][]feed.Article, 0, (len(arts)+limit-1)/limit)
	for len(arts) > 0 {
		n := min(limit, len(arts))
		pages = append(pages, arts[:n:n])
		arts = arts[n:]
	}
	return pages
}

// served is the document served now for a page (0-based) and format,
// or nil.
func served(old *Published, page int, f feed.Format) *feed.Document {
	if old == nil || page >= len(old.Pages) {
		return nil
	}
	return old.Pages[page][f]
}

// compare tells whether next differs from what is served, and which
// WebSub topics changed: the page-1 URL of each format whose first page
// differs. Archive pages are not topics; subscribers follow the feed.
func (s *Scheduler) compare(name string, old *Published, next []map[feed.Format]*feed.Document) (changed bool, topics []string) {
	if old == nil || len(old.Pages) != len(next) {
		changed = true
	}
	for i, page := range next {
		for _, f := range feed.Formats {
			var prev *feed.Document
			if old != nil && i < len(old.Pages) {
				prev = old.Pages[i][f]
			}
			if page[f] == prev {
				continue
			}
			changed = true
			if i == 0 {
				topics = append(topics, strings.TrimRight(s.opts.Site.BaseURL, "/")+feed.FeedPath(name, f, 1))
			}
		}
	}
	return changed, topics
}

// appealsFingerprint sums what of the appeals can change a document at
// now: each appeal's whole content, and whether it runs. Every appeal
// counts, not only those that run or apply to the feed: the check stays
// simple, and a feed an appeal does not touch renders to the same bytes
// and keeps its documents. Content rather than the revision, because an
// appeal deleted and created again starts over at revision 1.
func appealsFingerprint(appeals []feed.Appeal, now time.Time) string {
	h := sha256.New()
	enc := json.NewEncoder(h)
	for i := range appeals {
		ap := &appeals[i]
		enc.Encode(ap)
		h.Write(strconv.AppendBool(nil, ap.ActiveAt(now)))
	}
	return hex.EncodeToString(h.Sum(nil))
}
