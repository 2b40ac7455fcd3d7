package scheduler

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/feedwright/feedwright/feed"
)

// Build results, the values of the result label of feedwright_builds_total.
const (
	// resultPublished: new documents were published.
	resultPublished = "published"
	// resultIdentical: inputs changed but the rendered bytes did not, so
	// the served documents (and their ETags) were kept.
	resultIdentical = "identical"
	// resultUnchanged: the change check found nothing new; nothing rendered.
	resultUnchanged = "unchanged"
	resultError     = "error"
	resultPanic     = "panic"
)

// WebSub notification results.
const (
	hubOK      = "ok"
	hubRetry   = "retry"
	hubFailed  = "failed"
	hubDropped = "dropped"
)

// metrics are the scheduler's Prometheus series.
type metrics struct {
	renderSeconds *prometheus.HistogramVec
	feedSeconds   *prometheus.HistogramVec
	passSeconds   prometheus.Histogram
	passes        *prometheus.CounterVec
	builds        *prometheus.CounterVec
	lastSuccess   *prometheus.GaugeVec
	items         *prometheus.GaugeVec
	pages         *prometheus.GaugeVec
	websub        *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer, feeds []feed.Definition) *metrics {
	m := &metrics{
		renderSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "feedwright_build_duration_seconds",
			Help:    "Time to render and compress every page of a feed in one format.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 4, 9),
		}, []string{"feed", "format"}),
		feedSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "feedwright_feed_update_duration_seconds",
			Help:    "Time to bring one feed up to date in a pass: change check, and when needed queries, rendering and storage.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 4, 10),
		}, []string{"feed"}),
		passSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "feedwright_build_pass_duration_seconds",
			Help:    "Time of a whole pass over every feed.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 4, 10),
		}),
		passes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feedwright_build_passes_total",
			Help: "Passes over every feed, by what started them (start, cron, write, wake).",
		}, []string{"trigger"}),
		builds: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feedwright_builds_total",
			Help: "Feed builds by result: published, identical (bytes unchanged), unchanged (nothing to do), error, panic.",
		}, []string{"feed", "result"}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "feedwright_feed_last_success_timestamp_seconds",
			Help: "Unix time of the last pass that left the feed current (built or found unchanged).",
		}, []string{"feed"}),
		items: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "feedwright_feed_items",
			Help: "Items served by the feed over all its pages.",
		}, []string{"feed"}),
		pages: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "feedwright_feed_pages",
			Help: "Pages of the feed (RFC 5005 archive pages included).",
		}, []string{"feed"}),
		websub: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feedwright_websub_notifications_total",
			Help: "WebSub publish notifications to hubs by result: ok, retry (an attempt failed, another follows), failed (gave up), dropped (shutdown).",
		}, []string{"result"}),
	}
	// Series that exist from the start read as zero rather than absent,
	// so rate() and alerts work before the first failure.
	for _, d := range feeds {
		for _, r := range []string{resultPublished, resultIdentical, resultUnchanged, resultError, resultPanic} {
			m.builds.WithLabelValues(d.Name, r)
		}
	}
	for _, r := range []string{hubOK, hubRetry, hubFailed, hubDropped} {
		m.websub.WithLabelValues(r)
	}
	if reg != nil {
		reg.MustRegister(m.renderSeconds, m.feedSeconds, m.passSeconds, m.passes, m.builds, m.lastSuccess,
			m.items, m.pages, m.websub)
	}
	return m
}
