#!/usr/bin/env bash
# pg-failover-test.sh — two `serve` instances on one PostgreSQL lose the leader mid-load, and nothing
# acknowledged is lost, nothing is stored twice, the other instance leads within 10 s (docs/high-availability.md).
#
# Starts PostgreSQL (a private cluster, or the database --postgres names), a loopback webhook receiver that
# logs each notification's Idempotency-Key, and two `serve` (instances a and b, the evaluator every 2 s,
# every alert and good run notified to the receiver). A loader (Python, 8 threads) sends heartbeats round-robin
# to both, each with its own Heartbeat-Id, one in ten a failure (it opens an alert; the next success resolves
# it); a request that fails is sent again, same id, to the other instance. An id is logged as acknowledged
# only after its 200. After --before seconds the holder of the evaluator's lease gets the signal:
#   KILL  kill -9; the other instance must tick within 10 s; notifications it had claimed may come twice
#         (at-least-once, same key), none may be missing.
#   TERM  a graceful stop: the leases are handed over; no notification may come twice.
#   STOP  SIGSTOP for 15 s, then SIGCONT: the other instance takes the leases within 10 s meanwhile (its
#         first round comes when the stopped one's open transaction lets the writes go on); the woken
#         one must not write a round (its lease is stale); nothing may be written twice (notifications it
#         was delivering may come twice, as after KILL; the monitor did stop, so an outage may be recorded).
# Then it prints sent / acknowledged / stored / stored twice, the failover time, notifications enqueued,
# delivered and duplicated, monitor_outage alerts, and exits 1 when a check fails.
#
# Usage: scripts/pg-failover-test.sh [--binary PATH] [--signal KILL|TERM|STOP] [--seconds N] [--before N]
#                                    [--postgres URL] [--jobs N]
# Needs: a built binary (swift build), python3, curl, and Debian's postgresql (psql; the server too without
# --postgres).
set -euo pipefail
cd "$(dirname "$0")/.."

binary=.build/debug/backupboard
signal=KILL
seconds=20
before=5
postgres=
jobs=12
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary="$2"; shift ;;
    --signal) signal="$2"; shift ;;
    --seconds) seconds="$2"; shift ;;
    --before) before="$2"; shift ;;
    --postgres) postgres="$2"; shift ;;
    --jobs) jobs="$2"; shift ;;
    *) echo "usage: $0 [--binary PATH] [--signal KILL|TERM|STOP] [--seconds N] [--before N] [--postgres URL] [--jobs N]" >&2; exit 64 ;;
  esac
  shift
done
case "$signal" in KILL | TERM | STOP) ;; *) echo "$0: --signal must be KILL, TERM or STOP" >&2; exit 64 ;; esac
[ -x "$binary" ] || { echo "$0: no $binary: run 'swift build' first" >&2; exit 1; }
psql=$(command -v psql || echo /usr/lib/postgresql/15/bin/psql)
[ -x "$psql" ] || { echo "$0: psql is needed: sudo apt-get install -y postgresql" >&2; exit 1; }
for tool in python3 curl; do
  command -v "$tool" >/dev/null || { echo "$0: $tool is needed" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/backupboard-failover.XXXXXX")
chmod 755 "$work"
pids=()
stopped=
cleanup() {
  [ -n "$stopped" ] && kill -CONT "$stopped" 2>/dev/null || true
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  if [ -z "$postgres" ] && [ -d "$work/pg" ]; then scripts/postgres-test-cluster.sh stop "$work/pg" || true; fi
  if [ -n "${KEEP_WORK:-}" ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
url=$postgres
if [ -z "$url" ]; then
  url=$(scripts/postgres-test-cluster.sh start "$work/pg" "$(free_port)" | tail -1)
fi
sql() { "$psql" "$url" -qAtX -c "$1"; }

# The webhook receiver: one line per notification, its Idempotency-Key.
receiver_port=$(free_port)
python3 - "$receiver_port" "$work/received.log" <<'PY' &
import http.server, sys, threading
port, path = int(sys.argv[1]), sys.argv[2]
log, lock = open(path, "a"), threading.Lock()
class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with lock:
            log.write(self.headers.get("Idempotency-Key", "-") + "\n"); log.flush()
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *args): pass
http.server.ThreadingHTTPServer(("127.0.0.1", port), Receiver).serve_forever()
PY
pids+=($!)
disown $!

keys=()
for i in $(seq 1 "$jobs"); do
  key="failover_job_key_$(printf '%04d' "$i")_abcdef"
  keys+=("$key")
  "$binary" jobs add "job-$i" --every 1h --key "$key" --db "$url" >/dev/null
done

ports=()
for name in a b; do
  port=$(free_port)
  ports+=("$port")
  cat >"$work/$name.toml" <<TOML
listen = "127.0.0.1:$port"
instance = "$name"
db = "$url"

[evaluator]
interval = "2s"

[notifications.channels.receiver]
type = "webhook"
url = "http://127.0.0.1:$receiver_port/hook"

[[notifications.routes]]
events = ["failed", "resolved", "succeeded"]
channels = ["receiver"]
TOML
  "$binary" serve --config "$work/$name.toml" 2>"$work/$name.log" &
  pids+=($!)
  disown $!
  eval "pid_$name=$!"
done
for port in "${ports[@]}"; do
  for _ in $(seq 1 150); do
    curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
    sleep 0.1
  done
  curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null || { echo "serve on $port did not start:" >&2; cat "$work"/*.log >&2; exit 1; }
done

# Which instance holds the evaluator's lease, by its /metrics.
holds() { curl -fsS --max-time 2 "http://127.0.0.1:$1/metrics" 2>/dev/null | grep -q '^backupboard_lease_held{role="evaluator"} 1$'; }
leader=
for _ in $(seq 1 100); do
  if holds "${ports[0]}"; then leader=a; break; fi
  if holds "${ports[1]}"; then leader=b; break; fi
  sleep 0.1
done
[ -n "$leader" ] || { echo "no instance took the evaluator lease:" >&2; cat "$work"/*.log >&2; exit 1; }
if [ "$leader" = a ]; then leader_pid=$pid_a; survivor=b; else leader_pid=$pid_b; survivor=a; fi

# The loader: sent.log before each first send, acked.log after a 200 (from either instance).
python3 - "$seconds" "$work" "${ports[*]}" "${keys[*]}" <<'PY' &
import http.client, random, sys, threading, time
seconds, work = float(sys.argv[1]), sys.argv[2]
ports, keys = [int(p) for p in sys.argv[3].split()], sys.argv[4].split()
lock = threading.Lock()
sent, acked = open(f"{work}/sent.log", "w"), open(f"{work}/acked.log", "w")
stop_at = time.time() + seconds

def send(port, path, hid):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("POST", path, body=b"", headers={"Heartbeat-Id": hid})
        response = conn.getresponse(); response.read()
        return response.status == 200
    except OSError:
        return False
    finally:
        conn.close()

def worker(n):
    rng, seq = random.Random(n), 0
    while time.time() < stop_at:
        seq += 1
        hid = f"w{n}-{seq}"
        key = rng.choice(keys)
        path = f"/heartbeat/{key}/fail" if rng.random() < 0.1 else f"/heartbeat/{key}"
        with lock:
            sent.write(hid + "\n"); sent.flush()
        for attempt in range(40):
            if send(ports[(n + seq + attempt) % len(ports)], path, hid):
                with lock:
                    acked.write(hid + "\n"); acked.flush()
                break
            time.sleep(0.25)
        time.sleep(0.02)

threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
for t in threads: t.start()
for t in threads: t.join()
PY
loader=$!
pids+=($loader)

sleep "$before"
epoch_before=$(sql "SELECT epoch FROM leases WHERE role = 'evaluator'")
signalled_at=$(date +%s.%N)
kill -"$signal" "$leader_pid"
[ "$signal" = STOP ] && stopped=$leader_pid
# Failover: the survivor holds the lease in a newer term (led), and has written a round since the signal
# (ticked). A stopped leader's open transaction holds every write until the server ends it, so after STOP the
# first round may come later than the lease; after KILL and TERM, failover is the time to the first round.
failover=
led=
while :; do
  now=$(date +%s.%N)
  if awk "BEGIN { exit !($now - $signalled_at > 40) }"; then break; fi
  if [ -n "$stopped" ] && awk "BEGIN { exit !($now - $signalled_at >= 15) }"; then
    kill -CONT "$stopped"
    stopped=
  fi
  # From the database, not the survivor's /metrics: polling the instance under test would load it.
  read -r holder epoch < <(sql "SELECT instance, epoch FROM leases WHERE role = 'evaluator'" | tr '|' ' ' || true)
  if [ "${holder:-}" = "$survivor" ] && [ "${epoch:-0}" -gt "$epoch_before" ]; then
    [ -n "$led" ] || led=$(awk "BEGIN { printf \"%.1f\", $now - $signalled_at }")
    tick=$(sql "SELECT value FROM meta WHERE key = 'evaluator_last_tick'" || echo 0)
    if awk "BEGIN { exit !(${tick:-0} > $signalled_at) }"; then
      ticked=$(awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $signalled_at }")
      failover=$ticked
      [ "$signal" = STOP ] && failover=$led
      break
    fi
  fi
  sleep 0.2
done
if [ -n "$stopped" ]; then
  sleep "$(awk "BEGIN { left = 15 - ($(date +%s.%N) - $signalled_at); print (left > 0 ? left : 0) }")"
  kill -CONT "$stopped"
  stopped=
fi
wait "$loader" || true
loaded_at=$(date +%s.%N)

# Every notification enqueued is delivered (the survivor's outbox worker takes over the dead one's claims):
# once a round has judged the last heartbeats, the outbox empties. Up to a minute: a delivery cut off by the
# signal may have failed and wait out the outbox's backoff (5 s, then 10 s…) before it goes again.
for _ in $(seq 1 600); do
  tick=$(sql "SELECT value FROM meta WHERE key = 'evaluator_last_tick'" || echo 0)
  pending=$(sql "SELECT count(*) FROM outbox WHERE delivered_at IS NULL AND failed_at IS NULL" || echo 1)
  if awk "BEGIN { exit !(${tick:-0} > $loaded_at) }" && [ "$pending" = 0 ]; then break; fi
  sleep 0.1
done
sleep 1

set +e
python3 - "$work" "$url" "$psql" "$signal" "${failover:-}" "$leader" "${led:-}" "${ticked:-}" <<'PY'
import subprocess, sys
work, url, psql, signal, failover, leader, led, ticked = sys.argv[1:9]
def sql(query):
    return subprocess.run([psql, url, "-qAtX", "-c", query], check=True, capture_output=True, text=True).stdout.split()
sent = set(open(f"{work}/sent.log").read().split())
acked = set(open(f"{work}/acked.log").read().split())
stored_ids = sql("SELECT delivery_id FROM heartbeats WHERE delivery_id IS NOT NULL")
stored = set(stored_ids)
twice = len(stored_ids) - len(stored)
missing = acked - stored
unsent = stored - sent
events = set(sql("SELECT event_id FROM outbox"))
undelivered = int(sql("SELECT count(*) FROM outbox WHERE delivered_at IS NULL")[0])
received = open(f"{work}/received.log").read().split()
duplicated = len(received) - len(set(received))
outages = int(sql("SELECT count(*) FROM alerts WHERE kind = 'monitor_outage'")[0])
rounds_twice = int(sql("""SELECT count(*) FROM (SELECT 1 FROM state_transitions
                          GROUP BY job_id, at, to_state HAVING count(*) > 1) AS t""")[0])
print(f"signal {signal} to the evaluator's leader ({leader})")
print(f"heartbeats: sent {len(sent)}, acknowledged {len(acked)}, stored {len(stored)}, stored twice {twice}, "
      f"acknowledged but missing {len(missing)}, stored but never sent {len(unsent)}")
print(f"failover: {failover + ' s' if failover else 'none within 40 s'} "
      f"(the other instance held the lease after {led or '-'} s and wrote its first round after {ticked or '-'} s)")
print(f"notifications: {len(events)} events enqueued, {len(set(received))} delivered, {duplicated} delivered twice, "
      f"{undelivered} not delivered")
print(f"monitor_outage alerts: {outages}; state transitions written twice: {rounds_twice}")
failures = []
if missing: failures.append(f"{len(missing)} acknowledged heartbeats are missing, e.g. {sorted(missing)[:3]}")
if twice: failures.append(f"{twice} heartbeats are stored twice")
if unsent: failures.append(f"{len(unsent)} stored heartbeats were never sent")
if not failover or float(failover) > 10: failures.append("the other instance did not lead within 10 s")
if outages and signal != "STOP": failures.append("a monitor_outage was recorded")
if rounds_twice: failures.append("a round was written twice")
if undelivered: failures.append(f"{undelivered} notifications were not delivered")
if set(received) != events: failures.append("the notifications delivered are not the events enqueued")
if signal == "TERM" and duplicated: failures.append(f"{duplicated} notifications were delivered twice after SIG{signal}")
for failure in failures: print("FAILED: " + failure)
print("ok" if not failures else "failover test failed")
sys.exit(1 if failures else 0)
PY
status=$?
set -e
if [ $status != 0 ]; then
  echo "the other instance ($survivor) logged:"
  grep -v " info " "$work/$survivor.log" | tail -15 || true
fi
if [ "$signal" = STOP ]; then
  # The woken leader's log: it must have found its lease gone, not written a round for it.
  woken="$work/$leader.log"
  grep -h "leases:\|evaluator:" "$woken" | tail -5 || true
fi
exit $status
