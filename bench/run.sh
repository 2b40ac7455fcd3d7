#!/usr/bin/env bash
# Reproduces BENCHMARKS.md: Feedwright, a minimal net/http program and
# nginx serving the demo feed's gzip document on loopback, under wrk, each
# server pinned to one core and wrk to the other. Not part of CI.
#
#   bash bench/run.sh [rounds] [seconds]
#
# Needs the Debian packages wrk and nginx (apt-get install wrk nginx-light).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-5}
SECS=${2:-5}
CONNS=${CONNS:-32}
SERVER_CPU=${SERVER_CPU:-1}
CLIENT_CPU=${CLIENT_CPU:-0}
FW_PORT=18611 MIN_PORT=18612 NGX_PORT=18613 BARE_PORT=18614
work=$(mktemp -d /tmp/fwbench.XXXXXX)
chmod 755 "$work" # nginx workers run as nobody
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

for tool in wrk nginx taskset curl; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install wrk nginx-light util-linux curl)"; exit 1; }
done

go build -o "$work/feedwright" ./cmd/feedwright
go build -o "$work/minimal" ./bench/minimal

wait_for() { for _ in $(seq 100); do curl -fs -o /dev/null "$1" && return 0; sleep 0.1; done; echo "no answer from $1"; exit 1; }

# Feedwright with the demo content; a daily schedule keeps rebuilds out
# of the measurement.
FEEDWRIGHT_LISTEN=127.0.0.1:$FW_PORT FEEDWRIGHT_DATABASE=$work/fw.db FEEDWRIGHT_SCHEDULE=@daily \
  FEEDWRIGHT_LOG_LEVEL=warn taskset -c "$SERVER_CPU" "$work/feedwright" serve >"$work/feedwright.log" 2>&1 &
fw_pid=$!
pids+=($fw_pid)
wait_for "http://127.0.0.1:$FW_PORT/readyz"

# The same bytes and headers for the other two.
url=http://127.0.0.1:$FW_PORT/feeds/news.rss
mkdir -p "$work/www/feeds"
curl -fs -H 'Accept-Encoding: gzip' -D "$work/news.rss.headers" -o "$work/www/feeds/news.rss.gz" "$url"
curl -fs -o "$work/www/feeds/news.rss" "$url"
tr -d '\r' <"$work/news.rss.headers" | sed 1d >"$work/h" && mv "$work/h" "$work/news.rss.headers"
hdr() { grep -i "^$1:" "$work/news.rss.headers" | cut -d' ' -f2-; }
fw_etag=$(hdr ETag)

# "minimal" runs with Feedwright's http.Server timeouts, which the issue
# requires of us, so that it measures the handler's overhead; "bare" is
# the same program with only ReadHeaderTimeout and IdleTimeout.
taskset -c "$SERVER_CPU" "$work/minimal" -listen 127.0.0.1:$MIN_PORT -body "$work/www/feeds/news.rss.gz" \
  -headers "$work/news.rss.headers" -feedwright-timeouts >"$work/minimal.log" 2>&1 &
min_pid=$!
pids+=($min_pid)
taskset -c "$SERVER_CPU" "$work/minimal" -listen 127.0.0.1:$BARE_PORT -body "$work/www/feeds/news.rss.gz" \
  -headers "$work/news.rss.headers" >"$work/bare.log" 2>&1 &
bare_pid=$!
pids+=($bare_pid)

cat >"$work/nginx.conf" <<NGINX
worker_processes 1;
daemon off;
pid $work/nginx.pid;
error_log $work/nginx.error.log warn;
user nobody nogroup;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  client_body_temp_path $work/tmp;
  types { }
  server {
    listen 127.0.0.1:$NGX_PORT;
    root $work/www;
    etag on;
    gzip_static on;
    gzip_vary on;
    location /feeds/ {
      default_type "$(hdr Content-Type)";
      add_header Cache-Control "$(hdr Cache-Control)";
      add_header Link '$(hdr Link)';
      add_header Access-Control-Allow-Origin "*";
      add_header Access-Control-Expose-Headers "ETag, Link";
      add_header X-Content-Type-Options nosniff;
    }
  }
}
NGINX
mkdir -p "$work/tmp"
taskset -c "$SERVER_CPU" nginx -c "$work/nginx.conf" -e "$work/nginx.error.log" &
ngx_pid=$!
pids+=($ngx_pid)
wait_for "http://127.0.0.1:$MIN_PORT/feeds/news.rss"
wait_for "http://127.0.0.1:$BARE_PORT/feeds/news.rss"
wait_for "http://127.0.0.1:$NGX_PORT/feeds/news.rss"
ngx_etag=$(curl -fs -o /dev/null -D - -H 'Accept-Encoding: gzip' "http://127.0.0.1:$NGX_PORT/feeds/news.rss" | tr -d '\r' | grep -i '^etag:' | cut -d' ' -f2-)

# Each server must give the same bytes before it is timed.
for port in $MIN_PORT $BARE_PORT $NGX_PORT; do
  curl -fs -H 'Accept-Encoding: gzip' "http://127.0.0.1:$port/feeds/news.rss" | cmp - "$work/www/feeds/news.rss.gz"
done
# ...and a 304 for its ETag.
for pe in "$FW_PORT $fw_etag" "$MIN_PORT $fw_etag" "$BARE_PORT $fw_etag" "$NGX_PORT $ngx_etag"; do
  set -- $pe
  code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Accept-Encoding: gzip' -H "If-None-Match: $2" "http://127.0.0.1:$1/feeds/news.rss")
  [ "$code" = 304 ] || { echo "port $1 answers $code to If-None-Match $2"; exit 1; }
done
echo "document: $(wc -c <"$work/www/feeds/news.rss") bytes, gzip $(wc -c <"$work/www/feeds/news.rss.gz") bytes"
echo "feedwright 200 headers:"; sed 's/^/  /' "$work/news.rss.headers"

ngx_worker=$(pgrep -P "$ngx_pid" | head -1)
declare -A pid_of=([feedwright]=$fw_pid [minimal]=$min_pid [bare]=$bare_pid [nginx]=$ngx_worker)
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

# One wrk run. Besides requests per second and p99 latency it records the
# server's CPU time per request (utime+stime from /proc): on a machine
# shared with other work, throughput swings with the neighbours' load,
# while the CPU a request costs the server barely moves.
run() { # name port kind etag-or-empty
  local extra=()
  [ -n "$4" ] && extra=(-H "If-None-Match: $4")
  local pid=${pid_of[$1]} t0 t1 out
  t0=$(ticks "$pid")
  out=$(taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNS" -d"${SECS}s" --latency \
    -H 'Accept-Encoding: gzip' "${extra[@]}" "http://127.0.0.1:$2/feeds/news.rss")
  t1=$(ticks "$pid")
  awk -v name="$1" -v kind="$3" -v ticks=$((t1 - t0)) -v hz="$hz" '
    /^Requests\/sec/ {rps = $2}
    /requests in/ {n = $1}
    $1 == "99%" {p99 = $2; if (p99 ~ /us$/) p99 = p99 / 1000; else if (p99 ~ /ms$/) p99 = p99 + 0; else p99 = p99 * 1000}
    END {printf "%-10s %s %9.0f req/s  p99 %7.2f ms  cpu %6.2f us/req\n", name, kind, rps, p99, ticks / hz * 1e6 / n}' <<<"$out" | tee -a "$work/results"
}

# The order of the servers rotates from round to round, so that none is
# always the one that runs first (or right after nginx).
servers=("feedwright $FW_PORT $fw_etag" "minimal $MIN_PORT $fw_etag" "bare $BARE_PORT $fw_etag" "nginx $NGX_PORT $ngx_etag")
for r in $(seq "$ROUNDS"); do
  echo "round $r"
  for kind in 200 304; do
    for i in 0 1 2 3; do
      set -- ${servers[$(((i + r) % 4))]}
      if [ "$kind" = 200 ]; then run "$1" "$2" 200 ""; else run "$1" "$2" 304 "$3"; fi
    done
  done
done

# Medians over the rounds, and each server against the minimal program.
echo
echo "median of $ROUNDS rounds (${SECS}s each, $CONNS connections):"
for kind in 200 304; do
  for name in feedwright minimal bare nginx; do
    awk -v n="$name" -v k="$kind" '$1 == n && $2 == k {print $3, $6, $9}' "$work/results" |
      sort -n -k1 | awk -v n="$name" -v k="$kind" '{r[NR] = $1} END {printf "%s %s %s", k, n, r[int((NR + 1) / 2)]}'
    for col in 2 3; do
      awk -v n="$name" -v k="$kind" '$1 == n && $2 == k {print $3, $6, $9}' "$work/results" |
        sort -n -k$col | awk -v c=$col '{r[NR] = $c} END {printf " %s", r[int((NR + 1) / 2)]}'
    done
    echo
  done
done | awk '
  {rps[$1, $2] = $3; p99[$1, $2] = $4; cpu[$1, $2] = $5; kinds[$1] = 1}
  END {
    printf "%-4s %-10s %10s %9s %11s %12s %12s\n", "", "server", "req/s", "p99 ms", "cpu us/req", "rps/minimal", "cpu/minimal"
    split("200 304", ks, " "); split("feedwright minimal bare nginx", ns, " ")
    for (i = 1; i <= 2; i++) for (j = 1; j <= 4; j++) {
      k = ks[i]; n = ns[j]
      printf "%-4s %-10s %10.0f %9.2f %11.2f %12.2f %12.2f\n", k, n, rps[k, n], p99[k, n], cpu[k, n],
        rps[k, n] / rps[k, "minimal"], cpu[k, n] / cpu[k, "minimal"]
    }
  }'
