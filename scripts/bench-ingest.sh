#!/usr/bin/env bash
# bench-ingest.sh — heartbeat ingest over HTTP, in one run, on loopback, with wrk:
#   serve         `backupboard serve` (release, group commit, synchronous=FULL)
#   pushgateway   Prometheus Pushgateway, the peer, pushing one small metric group per request
#   decode-only   `backupboard serve --decode-only`: the real route and parser, nothing stored (the ceiling)
#   serve-pg      with --postgres URL: `backupboard serve` on that (empty) PostgreSQL database, one instance
#                 (docs/postgresql.md), its figures beside serve's on SQLite in the same run
#   serve-pg×2    with --postgres URL: two `serve` on that database (docs/high-availability.md), one wrk per
#                 instance with half the connections each, run together; requests/s summed, the p50 and
#                 p99 the worse of the two, CPU per instance
#   serve-slug    with --slug: the same serve on SQLite pinged by slug, /heartbeat/PING-KEY/SLUG with a server
#   decode-slug   ping key (docs/api.md), right after each by-key run of serve and of decode-only, so both
#                 figures come from one run (decode-only's pair shows the lookup without the fsync's noise)
# at each connection count for a fixed duration. Prints requests/s, p50, p99, the server's RSS (VmHWM,
# and the largest VmRSS sampled during the load), and for serve a check that every acknowledged
# heartbeat (a 200 counted by wrk) is a row in the database; then the ratios against the targets.
#
# Usage: scripts/bench-ingest.sh [--binary PATH] [--seconds 10] [--connections "32 128"] [--threads 2]
#                                [--port 18620] [--postgres postgres://USER@127.0.0.1:PORT/DB] [--slug]
# Each server's CPU (and with --postgres, the PostgreSQL server's: every process of its user) is the share of
# one core it used during the load.
# Without --binary it runs `swift build -c release --product backupboard` first. Installs wrk,
# prometheus-pushgateway and sqlite3 with apt-get when they are missing (needs root). Everything
# listens on 127.0.0.1; each wrk run is bounded by --seconds; every process started is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

binary=
seconds=10
connections="32 128"
threads=2
port=18620
postgres=
slug=
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary="$2"; shift ;;
    --seconds) seconds="$2"; shift ;;
    --connections) connections="$2"; shift ;;
    --threads) threads="$2"; shift ;;
    --port) port="$2"; shift ;;
    --postgres) postgres="$2"; shift ;;
    --slug) slug=1 ;;
    *) echo "usage: $0 [--binary PATH] [--seconds N] [--connections \"32 128\"] [--threads N] [--port P] [--postgres URL] [--slug]" >&2; exit 64 ;;
  esac
  shift
done
case "$seconds" in ''|*[!0-9]*) echo "--seconds must be a whole number" >&2; exit 64 ;; esac
[ "$seconds" -ge 1 ] && [ "$seconds" -le 120 ] || { echo "--seconds must be 1…120" >&2; exit 64; }

need=()
command -v wrk >/dev/null || need+=(wrk)
command -v prometheus-pushgateway >/dev/null || need+=(prometheus-pushgateway)
command -v sqlite3 >/dev/null || need+=(sqlite3)
command -v curl >/dev/null || need+=(curl)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if [ -z "$binary" ]; then
  swift build -c release --product backupboard >&2
  binary="$(swift build -c release --show-bin-path)/backupboard"
fi
[ -x "$binary" ] || { echo "no executable at $binary" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/backupboard-bench.XXXXXX")
lua="$PWD/Benchmarks/wrk/ingest.lua"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_for() { # URL
  for _ in $(seq 1 100); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "nothing answers at $1" >&2
  return 1
}

stop() { # PID: graceful stop, bounded
  kill -TERM "$1" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null || true
}

cpu_ticks() { # PID… → utime + stime of those processes, in clock ticks
  local total=0 pid t
  for pid in "$@"; do
    t=$(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null || echo 0)
    total=$((total + ${t:-0}))
  done
  echo "$total"
}
postgres_pids() { pgrep -u postgres -x postgres 2>/dev/null || true; }
hz=$(getconf CLK_TCK)

status_kb() { # PID FIELD → kB
  awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0
}

# One wrk run against PID's server; sets the globals req_s p50 p99 acked non2xx socket_errors hwm rss.
load() { # NAME PID URL CONNECTIONS KEY TARGET
  local name=$1 pid=$2 url=$3 conns=$4 key=$5 target=$6 out="$work/wrk-$1-$4.txt"
  local peak=0 now
  KEY="$key" TARGET="$target" timeout $((seconds + 30)) \
    wrk -t"$threads" -c"$conns" -d"${seconds}s" --timeout 5s --latency -s "$lua" "$url" >"$out" 2>&1 &
  local wrk_pid=$!
  pids+=("$wrk_pid")
  local cpu_start pg_start started
  started=$(date +%s.%N)
  cpu_start=$(cpu_ticks "$pid")
  # shellcheck disable=SC2046
  pg_start=$(cpu_ticks $(postgres_pids))
  while kill -0 "$wrk_pid" 2>/dev/null; do
    now=$(status_kb "$pid" VmRSS); [ "${now:-0}" -gt "$peak" ] && peak=$now
    sleep 0.25
  done
  wait "$wrk_pid" || { echo "wrk failed against $name:" >&2; cat "$out" >&2; exit 1; }
  local elapsed
  elapsed=$(awk -v s="$started" -v e="$(date +%s.%N)" 'BEGIN { print e - s }')
  cpu=$(awk -v a="$cpu_start" -v b="$(cpu_ticks "$pid")" -v hz="$hz" -v t="$elapsed" 'BEGIN { printf "%.0f%%", (b - a) / hz / t * 100 }')
  # shellcheck disable=SC2046
  pg_cpu=$(awk -v a="$pg_start" -v b="$(cpu_ticks $(postgres_pids))" -v hz="$hz" -v t="$elapsed" 'BEGIN { printf "%.0f%%", (b - a) / hz / t * 100 }')
  local line
  line=$(grep '^BENCH ' "$out") || { echo "no BENCH line from wrk against $name:" >&2; cat "$out" >&2; exit 1; }
  local requests duration_us
  requests=$(sed -E 's/.* requests=([0-9]+).*/\1/' <<<"$line")
  non2xx=$(sed -E 's/.* non2xx=([0-9]+).*/\1/' <<<"$line")
  socket_errors=$(sed -E 's/.* socket_errors=([0-9]+).*/\1/' <<<"$line")
  duration_us=$(sed -E 's/.* duration_us=([0-9]+).*/\1/' <<<"$line")
  p50=$(sed -E 's/.* p50_us=([0-9]+).*/\1/' <<<"$line")
  p99=$(sed -E 's/.* p99_us=([0-9]+).*/\1/' <<<"$line")
  acked=$((requests - non2xx))
  req_s=$(awk -v a="$acked" -v d="$duration_us" 'BEGIN { printf "%.0f", a / (d / 1e6) }')
  hwm=$(status_kb "$pid" VmHWM)
  rss=$peak
}

ms() { awk -v u="$1" 'BEGIN { printf "%.2f", u / 1000 }'; }
mb() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }

results="$work/results.txt"
: >"$results"
record() { # NAME CONNECTIONS EXTRA
  printf '%-12s %5s %10s %9s %9s %9s %9s %6s %s\n' "$1" "$2" "$req_s" "$(ms "$p50")" "$(ms "$p99")" \
    "$(mb "$rss")" "$(mb "$hwm")" "$cpu" "$3" | tee -a "$results" >&2
  echo "$1 $2 $req_s $p99" >>"$work/raw.txt"
}

echo "binary: $binary; wrk -t$threads, ${seconds}s per run (after a 2 s warm-up per target), connections: $connections" >&2
printf '%-12s %5s %10s %9s %9s %9s %9s %6s %s\n' target conns "req/s" "p50 ms" "p99 ms" "RSS MB" "HWM MB" "CPU" "check" >&2

# One job per connection count (so rows can be counted per run), one per count for pings by slug, and a warm-up
# job, then serve on DB at PORT with the server ping key bench.
server_key=bench_server_key_0123456789abcdef
printf '[ping_keys.bench]\nkey_env = "BENCH_SERVER_KEY"\n' >"$work/serve.toml"
start_serve() { # DB PORT KEY-PREFIX LOG → serve_pid
  for c in $connections; do
    "$binary" jobs add "bench-$c" --every 1h --key "${3}_${c}_0123456789abc" --db "$1" >/dev/null
    "$binary" jobs add "slug-$c" --every 1h --db "$1" >/dev/null
  done
  "$binary" jobs add warmup --every 1h --key "${3}_warmup_012345678" --db "$1" >/dev/null
  BENCH_SERVER_KEY=$server_key "$binary" serve --config "$work/serve.toml" --listen "127.0.0.1:$2" --db "$1" 2>"$4" &
  serve_pid=$!; pids+=("$serve_pid")
  wait_for "http://127.0.0.1:$2/healthz"
  KEY="${3}_warmup_012345678" timeout 20 wrk -t"$threads" -c32 -d2s -s "$lua" "http://127.0.0.1:$2" >/dev/null
}

# Acknowledged ⊆ stored ⊆ sent for one run: sets check.
check_stored() { # STORED CONNECTIONS EXTRA-TEXT
  check="acked=$acked stored=$1 non2xx=$non2xx socket_errors=$socket_errors$3"
  if [ "$1" -lt "$acked" ]; then check="$check LOST=$((acked - $1))"; echo "FAIL: acknowledged heartbeats missing" >&2; fi
  # Stored may exceed acknowledged by the requests still in flight when wrk stopped (at most one per connection).
  if [ "$1" -gt $((acked + $2)) ]; then check="$check EXTRA=$(($1 - acked))"; echo "FAIL: more rows than requests sent" >&2; fi
}

# (a) serve on SQLite.
db="$work/serve.sqlite"
start_serve "$db" "$port" bench_key "$work/serve.log"
[ "$(sqlite3 "$db" 'PRAGMA journal_mode')" = wal ] || { echo "the database is not in WAL mode" >&2; exit 1; }
for c in $connections; do
  load serve "$serve_pid" "http://127.0.0.1:$port" "$c" "bench_key_${c}_0123456789abc" backupboard
  check_stored "$(sqlite3 "$db" "SELECT count(*) FROM heartbeats h JOIN jobs j ON j.id = h.job_id WHERE j.slug = 'bench-$c'")" "$c" ""
  record serve "$c" "$check"
  if [ -n "$slug" ]; then
    load serve-slug "$serve_pid" "http://127.0.0.1:$port" "$c" "$server_key/slug-$c" backupboard
    check_stored "$(sqlite3 "$db" "SELECT count(*) FROM heartbeats h JOIN jobs j ON j.id = h.job_id WHERE j.slug = 'slug-$c'")" "$c" ""
    record serve-slug "$c" "$check"
  fi
done
batches=$(curl -fsS "http://127.0.0.1:$port/metrics" | awk '
  /^backupboard_ingest_batch_size_sum / { s = $2 } /^backupboard_ingest_batch_size_count / { n = $2 }
  /^backupboard_ingest_commit_seconds_sum / { cs = $2 } /^backupboard_ingest_commit_seconds_count / { cn = $2 }
  END { if (n > 0 && cn > 0) printf "mean batch %.1f heartbeats, mean commit %.2f ms over %d commits", s / n, cs / cn * 1000, n }')
stop "$serve_pid"

# (a') serve on PostgreSQL: the same load, one instance, the database given (it must hold no jobs yet).
if [ -n "$postgres" ]; then
  start_serve "$postgres" "$((port + 3))" bench_pg_key "$work/serve-pg.log"
  for c in $connections; do
    load serve-pg "$serve_pid" "http://127.0.0.1:$((port + 3))" "$c" "bench_pg_key_${c}_0123456789abc" backupboard
    check_stored "$(psql "$postgres" -qAt -c "SELECT count(*) FROM heartbeats h JOIN jobs j ON j.id = h.job_id WHERE j.slug = 'bench-$c'")" \
      "$c" " postgres-cpu=$pg_cpu"
    record serve-pg "$c" "$check"
  done
  # (a'') the same database, a second instance beside the first: one wrk each, half the connections each.
  first_pid=$serve_pid
  second_port=$((port + 4))
  "$binary" serve --listen "127.0.0.1:$second_port" --db "$postgres" 2>"$work/serve-pg2.log" &
  second_pid=$!; pids+=("$second_pid")
  wait_for "http://127.0.0.1:$second_port/readyz"
  for c in $connections; do
    half=$((c / 2))
    before=$(psql "$postgres" -qAt -c "SELECT count(*) FROM heartbeats h JOIN jobs j ON j.id = h.job_id WHERE j.slug = 'bench-$c'")
    ID_PREFIX=second- KEY="bench_pg_key_${c}_0123456789abc" TARGET=backupboard timeout $((seconds + 30)) \
      wrk -t"$threads" -c"$half" -d"${seconds}s" --timeout 5s --latency -s "$lua" "http://127.0.0.1:$second_port" \
      >"$work/wrk-serve-pg2-second-$c.txt" 2>&1 &
    second_wrk=$!; pids+=("$second_wrk")
    second_cpu_start=$(cpu_ticks "$second_pid"); second_started=$(date +%s.%N)
    load serve-pg×2 "$first_pid" "http://127.0.0.1:$((port + 3))" "$half" "bench_pg_key_${c}_0123456789abc" backupboard
    wait "$second_wrk" || { echo "wrk failed against the second instance" >&2; cat "$work/wrk-serve-pg2-second-$c.txt" >&2; exit 1; }
    second_cpu=$(awk -v a="$second_cpu_start" -v b="$(cpu_ticks "$second_pid")" -v hz="$hz" \
      -v t="$(awk -v s="$second_started" -v e="$(date +%s.%N)" 'BEGIN { print e - s }')" 'BEGIN { printf "%.0f%%", (b - a) / hz / t * 100 }')
    line=$(grep '^BENCH ' "$work/wrk-serve-pg2-second-$c.txt")
    field() { sed -E "s/.* $1=([0-9]+).*/\1/" <<<"$line"; }
    second_acked=$(( $(field requests) - $(field non2xx) ))
    req_s=$(awk -v a="$req_s" -v b="$second_acked" -v d="$(field duration_us)" 'BEGIN { printf "%.0f", a + b / (d / 1e6) }')
    [ "$(field p50_us)" -gt "$p50" ] && p50=$(field p50_us)
    [ "$(field p99_us)" -gt "$p99" ] && p99=$(field p99_us)
    first_acked=$acked
    acked=$((first_acked + second_acked)); non2xx=$((non2xx + $(field non2xx))); socket_errors=$((socket_errors + $(field socket_errors)))
    stored=$(psql "$postgres" -qAt -c "SELECT count(*) FROM heartbeats h JOIN jobs j ON j.id = h.job_id WHERE j.slug = 'bench-$c'")
    check_stored "$((stored - before))" "$c" " second-instance-cpu=$second_cpu postgres-cpu=$pg_cpu"
    record serve-pg×2 "$c" "$check"
  done
  stop "$second_pid"
  stop "$first_pid"
fi
lost=$(grep -cE 'LOST=|EXTRA=' "$results" || true)

# (b) Prometheus Pushgateway, its own storage in the work folder.
pgw_port=$((port + 1))
prometheus-pushgateway --web.listen-address="127.0.0.1:$pgw_port" \
  --persistence.file="$work/pushgateway.data" --persistence.interval=5s --log.level=warn 2>"$work/pushgateway.log" &
pgw_pid=$!; pids+=("$pgw_pid")
wait_for "http://127.0.0.1:$pgw_port/-/ready"
TARGET=pushgateway timeout 20 wrk -t"$threads" -c32 -d2s -s "$lua" "http://127.0.0.1:$pgw_port" >/dev/null
for c in $connections; do
  load pushgateway "$pgw_pid" "http://127.0.0.1:$pgw_port" "$c" - pushgateway
  record pushgateway "$c" "acked=$acked non2xx=$non2xx socket_errors=$socket_errors"
done
stop "$pgw_pid"

# (c) decode-only: same binary, same route and parser, no store.
decode_db="$work/decode.sqlite"
"$binary" jobs add decode --every 1h --key "bench_key_decode_012345678" --db "$decode_db" >/dev/null
"$binary" jobs add decode-slug --every 1h --db "$decode_db" >/dev/null
BENCH_SERVER_KEY=$server_key "$binary" serve --decode-only --config "$work/serve.toml" --listen "127.0.0.1:$((port + 2))" \
  --db "$decode_db" 2>"$work/decode.log" &
decode_pid=$!; pids+=("$decode_pid")
wait_for "http://127.0.0.1:$((port + 2))/healthz"
KEY=bench_key_decode_012345678 timeout 20 wrk -t"$threads" -c32 -d2s -s "$lua" "http://127.0.0.1:$((port + 2))" >/dev/null
for c in $connections; do
  load decode-only "$decode_pid" "http://127.0.0.1:$((port + 2))" "$c" bench_key_decode_012345678 backupboard
  record decode-only "$c" "acked=$acked non2xx=$non2xx socket_errors=$socket_errors"
  if [ -n "$slug" ]; then
    load decode-slug "$decode_pid" "http://127.0.0.1:$((port + 2))" "$c" "$server_key/decode-slug" backupboard
    record decode-slug "$c" "acked=$acked non2xx=$non2xx socket_errors=$socket_errors"
  fi
done
stop "$decode_pid"
decode_rows=$(sqlite3 "$decode_db" 'SELECT count(*) FROM heartbeats')
[ "$decode_rows" = 0 ] || { echo "FAIL: decode-only stored $decode_rows heartbeats" >&2; exit 1; }

echo >&2
echo "serve: ${batches:-no batch metrics}; heartbeat body $(grep -ho 'body_bytes=[0-9]*' "$work"/wrk-serve-*.txt | head -1 | cut -d= -f2) bytes" >&2
status=0
for c in $connections; do
  awk -v c="$c" '
    $2 == c { rate[$1] = $3; p99[$1] = $4 }
    END {
      r1 = rate["serve"] / rate["pushgateway"]; r2 = rate["serve"] / rate["decode-only"]
      printf "%4d connections: serve/pushgateway %.1fx (target >= 8x %s), serve/decode-only %.0f%% (target >= 50%% %s)",
        c, r1, (r1 >= 8 ? "met" : "MISSED"), r2 * 100, (r2 >= 0.5 ? "met" : "MISSED")
      if (c == 32) printf ", serve p99 %.2f ms (target < 20 ms %s)", p99["serve"] / 1000, (p99["serve"] < 20000 ? "met" : "MISSED")
      if ("serve-slug" in rate) {
        r4 = rate["serve-slug"] / rate["serve"]; r5 = rate["decode-slug"] / rate["decode-only"]
        printf ", by slug/by key: serve %.0f%%, decode-only %.0f%% (target: no less, within the noise)", r4 * 100, r5 * 100
      }
      if ("serve-pg" in rate) {
        r3 = rate["serve-pg"] / rate["serve"]
        printf ", serve on PostgreSQL/SQLite %.0f%% (target >= 50%% %s)", r3 * 100, (r3 >= 0.5 ? "met" : "MISSED")
      }
      if ("serve-pg×2" in rate) {
        r4 = rate["serve-pg×2"] / rate["serve-pg"]
        printf ", two instances/one %.2fx (target >= 1 %s)", r4, (r4 >= 1 ? "met" : "MISSED")
      }
      printf "\n"
    }' "$work/raw.txt" >&2
done
if [ "${lost:-0}" != 0 ]; then echo "FAIL: acknowledged and stored heartbeats disagree (see the check column)" >&2; status=1; fi
exit $status
