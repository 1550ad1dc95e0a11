"""The healthchecks-io client (0.4.x, from PyPI), unchanged, against a running `backupboard serve`.

Usage: drive_client.py BASE_URL JOB_KEY SERVER_PING_KEY

The server has the job `db-prod` whose ping key is JOB_KEY, the server ping key SERVER_PING_KEY, an [auto_create]
table, and no job `web-01`. Pings by key (the client's `uuid`) and by slug: start, success, fail, exit code, and
log (which the client has no method for, so it is sent through the client's own URL builder and answer check).
Prints one line per step; exits non-zero at the first answer that is not the expected one.
"""
import sys
import uuid

import httpx
from healthchecks_io import CheckNotFoundError, Client

base, job_key, server_key = sys.argv[1:4]
ping_url = base.rstrip("/") + "/ping/"


def client(**params):
    return Client(ping_url=ping_url, ping_key=server_key, client=httpx.Client(params=params, timeout=10))


def log(c, uuid_="", slug="", data=""):
    url = c._get_ping_url(uuid_, slug, "/log")
    response = c.check_ping_response(c._client.post(url, content=data))
    return (response.status_code == 200, response.text)


def step(name, got, expected):
    print(f"{name}: {got!r}")
    if got != expected:
        sys.exit(f"{name}: expected {expected!r}, got {got!r}")


def not_found(name, call):
    try:
        call()
    except CheckNotFoundError:
        print(f"{name}: CheckNotFoundError")
        return
    sys.exit(f"{name}: expected CheckNotFoundError")


ok = (True, "OK\n")

# By key: one run with a Healthchecks-style run id, then a failure, an exit code and a log line.
run = str(uuid.uuid4())
step("key start", client(rid=run).start_ping(uuid=job_key), ok)
step("key log", log(client(rid=run), uuid_=job_key, data="pass 1 of 2"), ok)
step("key success", client(rid=run).success_ping(uuid=job_key, data="backup done"), ok)
step("key fail", client().fail_ping(uuid=job_key, data="disk full"), ok)
step("key exit code", client().exit_code_ping(3, uuid=job_key), ok)
not_found("unknown key", lambda: client().success_ping(uuid="no-such-key-0123456789abcdef"))

# By slug: unknown until created with ?create=1 (201, which the client reports as not 200).
not_found("unknown slug", lambda: client().success_ping(slug="web-01"))
run = str(uuid.uuid4())
step("slug start with create=1", client(rid=run, create="1").start_ping(slug="web-01"), (False, "Created\n"))
step("slug log", log(client(rid=run), slug="web-01", data="rsync: 120 files"), ok)
step("slug success", client(rid=run).success_ping(slug="web-01", data="backup done"), ok)
step("slug fail", client().fail_ping(slug="web-01", data="rsync: error 23"), ok)
step("slug exit code", client().exit_code_ping(0, slug="web-01"), ok)
not_found("unknown slug without create", lambda: client().exit_code_ping(1, slug="web-02"))
print("healthchecks-io client: every step answered as expected")
