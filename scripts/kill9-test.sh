#!/usr/bin/env bash
# kill9-test.sh — acknowledged ⊆ stored ⊆ sent, even when the server dies without warning.
#
# Starts `backupboard serve` on a loopback port with a fresh database and one job, runs a bounded
# load (Python, 32 keep-alive connections, every request with a unique Heartbeat-Id; an id is
# written to the "acknowledged" log only after its 200 arrived), kills the server with SIGKILL in the
# middle of the load, then checks with sqlite3 that every acknowledged id is in the database and that
# nothing stored was never sent.
#
# With --signal TERM the same load ends with a graceful stop instead, which must also exit 0.
#
# Usage: scripts/kill9-test.sh [--release] [--seconds-before-kill N] [--port P] [--signal KILL|TERM|INT]
# Needs: a built binary (swift build [-c release]), python3, sqlite3, curl. Exit 0 when missing=0.
set -euo pipefail
cd "$(dirname "$0")/.."

config=debug
before_kill=3
port=18470
signal=KILL
while [ $# -gt 0 ]; do
  case "$1" in
    --release) config=release ;;
    --seconds-before-kill) before_kill="$2"; shift ;;
    --port) port="$2"; shift ;;
    --signal) signal="$2"; shift ;;
    *) echo "usage: $0 [--release] [--seconds-before-kill N] [--port P] [--signal KILL|TERM|INT]" >&2; exit 64 ;;
  esac
  shift
done

bin=".build/$config/backupboard"
[ -x "$bin" ] || { echo "no $bin: run 'swift build$( [ $config = release ] && echo ' -c release')' first" >&2; exit 1; }
for tool in python3 sqlite3 curl; do
  command -v "$tool" >/dev/null || { echo "$tool is needed" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/backupboard-kill9.XXXXXX")
db="$work/board.sqlite"
key="kill9_test_key_0123456789"
server_pid=
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then kill -9 "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

"$bin" jobs add kill9 --every 1h --key "$key" --db "$db" >/dev/null
"$bin" serve --listen "127.0.0.1:$port" --db "$db" 2>"$work/server.log" &
server_pid=$!
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null || { echo "server did not start:" >&2; cat "$work/server.log" >&2; exit 1; }

# The load: each worker logs an id to sent.log before sending and to acked.log only after a 200.
python3 - "$port" "$key" "$work" <<'PY' &
import http.client, sys, threading, time
port, key, work = int(sys.argv[1]), sys.argv[2], sys.argv[3]
lock = threading.Lock()
sent_log = open(f"{work}/sent.log", "w")
acked_log = open(f"{work}/acked.log", "w")
stop_at = time.time() + 30          # bounded even if nobody kills anything

def worker(n):
    seq = 0
    conn = None
    while time.time() < stop_at:
        seq += 1
        hid = f"w{n}-{seq}"
        with lock:
            sent_log.write(hid + "\n"); sent_log.flush()
        try:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("POST", f"/heartbeat/{key}", body=f'{{"status":"log","seq":{seq}}}',
                         headers={"Heartbeat-Id": hid, "Content-Type": "application/json"})
            resp = conn.getresponse(); resp.read()
            if resp.status == 200:
                with lock:
                    acked_log.write(hid + "\n"); acked_log.flush()
        except Exception:
            return                      # the server is gone: this worker stops
threads = [threading.Thread(target=worker, args=(n,)) for n in range(32)]
for t in threads: t.start()
for t in threads: t.join()
PY
load_pid=$!

sleep "$before_kill"
kill -s "$signal" "$server_pid"
server_status=0
wait "$server_pid" 2>/dev/null || server_status=$?
server_pid=
wait "$load_pid" || true

sort -u "$work/sent.log" >"$work/sent.sorted"
sort -u "$work/acked.log" >"$work/acked.sorted"
sqlite3 "$db" "SELECT delivery_id FROM heartbeats WHERE delivery_id IS NOT NULL" | sort >"$work/stored.all"
sort -u "$work/stored.all" >"$work/stored.sorted"

sent=$(wc -l <"$work/sent.sorted")
acked=$(wc -l <"$work/acked.sorted")
stored=$(wc -l <"$work/stored.all")
missing=$(comm -23 "$work/acked.sorted" "$work/stored.sorted" | wc -l)
unsent=$(comm -13 "$work/sent.sorted" "$work/stored.sorted" | wc -l)
twice=$(( stored - $(wc -l <"$work/stored.sorted") ))
integrity=$(sqlite3 "$db" "PRAGMA integrity_check")

echo "signal=$signal server_exit=$server_status sent=$sent acknowledged=$acked stored=$stored missing=$missing stored_not_sent=$unsent stored_twice=$twice integrity=$integrity"
graceful_ok=1
if [ "$signal" != KILL ] && [ "$server_status" -ne 0 ]; then graceful_ok=0; fi
if [ "$missing" -eq 0 ] && [ "$unsent" -eq 0 ] && [ "$twice" -eq 0 ] && [ "$integrity" = ok ] && [ "$acked" -gt 0 ] && [ "$graceful_ok" -eq 1 ]; then
  echo "PASS: every acknowledged heartbeat survived SIG$signal"
else
  echo "FAIL" >&2
  exit 1
fi
