package server

import (
	"fmt"
	"testing"
	"time"

	"github.com/feedwright/feedwright/feed"
)

// max-age and the RSS ttl must make one promise for every schedule, not
// only for whole minutes: Miniflux waits the larger of the two.
func TestCacheControlMatchesRSSTTL(t *testing.T) {
	for _, tt := range []struct {
		interval time.Duration
		maxAge   int
	}{
		{30 * time.Second, 60},
		{time.Minute, 60},
		{90 * time.Second, 120},
		{15 * time.Minute, 900},
		{time.Hour, 3600},
	} {
		got := cacheControl(tt.interval)
		want := fmt.Sprintf("public, max-age=%d, stale-while-revalidate=%d, stale-if-error=86400", tt.maxAge, tt.maxAge)
		if got != want {
			t.Errorf("interval %v: %q, want %q", tt.interval, got, want)
		}
		if ttl := feed.TTLMinutes(tt.interval); ttl*60 != tt.maxAge {
			t.Errorf("interval %v: RSS ttl %d min, max-age %d s", tt.interval, ttl, tt.maxAge)
		}
	}
}
