#!/usr/bin/env bash
# bench-board.sh — the board's costs, reported not asserted (Benchmarks/README.md, "board"):
#   1. in process: `backupboard-bench board` over a generated fleet (refresh after one job changed, a
#      frame with unchanged data, start to first frame), keeping its database;
#   2. for real: the release `backupboard board` on that database and on a `backupboard demo` database
#      (25 jobs), each under `script` inside a detached 200×50 tmux session; after a settle time, over a
#      fixed window, the CPU ticks of the backupboard process (/proc/PID/stat utime+stime) and the growth
#      of script's typescript (the bytes written to the terminal).
#
# Usage: scripts/bench-board.sh [--binary PATH] [--jobs 10000] [--settle 5] [--seconds 20]
# Without --binary it runs `swift build -c release --product backupboard` first. Uses a private tmux
# socket; every session and temporary file is removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

binary=
jobs=10000
settle=5
seconds=20
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary="$2"; shift ;;
    --jobs) jobs="$2"; shift ;;
    --settle) settle="$2"; shift ;;
    --seconds) seconds="$2"; shift ;;
    *) echo "usage: $0 [--binary PATH] [--jobs N] [--settle S] [--seconds S]" >&2; exit 64 ;;
  esac
  shift
done
for value in "$jobs" "$settle" "$seconds"; do
  case "$value" in ''|*[!0-9]*) echo "--jobs, --settle and --seconds must be whole numbers" >&2; exit 64 ;; esac
done
[ "$seconds" -ge 1 ] && [ "$seconds" -le 300 ] || { echo "--seconds must be 1…300" >&2; exit 64; }
[ "$settle" -le 60 ] || { echo "--settle must be at most 60" >&2; exit 64; }
command -v tmux >/dev/null || { echo "needs tmux" >&2; exit 69; }
command -v script >/dev/null || { echo "needs script (util-linux)" >&2; exit 69; }

if [ -z "$binary" ]; then
  swift build -c release --product backupboard >&2 && swift build -c release --product backupboard-bench >&2
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

echo "== 1. in process: backupboard-bench board --jobs $jobs"
timeout 600 "$(dirname "$binary")/backupboard-bench" board --jobs "$jobs" --keep "$work/fleet.sqlite"
echo
timeout 120 "$binary" demo --db "$work/demo.sqlite" >/dev/null </dev/null

# The backupboard process under a pane: a descendant of the pane's process whose comm is backupboard.
find_board() {
  local pids="$1" found=
  for _ in 1 2 3 4 5; do
    for pid in $pids; do
      if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = backupboard ]; then echo "$pid"; return 0; fi
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
measure() {
  local name="$1" db="$2" typescript="$work/$1.typescript"
  tmux -L "$socket" new-session -d -s "$name" -x 200 -y 50 \
    "env LANG=C.UTF-8 TERM=tmux-256color script -q -f -c '$binary board --db $db' $typescript"
  local pane pid=
  pane="$(tmux -L "$socket" display-message -p -t "$name" '#{pane_pid}')"
  for _ in $(seq 1 50); do
    pid="$(find_board "$pane" || true)"
    [ -n "$pid" ] && break
    sleep 0.1
  done
  [ -n "$pid" ] || { echo "no backupboard process under the $name pane" >&2; exit 1; }
  sleep "$settle"
  local cpu0 bytes0 cpu1 bytes1
  cpu0="$(cpu_ticks "$pid")"; bytes0="$(stat -c %s "$typescript")"
  sleep "$seconds"
  cpu1="$(cpu_ticks "$pid")"; bytes1="$(stat -c %s "$typescript")"
  local size
  size="$(tmux -L "$socket" display-message -p -t "$name" '#{pane_width}x#{pane_height}')"
  # What was on screen, to show the board (not an error) was measured.
  tmux -L "$socket" capture-pane -p -t "$name" | sed -n '1,3p;$p' | cut -c1-120 | sed "s/^/  [$name] /" >&2
  tmux -L "$socket" send-keys -t "$name" q
  sleep 0.5
  tmux -L "$socket" kill-session -t "$name" 2>/dev/null || true
  results+=("$(awk -v n="$name" -v s="$size" -v c=$((cpu1 - cpu0)) -v hz="$hz" -v t="$seconds" -v b=$((bytes1 - bytes0)) \
    'BEGIN { printf "%-22s | %-7s | %8.2f %% | %10.0f B/s", n, s, 100 * c / hz / t, b / t }')")
}

echo "== 2. idle: backupboard board in tmux 200x50 under script; settle ${settle} s, measure ${seconds} s"
measure "fleet-$jobs" "$work/fleet.sqlite"
measure "demo-25" "$work/demo.sqlite"
echo "database               | pane    | CPU (core) | terminal bytes"
printf '%s\n' "${results[@]}"
echo "targets: CPU < 1 % of a core; < 2048 B per idle second"
