#!/usr/bin/env python3
"""bench-remote.py — the remote protocol at fleet scale, an old and a new binary in one run (Benchmarks/README.md,
"remote"). Figures only, nothing asserted.

    scripts/bench-remote.py --old BIN --new BIN --db FLEET.sqlite [--runs 3] [--seconds 60] [--heartbeats 20] [--old-format 1]

FLEET.sqlite is a generated fleet, such as `backupboard-bench board --jobs 10000 --runs 30 --keep PATH` keeps. Each
binary gets its own copy of it and its own `serve` on a loopback port. Runs alternate old, new, old, new… so both see
the same machine; every figure is printed per run and as the median. For each binary and run:

1. `serve` settles (its first evaluator tick), then its idle RSS (VmRSS) is read and its peak reset
   (`/proc/PID/clear_refs`);
2. the whole board as the remote board asks for it (`Accept-Encoding: gzip`; `?format=2`, for the old binary only
   when it serves format 2, the default of `--old-format`):
   bytes on the wire and time (curl), then serve's peak RSS (VmHWM) over its idle RSS;
3. `status --oneline --server` against the local `status --oneline`: wall time and max RSS (/usr/bin/time);
4. the first frame: the remote board (`backupboard --server`) and the local board (`backupboard board --db`) in a
   detached 200×50 tmux pane, from start to the first job row on screen;
5. idle CPU over --seconds: `serve` alone, then `serve` with a remote board open, and the board itself
   (utime+stime from /proc/PID/stat). `serve`'s idle CPU is nearly all its evaluator's round every 10 s, so each
   window starts 3 s after a round ended (`evaluator_last_tick` of /api/v1/status moved) and lasts a whole number
   of rounds: both windows hold the same number of rounds, whatever their phase;
6. change to screen: --heartbeats times, a failing heartbeat for a job that is not failed, timed until the board's
   header counts one more failed job (the pane read every 10 ms).
"""
import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HZ = os.sysconf("SC_CLK_TCK")


def status_field(pid, name):
    """A /proc/PID/status field in MB."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(name + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {name} for {pid}")


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def after_round(url):
    """Returns 3 s after serve's evaluator next records a round (its last tick moves), so a CPU window that starts
    now holds whole rounds."""
    def last_tick():
        out = subprocess.run(["curl", "-s", url + "/api/v1/status"], capture_output=True, text=True).stdout
        match = re.search(r'"evaluator_last_tick":"([^"]+)"', out)
        return match.group(1) if match else None
    first = last_tick()
    deadline = time.time() + 60
    while last_tick() == first and time.time() < deadline:
        time.sleep(0.2)
    time.sleep(3)


class Serve:
    def __init__(self, binary, db, log):
        self.log = log
        self.process = subprocess.Popen(
            [binary, "serve", "--db", db, "--listen", "127.0.0.1:0"], stdout=open(log, "w"), stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.time() + 120
        while time.time() < deadline:
            match = re.search(r"listening on 127\.0\.0\.1:(\d+)", open(log).read())
            if match:
                self.url = f"http://127.0.0.1:{match.group(1)}"
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise RuntimeError(f"serve did not start; its log: {log}")

    @property
    def pid(self):
        return self.process.pid

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()


class Pane:
    """A detached tmux session of 200×50 running one command on a private socket."""

    def __init__(self, socket, name, command):
        self.socket, self.name = socket, name
        self.started = time.monotonic()
        subprocess.run(["tmux", "-L", socket, "new-session", "-d", "-s", name, "-x", "200", "-y", "50",
                        "env LANG=C.UTF-8 TERM=tmux-256color " + command], check=True)
        self.pid = int(self.tmux("display-message", "-p", "-t", name, "#{pane_pid}").strip())

    def tmux(self, *arguments):
        return subprocess.run(["tmux", "-L", self.socket, *arguments], capture_output=True, text=True).stdout

    def screen(self):
        return self.tmux("capture-pane", "-p", "-t", self.name)

    def wait_for(self, pattern, timeout=120, every=0.02):
        """Seconds from the pane's start until `pattern` shows."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if re.search(pattern, self.screen()):
                return time.monotonic() - self.started
            time.sleep(every)
        raise RuntimeError(f"{self.name}: '{pattern}' never showed:\n{self.screen()}")

    def close(self):
        self.tmux("send-keys", "-t", self.name, "q")
        time.sleep(0.5)
        self.tmux("kill-session", "-t", self.name)


def timed(command):
    """Wall seconds and max RSS (MB) of a command, through /usr/bin/time."""
    with tempfile.NamedTemporaryFile("r") as report:
        subprocess.run(["/usr/bin/time", "-o", report.name, "-f", "%e %M", *command],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        elapsed, rss = report.read().split()[-2:]
    return float(elapsed), int(rss) / 1024


def failed_count(screen):
    first = screen.splitlines()[0] if screen else ""
    match = re.search(r"(\d+) failed", first)
    return int(match.group(1)) if match else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--old", required=True)
    parser.add_argument("--new", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=60, help="a multiple of the evaluator's 10 s interval")
    parser.add_argument("--heartbeats", type=int, default=20)
    parser.add_argument("--settle", type=int, default=15)
    parser.add_argument("--old-format", type=int, default=2, choices=[1, 2],
                        help="the board format the old binary serves: 1 before the compact board (asked without ?format=2)")
    options = parser.parse_args()
    for tool in ["tmux", "curl"]:
        if shutil.which(tool) is None:
            sys.exit(f"needs {tool} (apt-get install -y {tool})")
    if not os.path.exists("/usr/bin/time"):
        sys.exit("needs /usr/bin/time (apt-get install -y time)")

    work = tempfile.mkdtemp(prefix="bench-remote.")
    socket = f"bench-remote-{os.getpid()}"
    binaries = {"old": os.path.abspath(options.old), "new": os.path.abspath(options.new)}
    databases = {}
    for name in binaries:
        databases[name] = os.path.join(work, f"{name}.sqlite")
        shutil.copy(options.db, databases[name])
    figures = {name: {} for name in binaries}
    next_job = [1]

    def record(name, key, value):
        figures[name].setdefault(key, []).append(value)
        print(f"  {name} {key}: {value:.3f}", flush=True)

    try:
        for run in range(1, options.runs + 1):
            for name, binary in binaries.items():
                print(f"== run {run}, {name} ({binary})", flush=True)
                db = databases[name]
                serve = Serve(binary, db, os.path.join(work, f"serve-{name}-{run}.log"))
                try:
                    time.sleep(options.settle)
                    idle_rss = status_field(serve.pid, "VmRSS")
                    record(name, "serve idle RSS MB", idle_rss)
                    with open(f"/proc/{serve.pid}/clear_refs", "w") as refs:
                        refs.write("5")
                    url = serve.url + ("/api/v1/board?format=2" if options.old_format == 2 or name == "new" else "/api/v1/board")
                    out = subprocess.run(
                        ["curl", "-s", "-o", "/dev/null", "-H", "Accept-Encoding: gzip", "-w", "%{size_download} %{time_total} %{http_code}", url],
                        capture_output=True, text=True).stdout.split()
                    if out[2] != "200":
                        raise RuntimeError(f"{url} answered {out[2]}")
                    record(name, "board MB on the wire", int(out[0]) / 1e6)
                    record(name, "board s (curl)", float(out[1]))
                    record(name, "serve peak over idle MB", status_field(serve.pid, "VmHWM") - idle_rss)

                    remote = timed([binary, "status", "--oneline", "--server", serve.url])
                    local = timed([binary, "status", "--oneline", "--db", db])
                    record(name, "status --oneline --server s", remote[0])
                    record(name, "status --oneline --server RSS MB", remote[1])
                    record(name, "status --oneline (local) s", local[0])
                    record(name, "status --oneline (local) RSS MB", local[1])

                    pane = Pane(socket, f"local-{name}-{run}", f"{binary} board --db {db} --readonly")
                    record(name, "local board first frame s", pane.wait_for(r"job-\d{5}"))
                    pane.close()

                    after_round(serve.url)
                    serve_before = cpu_ticks(serve.pid)
                    time.sleep(options.seconds)
                    alone = 100 * (cpu_ticks(serve.pid) - serve_before) / HZ / options.seconds
                    record(name, "serve idle CPU % (no board)", alone)

                    pane = Pane(socket, f"remote-{name}-{run}", f"{binary} --server {serve.url} --readonly")
                    record(name, "remote board first frame s", pane.wait_for(r"job-\d{5}"))
                    time.sleep(5)
                    after_round(serve.url)
                    serve_before, board_before = cpu_ticks(serve.pid), cpu_ticks(pane.pid)
                    time.sleep(options.seconds)
                    with_board = 100 * (cpu_ticks(serve.pid) - serve_before) / HZ / options.seconds
                    record(name, "serve idle CPU % (remote board open)", with_board)
                    record(name, "serve CPU % added by an idle board", with_board - alone)
                    record(name, "remote board idle CPU %", 100 * (cpu_ticks(pane.pid) - board_before) / HZ / options.seconds)

                    latencies = []
                    for _ in range(options.heartbeats):
                        before = failed_count(pane.screen())
                        while next_job[0] % 7 == 0:
                            next_job[0] += 1
                        key = f"bench-key-{next_job[0]}"
                        next_job[0] += 1
                        sent = time.monotonic()
                        subprocess.run(["curl", "-s", "-o", "/dev/null", "-d", '{"status":"failed"}', f"{serve.url}/heartbeat/{key}"], check=True)
                        while time.monotonic() - sent < 10 and failed_count(pane.screen()) <= before:
                            time.sleep(0.01)
                        latencies.append(time.monotonic() - sent)
                        time.sleep(0.3)
                    record(name, "change to screen s (median of heartbeats)", statistics.median(latencies))
                    pane.close()
                except RuntimeError as error:
                    # A board that never showed its jobs (its first load timed out) is a figure too: the run goes on.
                    print(f"  {name} run {run} stopped: {str(error).splitlines()[0]}", flush=True)
                finally:
                    serve.stop()
        print("\n== medians of", options.runs, "runs")
        print(f"{'figure':45} | {'old':>10} | {'new':>10}")
        for key in figures["new"]:
            old = statistics.median(figures["old"].get(key, [float("nan")]))  # NaN: every old run stopped before it
            new = statistics.median(figures["new"][key])
            print(f"{key:45} | {old:10.3f} | {new:10.3f}")
    finally:
        subprocess.run(["tmux", "-L", socket, "kill-server"], capture_output=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
