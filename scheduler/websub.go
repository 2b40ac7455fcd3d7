package scheduler

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// notifier tells WebSub hubs that topics changed (the publish request of
// WebSub 0.4, which the hubs in use speak: a form POST of hub.mode=publish
// and hub.url=<topic>). Each hub has its own queue and goroutine, so a
// slow or failing hub delays nobody else, and a build only ever appends to
// a queue. A topic already waiting in a hub's queue is not queued twice:
// the hub fetches the topic when told, so one notice covers every change
// made before it is sent.
type notifier struct {
	client   *http.Client
	log      *slog.Logger
	m        *metrics
	attempts int
	backoff  time.Duration
	queues   []*hubQueue

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

type hubQueue struct {
	hub     string
	mu      sync.Mutex
	pending []string
	queued  map[string]bool
	ready   chan struct{}
}

func newNotifier(hubs []string, client *http.Client, attempts int, backoff time.Duration, log *slog.Logger, m *metrics) *notifier {
	n := &notifier{client: client, log: log, m: m, attempts: attempts, backoff: backoff}
	for _, h := range hubs {
		n.queues = append(n.queues, &hubQueue{hub: h, queued: map[string]bool{}, ready: make(chan struct{}, 1)})
	}
	return n
}

// start runs one sender per hub until stop.
func (n *notifier) start() {
	ctx, cancel := context.WithCancel(context.Background())
	n.cancel = cancel
	for _, q := range n.queues {
		n.wg.Add(1)
		go func() {
			defer n.wg.Done()
			n.send(ctx, q)
		}()
	}
}

// stop ends the senders, abandoning attempts in flight, and waits for
// them. Notices still queued are dropped and counted: their topics were
// published, and subscribers' next poll or the next change catches up.
func (n *notifier) stop() {
	if n.cancel == nil {
		return
	}
	n.cancel()
	n.wg.Wait()
	for _, q := range n.queues {
		q.mu.Lock()
		if len(q.pending) > 0 {
			n.log.Warn("websub notices dropped at shutdown", "hub", q.hub, "topics", len(q.pending))
			n.m.websub.WithLabelValues(hubDropped).Add(float64(len(q.pending)))
		}
		q.pending, q.queued = nil, map[string]bool{}
		q.mu.Unlock()
	}
}

// publish queues topics for every hub. It never blocks on the network.
func (n *notifier) publish(topics []string) {
	for _, q := range n.queues {
		q.mu.Lock()
		for _, t := range topics {
			if !q.queued[t] {
				q.queued[t] = true
				q.pending = append(q.pending, t)
			}
		}
		q.mu.Unlock()
		signal(q.ready)
	}
}

func (n *notifier) send(ctx context.Context, q *hubQueue) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-q.ready:
		}
		for {
			q.mu.Lock()
			if len(q.pending) == 0 {
				q.mu.Unlock()
				break
			}
			topic := q.pending[0]
			q.pending = q.pending[1:]
			delete(q.queued, topic)
			q.mu.Unlock()
			if !n.deliver(ctx, q.hub, topic) && ctx.Err() != nil {
				n.m.websub.WithLabelValues(hubDropped).Inc()
				return
			}
		}
	}
}

// deliver sends one notice, retrying with doubling waits on network
// errors, 429 and 5xx. Other answers are final: the hub refuses the topic
// and asking again would not change its mind.
func (n *notifier) deliver(ctx context.Context, hub, topic string) bool {
	wait := n.backoff
	for attempt := 1; ; attempt++ {
		retry, err := n.post(ctx, hub, topic)
		if err == nil {
			n.m.websub.WithLabelValues(hubOK).Inc()
			n.log.Debug("websub hub notified", "hub", hub, "topic", topic)
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		if !retry || attempt >= n.attempts {
			n.m.websub.WithLabelValues(hubFailed).Inc()
			n.log.Warn("websub notice failed", "hub", hub, "topic", topic, "attempts", attempt, "err", err)
			return false
		}
		n.m.websub.WithLabelValues(hubRetry).Inc()
		n.log.Debug("websub notice will be retried", "hub", hub, "topic", topic, "attempt", attempt, "in", wait, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return false
		case <-t.C:
		}
		wait *= 2
	}
}

func (n *notifier) post(ctx context.Context, hub, topic string) (retry bool, err error) {
	form := url.Values{"hub.mode": {"publish"}, "hub.url": {topic}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hub, strings.NewReader(form.Encode()))
	if err != nil {
		return false, fmt.Errorf("websub hub %s: %w", hub, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := n.client.Do(req)
	if err != nil {
		return true, fmt.Errorf("websub hub %s: %w", hub, err)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return false, nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return true, fmt.Errorf("websub hub %s: %s", hub, resp.Status)
	default:
		return false, fmt.Errorf("websub hub %s: %s", hub, resp.Status)
	}
}
