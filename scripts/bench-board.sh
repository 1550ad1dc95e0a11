#!/usr/bin/env bash
# bench-board.sh — the board's costs, reported not asserted (Benchmarks/README.md, "board"):
#   1. in process: `backupboard-bench board` over a generated fleet (refresh after one job changed, a
#      frame with unchanged data, start to first frame), keeping its database;
#   2. for real: the release `backupboard board` on that database and on a `backupboard demo` database
#      (25 jobs), and htop beside it, each under `script` inside a detached 200×50 tmux session; after a
#      settle time, over a fixed window, the CPU ticks of the measured process (/proc/PID/stat
#      utime+stime) and the growth of script's typescript (the bytes written to the terminal). The demo
#      board and htop are measured `--runs` times, interleaved (board, htop, board, htop…), so both see
#      the same machine; the medians are printed with the load average.
#
# Usage: scripts/bench-board.sh [--binary PATH] [--jobs 10000] [--settle 5] [--seconds 60] [--runs 3]
#                               [--demo-only]
# Without --binary it runs `swift build -c release --product backupboard` first. --demo-only skips part 1
# and the 10,000-job board (no backupboard-bench needed). Uses a private tmux socket; every session and
# temporary file is removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

binary=
jobs=10000
settle=5
seconds=60
runs=3
demo_only=
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary="$2"; shift ;;
    --jobs) jobs="$2"; shift ;;
    --settle) settle="$2"; shift ;;
    --seconds) seconds="$2"; shift ;;
    --runs) runs="$2"; shift ;;
    --demo-only) demo_only=1 ;;
    *) echo "usage: $0 [--binary PATH] [--jobs N] [--settle S] [--seconds S] [--runs N] [--demo-only]" >&2; exit 64 ;;
  esac
  shift
done
for value in "$jobs" "$settle" "$seconds" "$runs"; do
  case "$value" in ''|*[!0-9]*) echo "--jobs, --settle, --seconds and --runs must be whole numbers" >&2; exit 64 ;; esac
done
[ "$seconds" -ge 1 ] && [ "$seconds" -le 300 ] || { echo "--seconds must be 1…300" >&2; exit 64; }
[ "$settle" -le 60 ] || { echo "--settle must be at most 60" >&2; exit 64; }
[ "$runs" -ge 1 ] && [ "$runs" -le 9 ] || { echo "--runs must be 1…9" >&2; exit 64; }
command -v tmux >/dev/null || { echo "needs tmux" >&2; exit 69; }
command -v script >/dev/null || { echo "needs script (util-linux)" >&2; exit 69; }
command -v htop >/dev/null || { echo "needs htop (apt-get install -y htop)" >&2; exit 69; }

if [ -z "$binary" ]; then
  swift build -c release --product backupboard >&2
  [ -n "$demo_only" ] || swift build -c release --product backupboard-bench >&2
  binary="$(swift build -c release --show-bin-path)/backupboard"
fi
binary="$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")"
[ -x "$binary" ] || { echo "no binary at $binary" >&2; exit 66; }

work="$(mktemp -d /tmp/bench-board.XXXXXX)"
socket="bench-board-$$"
cleanup() {
  tmux -L "$socket" kill-server 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

if [ -z "$demo_only" ]; then
  echo "== 1. in process: backupboard-bench board --jobs $jobs"
  timeout 600 "$(dirname "$binary")/backupboard-bench" board --jobs "$jobs" --keep "$work/fleet.sqlite"
  echo
fi
timeout 120 "$binary" demo --db "$work/demo.sqlite" >/dev/null </dev/null
# htop with its defaults (1.5 s delay), not the user's saved settings.
mkdir -p "$work/home"

# The measured process under a pane: a descendant of the pane's process whose comm is $2.
find_process() {
  local pids="$1" comm="$2" found=
  for _ in 1 2 3 4 5; do
    for pid in $pids; do
      if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$comm" ]; then echo "$pid"; return 0; fi
    done
    pids="$(for pid in $pids; do pgrep -P "$pid" || true; done)"
    [ -n "$pids" ] || break
  done
  return 1
}

# utime+stime of a process, in clock ticks (the fields after the parenthesised comm).
cpu_ticks() {
  local stat
  stat="$(cat "/proc/$1/stat")"
  stat="${stat##*) }"
  # shellcheck disable=SC2086
  set -- $stat
  echo $(( ${12} + ${13} ))
}

hz="$(getconf CLK_TCK)"
results=()
# measure NAME COMM COMMAND QUIT-KEY: runs COMMAND under script in a 200×50 pane and samples the COMM process.
# Appends "name cpu% bytes/s load" to results.
measure() {
  local name="$1" comm="$2" command="$3" quit="$4" typescript="$work/$1.typescript"
  tmux -L "$socket" new-session -d -s "$name" -x 200 -y 50 \
    "env HOME=$work/home LANG=C.UTF-8 TERM=tmux-256color script -q -f -c '$command' $typescript"
  local pane pid=
  pane="$(tmux -L "$socket" display-message -p -t "$name" '#{pane_pid}')"
  for _ in $(seq 1 50); do
    pid="$(find_process "$pane" "$comm" || true)"
    [ -n "$pid" ] && break
    sleep 0.1
  done
  [ -n "$pid" ] || { echo "no $comm process under the $name pane" >&2; exit 1; }
  sleep "$settle"
  local cpu0 bytes0 cpu1 bytes1 load
  cpu0="$(cpu_ticks "$pid")"; bytes0="$(stat -c %s "$typescript")"
  sleep "$seconds"
  cpu1="$(cpu_ticks "$pid")"; bytes1="$(stat -c %s "$typescript")"
  load="$(cut -d' ' -f1 /proc/loadavg)"
  local size
  size="$(tmux -L "$socket" display-message -p -t "$name" '#{pane_width}x#{pane_height}')"
  # What was on screen, to show the program (not an error) was measured.
  tmux -L "$socket" capture-pane -p -t "$name" | sed -n '1,3p;$p' | cut -c1-120 | sed "s/^/  [$name] /" >&2
  tmux -L "$socket" send-keys -t "$name" "$quit"
  sleep 0.5
  tmux -L "$socket" kill-session -t "$name" 2>/dev/null || true
  results+=("$(awk -v n="$name" -v s="$size" -v c=$((cpu1 - cpu0)) -v hz="$hz" -v t="$seconds" -v b=$((bytes1 - bytes0)) -v l="$load" \
    'BEGIN { printf "%-22s | %-7s | %8.2f %% | %10.0f B/s | %5s", n, s, 100 * c / hz / t, b / t, l }')")
}

# median of the numbers on standard input
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "== 2. idle in tmux 200x50 under script; settle ${settle} s, measure ${seconds} s"
[ -n "$demo_only" ] || measure "fleet-$jobs" backupboard "$binary board --db $work/fleet.sqlite" q
for run in $(seq 1 "$runs"); do
  measure "demo-25-run$run" backupboard "$binary board --db $work/demo.sqlite" q
  measure "htop-run$run" htop "htop" q
done
echo "what                   | pane    | CPU (core) | terminal bytes | load (1 min)"
printf '%s\n' "${results[@]}"
for who in demo-25 htop; do
  cpu="$(printf '%s\n' "${results[@]}" | awk -F'|' -v w="$who-run" 'index($1, w) == 1 { gsub(/[ %]/, "", $3); print $3 }' | median)"
  bytes="$(printf '%s\n' "${results[@]}" | awk -F'|' -v w="$who-run" 'index($1, w) == 1 { gsub(/[ B\/s]/, "", $4); print $4 }' | median)"
  echo "median of $runs: $who  CPU $cpu % of a core, $bytes B/s to the terminal"
done
echo "targets: the demo board's median CPU at most htop's; < 1 % of a core for 10,000 jobs; bytes no more than 83 B/s (demo)"
