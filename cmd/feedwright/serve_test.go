package main

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer the server's logger and the test can share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServeDemoAndStopOnSIGTERM runs the command as a user would — the
// repository's config.yaml, an empty database, the embedded demo — fetches
// the feeds over loopback, then sends SIGTERM and expects a clean exit.
func TestServeDemoAndStopOnSIGTERM(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	dir := t.TempDir()
	t.Setenv("FEEDWRIGHT_LISTEN", addr)
	t.Setenv("FEEDWRIGHT_DATABASE", filepath.Join(dir, "fw.db"))
	t.Setenv("FEEDWRIGHT_LOG_LEVEL", "info")

	var stderr syncBuffer
	done := make(chan int, 1)
	go func() { done <- run([]string{"--config", "../../config.yaml", "serve"}, io.Discard, &stderr) }()

	base := "http://" + addr
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready in time; log:\n%s", stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, tt := range []struct{ path, typ, want string }{
		{"/rss.xml", "application/rss+xml", "Close Your Eyes"},
		{"/atom.xml", "application/atom+xml", "Tim Biskup"},
		{"/feed.json", "application/feed+json", "Our 2024 Coverage Needs You"},
	} {
		resp, err := http.Get(base + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), tt.typ) ||
			!strings.Contains(string(body), tt.want) || !strings.Contains(string(body), base+"/demo/media/coloring-book-01.png") {
			t.Errorf("%s: %d %s, body lacks %q or the demo's own image URLs", tt.path, resp.StatusCode, resp.Header.Get("Content-Type"), tt.want)
		}
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit code %d after SIGTERM; log:\n%s", code, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("did not stop within 30s of SIGTERM")
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Error("server still answers after shutdown")
	}
	for _, want := range []string{"loaded demo content", "shutting down", "stopped"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, stderr.String())
		}
	}
}
