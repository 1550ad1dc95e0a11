#!/usr/bin/env bash
# One `serve` against two on one PostgreSQL, for several binaries in turn (old and new in one sitting).
#
# Usage: scripts/bench-pg-instances.sh --postgres postgres://USER@127.0.0.1:PORT/DB [--connections 32]
#                                      [--seconds 5] [--rounds 3] [--jobs 1] BINARY...
#
# Each round, for each binary in turn: DB is dropped and made again (the user must be allowed to), one job
# (or --jobs N, each request to the next job in turn: a fleet rather than one busy job)
# is added, two instances serve it on loopback, a warm-up as long as a run, then wrk sends heartbeats to the first alone
# (--connections), then two wrk at once, half the connections each, one per instance. It prints the
# heartbeats acknowledged per second for one instance and for two (summed), and their ratio: issue 13's floor
# is two at least as much as one. Figures only; run it on an otherwise idle machine, binaries alternating,
# because the spread between runs is larger than most changes (Benchmarks/README.md).
set -euo pipefail

postgres= connections=32 seconds=5 rounds=3 jobs=1
binaries=()
while [ $# -gt 0 ]; do
  case "$1" in
    --postgres) postgres="$2"; shift ;;
    --connections) connections="$2"; shift ;;
    --seconds) seconds="$2"; shift ;;
    --rounds) rounds="$2"; shift ;;
    --jobs) jobs="$2"; shift ;;
    -*) echo "usage: $0 --postgres URL [--connections N] [--seconds N] [--rounds N] [--jobs N] BINARY..." >&2; exit 64 ;;
    *) binaries+=("$1") ;;
  esac
  shift
done
[ -n "$postgres" ] && [ ${#binaries[@]} -gt 0 ] || { echo "usage: $0 --postgres URL [--connections N] [--seconds N] [--rounds N] [--jobs N] BINARY..." >&2; exit 64; }
case "$jobs" in ''|*[!0-9]*|0) echo "--jobs must be a whole number from 1" >&2; exit 64 ;; esac
command -v wrk >/dev/null || { echo "wrk is not installed (Debian: apt-get install wrk)" >&2; exit 1; }
psql=$(command -v psql || echo /usr/lib/postgresql/15/bin/psql)
database=${postgres##*/}; database=${database%%\?*}
maintenance=${postgres%/*}/postgres

here=$(cd "$(dirname "$0")/.." && pwd)
lua="$here/Benchmarks/wrk/ingest.lua"
work=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; rm -rf "$work"' EXIT
key=bench_key_instances_0123456789ab

# The ping key of job N of the fleet (job 1's is $key); with --jobs over 1, wrk sends to each in turn.
fleet_key() { printf 'bench_key_instances_%06d_01234\n' "$1"; }
keys=
if [ "$jobs" -gt 1 ]; then keys="$key $(for job in $(seq 2 "$jobs"); do fleet_key "$job"; done | tr '\n' ' ')"; fi

# Heartbeats acknowledged per second in a wrk output.
rate() {
  local line; line=$(grep '^BENCH ' "$1")
  awk -v q="$(sed -E 's/.* requests=([0-9]+).*/\1/' <<<"$line")" -v e="$(sed -E 's/.* non2xx=([0-9]+).*/\1/' <<<"$line")" \
    -v d="$(sed -E 's/.* duration_us=([0-9]+).*/\1/' <<<"$line")" 'BEGIN { printf "%.0f", (q - e) / (d / 1e6) }'
}
load() { # PORT CONNECTIONS THREADS PREFIX OUT
  KEY=$key KEYS="$keys" TARGET=backupboard ID_PREFIX=$4 wrk -t"$3" -c"$2" -d"${seconds}s" --timeout 5s -s "$lua" "http://127.0.0.1:$1" >"$5" 2>&1
}
ready() { for _ in $(seq 100); do curl -fs "http://127.0.0.1:$1/readyz" >/dev/null && return; sleep 0.1; done; echo "serve on $1 never became ready" >&2; exit 1; }

echo "binary                      one/s    two/s  two/one"
for round in $(seq "$rounds"); do
  for binary in "${binaries[@]}"; do
    PGOPTIONS=--client-min-messages=warning "$psql" -qAt "$maintenance" -c "DROP DATABASE IF EXISTS $database" -c "CREATE DATABASE $database" >/dev/null
    "$binary" jobs add bench --every 1h --key "$key" --db "$postgres" >/dev/null
    for job in $(seq 2 "$jobs"); do
      "$binary" jobs add "bench-$job" --every 1h --key "$(fleet_key "$job")" --db "$postgres" >/dev/null
    done
    "$binary" serve --listen 127.0.0.1:18981 --db "$postgres" 2>"$work/a.log" & a=$!
    "$binary" serve --listen 127.0.0.1:18982 --db "$postgres" 2>"$work/b.log" & b=$!
    pids=("$a" "$b")
    ready 18981; ready 18982
    load 18981 2 1 "warm$round-" "$work/warm.txt"
    load 18981 "$connections" 2 "one$round-" "$work/one.txt"
    load 18981 $((connections / 2)) 1 "a$round-" "$work/a.txt" & first=$!
    load 18982 $((connections / 2)) 1 "b$round-" "$work/b.txt"
    wait "$first"
    kill "$a" "$b"; wait "$a" "$b" 2>/dev/null || true
    one=$(rate "$work/one.txt"); two=$(( $(rate "$work/a.txt") + $(rate "$work/b.txt") ))
    printf "%-24s %8s %8s %7s\n" "$(basename "$binary")" "$one" "$two" "$(awk -v a="$two" -v b="$one" 'BEGIN { printf "%.2f", a / b }')"
  done
done
