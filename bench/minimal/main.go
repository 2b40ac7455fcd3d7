// Command minimal is the yardstick of BENCHMARKS.md: the least a net/http
// program can do to serve one precomputed gzip feed document with the
// headers Feedwright sends, and a 304 for its ETag. Feedwright's own
// server is measured against it; it is not part of Feedwright.
//
//	minimal -listen 127.0.0.1:18612 -body news.rss.gz -headers news.rss.headers
//
// The headers file holds "Name: value" lines as captured from Feedwright's
// 200 response (bench/run.sh writes both files).
package main

import (
	"bufio"
	"flag"
	"log"
	"net/http"
	"os"
	"strings"
	"time"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:18612", "address to listen on")
	bodyPath := flag.String("body", "news.rss.gz", "the gzip body to serve")
	headersPath := flag.String("headers", "news.rss.headers", "the response headers to send, one per line")
	feedwrightTimeouts := flag.Bool("feedwright-timeouts", false, "use Feedwright's http.Server timeouts, not only ReadHeaderTimeout and IdleTimeout")
	flag.Parse()
	body, err := os.ReadFile(*bodyPath)
	if err != nil {
		log.Fatal(err)
	}
	f, err := os.Open(*headersPath)
	if err != nil {
		log.Fatal(err)
	}
	full := http.Header{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		switch k = http.CanonicalHeaderKey(strings.TrimSpace(k)); k {
		case "Date", "Server", "Connection", "Keep-Alive":
			continue
		}
		full[k] = []string{strings.TrimSpace(v)}
	}
	f.Close()
	etag := full.Get("Etag")
	notModified := full.Clone()
	for _, k := range []string{"Content-Length", "Content-Type", "Content-Encoding"} {
		delete(notModified, k)
	}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		if r.Header.Get("If-None-Match") == etag {
			for k, v := range notModified {
				h[k] = v
			}
			w.WriteHeader(http.StatusNotModified)
			return
		}
		for k, v := range full {
			h[k] = v
		}
		w.WriteHeader(http.StatusOK)
		w.Write(body)
	})
	srv := &http.Server{Addr: *listen, Handler: handler, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 120 * time.Second}
	if *feedwrightTimeouts {
		srv.ReadTimeout, srv.WriteTimeout = 30*time.Second, 60*time.Second
	}
	log.Fatal(srv.ListenAndServe())
}
