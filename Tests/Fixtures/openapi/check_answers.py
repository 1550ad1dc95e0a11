"""Checks real answers of a running `backupboard serve` against docs/openapi.json with openapi-core.

    check_answers.py SPEC BASE_URL ADMIN_TOKEN READ_TOKEN PING_KEY

The server has one job, `db-prod`, whose ping key is PING_KEY, and no notification channel. Every operation
of the document is called at least once (its answers, errors included, validated with the request that
asked); an operation never called, an answer the document does not describe, or a served document that
is not SPEC is a failure. Prints one line per problem and exits 1 when there is any.
"""
import json
import sys
import time

import requests
from openapi_core import OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse

spec_path, base, admin_token, read_token, ping_key = sys.argv[1:6]
spec = json.load(open(spec_path, encoding="utf-8"))
# The document names serve's default address; the server under test listens elsewhere.
api = OpenAPI.from_dict({**spec, "servers": [{"url": base.removesuffix("/api/v1")}]})
admin = {"Authorization": f"Bearer {admin_token}", "BackupBoard-Signature": "openapi-check"}
reader = {"Authorization": f"Bearer {read_token}"}
problems = []
called = set()
operations = {(method.upper(), path) for path, item in spec["paths"].items() for method in item}


def call(method, path, template, headers=admin, expect=None, **kwargs):
    """One request, its answer checked against the document; returns the answer."""
    response = requests.request(method, base + path, headers=headers, timeout=30, **kwargs)
    called.add((method, template))
    try:
        api.validate_response(RequestsOpenAPIRequest(response.request), RequestsOpenAPIResponse(response))
    except Exception as error:  # openapi-core's errors name the field
        details = "; ".join(str(e) for e in getattr(error, "schema_errors", []) or [])
        problems.append(f"{method} {path} → {response.status_code}: {error} {details} {response.text[:300]}")
    if expect is not None and response.status_code != expect:
        problems.append(f"{method} {path}: expected {expect}, got {response.status_code}: {response.text[:300]}")
    return response


# A run, a failure and so an alert, for the reads to have something in them.
requests.post(f"{base.removesuffix('/api/v1')}/heartbeat/{ping_key}/start?rid=r1", timeout=10)
requests.post(f"{base.removesuffix('/api/v1')}/heartbeat/{ping_key}?rid=r1", data='{"size": "1GB"}', timeout=10)
requests.post(f"{base.removesuffix('/api/v1')}/heartbeat/{ping_key}/fail", data="pg_dump: connection refused", timeout=10)

served = call("GET", "/openapi.json", "/api/v1/openapi.json", headers=reader, expect=200)
if served.status_code == 200 and served.json() != spec:
    problems.append("GET /api/v1/openapi.json is not docs/openapi.json")
call("HEAD", "/openapi.json", "/api/v1/openapi.json", headers=reader, expect=200)
for path in ["/status", "/board?format=2", "/alerts", "/jobs", "/audit"]:
    call("GET", path, "/api/v1" + path.split("?")[0], headers=reader, expect=200)
    call("HEAD", path, "/api/v1" + path.split("?")[0], headers=reader, expect=200)
# The evaluator may commit (the failure's alert) between the two requests, which moves the ETag: the board
# changed, so 200 is right. Ask again with the new ETag, a few times, before calling a 304 missing.
for attempt in range(5):
    etag = call("GET", "/board?format=2&runs=5", "/api/v1/board", headers=reader).headers.get("ETag", "")
    again = call("GET", "/board?format=2", "/api/v1/board", headers={**reader, "If-None-Match": etag})
    if again.status_code == 304 or attempt == 4:
        break
    time.sleep(0.5)
if again.status_code != 304:
    problems.append(f"GET /board with If-None-Match: expected 304, got {again.status_code}: {again.text[:300]}")
call("GET", "/board?format=2&since=0", "/api/v1/board", headers=reader, expect=200)
call("GET", "/board?format=2&runs=99", "/api/v1/board", headers=reader, expect=400)
call("GET", "/board", "/api/v1/board", headers=reader, expect=406)
call("HEAD", "/board?format=1", "/api/v1/board", headers=reader, expect=406)
# A long poll that nothing answers ends in a 304 after its wait.
board = call("GET", "/board?format=2", "/api/v1/board", headers=reader)
call("GET", f"/board?format=2&since={board.json()['version']}&wait=1s", "/api/v1/board",
     headers={**reader, "If-None-Match": board.headers.get("ETag", "")})
call("GET", "/alerts?open=true", "/api/v1/alerts", headers=reader, expect=200)
call("GET", "/status", "/api/v1/status", headers={}, expect=401)

# The jobs API.
created = call("POST", "/jobs", "/api/v1/jobs", json={
    "slug": "files", "schedule": "0 2 * * *", "timezone": "Europe/Berlin", "grace": "30m", "tags": ["fs"],
    "min_size": "1GB", "alerts": {"anomaly_window": 12, "severity": {"failed": "emergency"}}}, expect=201)
call("POST", "/jobs", "/api/v1/jobs", json={"slug": "files", "schedule": "6h"}, expect=409)
call("POST", "/jobs", "/api/v1/jobs", json={"slug": "bad", "schedule": "6h", "grase": "1h"}, expect=400)
call("POST", "/jobs", "/api/v1/jobs", headers=reader, json={"slug": "r", "schedule": "6h"}, expect=403)
call("GET", "/jobs?tag=fs", "/api/v1/jobs", headers=reader, expect=200)
call("GET", "/jobs/files", "/api/v1/jobs/{slug}", headers=reader, expect=200)
call("GET", "/jobs/db-prod?limit=1&heartbeats=2", "/api/v1/jobs/{slug}", headers=reader, expect=200)
call("HEAD", "/jobs/db-prod", "/api/v1/jobs/{slug}", headers=reader, expect=200)
call("GET", "/jobs/nope", "/api/v1/jobs/{slug}", headers=reader, expect=404)
call("PUT", "/jobs/weekly", "/api/v1/jobs/{slug}", json={"schedule": ["Sat 04:00", "0 4 * * 0"], "kind": "archive"}, expect=201)
call("PUT", "/jobs/weekly", "/api/v1/jobs/{slug}", json={"schedule": ["Sat 04:00", "0 4 * * 0"], "kind": "archive"}, expect=200)
call("PATCH", "/jobs/files", "/api/v1/jobs/{slug}", json={"grace": "2h", "tags": None}, expect=200)
call("PATCH", "/jobs/files", "/api/v1/jobs/{slug}", json={"priority": "urgent"}, expect=400)
call("PATCH", "/jobs/nope", "/api/v1/jobs/{slug}", json={}, expect=404)
call("POST", "/jobs/files/pause", "/api/v1/jobs/{slug}/pause", expect=200)
call("POST", "/jobs/files/resume", "/api/v1/jobs/{slug}/resume", expect=200)
call("POST", "/jobs/nope/pause", "/api/v1/jobs/{slug}/pause", expect=404)
call("POST", "/jobs/files/rotate-key", "/api/v1/jobs/{slug}/rotate-key", expect=200)
call("GET", "/jobs/files/key", "/api/v1/jobs/{slug}/key", expect=200)
call("HEAD", "/jobs/files/key", "/api/v1/jobs/{slug}/key", expect=200)
call("GET", "/jobs/files/key", "/api/v1/jobs/{slug}/key", headers=reader, expect=403)
call("POST", "/jobs/db-prod/mute", "/api/v1/jobs/{slug}/mute", json={"until": "4h", "by": "ann", "reason": "migration"}, expect=200)
call("POST", "/jobs/db-prod/mute", "/api/v1/jobs/{slug}/mute", json={"until": "soon", "by": "ann", "reason": "x"}, expect=400)
call("POST", "/jobs/db-prod/unmute", "/api/v1/jobs/{slug}/unmute", expect=200)
toml = '[jobs.db-prod]\nschedule = "6h"\n\n[jobs.extra]\nschedule = "1d"\n\n[[maintenance]]\nname = "patching"\ndays = ["sun"]\nstart = "01:00"\nend = "03:00"\njobs = ["*"]\n'
call("POST", "/jobs/apply", "/api/v1/jobs/apply", json={"file": toml, "dry_run": True}, expect=200)
call("POST", "/jobs/apply", "/api/v1/jobs/apply", json={"file": toml}, expect=200)
call("POST", "/jobs/apply", "/api/v1/jobs/apply", json={"file": "[jobs.x]\ngrase = 1\n"}, expect=400)
call("DELETE", "/jobs/weekly", "/api/v1/jobs/{slug}", expect=204)
call("DELETE", "/jobs/weekly", "/api/v1/jobs/{slug}", expect=404)
call("GET", "/audit?slug=files&limit=5", "/api/v1/audit", headers=reader, expect=200)

# Alerts: the failure above opens one at the evaluator's next tick.
deadline = time.monotonic() + 15
open_alerts = []
while not open_alerts and time.monotonic() < deadline:
    open_alerts = call("GET", "/alerts?open=true", "/api/v1/alerts", headers=reader, expect=200).json().get("open") or []
    time.sleep(0.2)
if open_alerts:
    call("POST", f"/alerts/{open_alerts[0]['id']}/ack", "/api/v1/alerts/{id}/ack", json={"by": "ann", "note": "on it"}, expect=200)
else:
    problems.append("no alert opened for db-prod's failure")
call("POST", "/alerts/999999/ack", "/api/v1/alerts/{id}/ack", json={"by": "ann"}, expect=404)
call("POST", "/notifications/test/nope", "/api/v1/notifications/test/{channel}", expect=404)

for method, path in sorted(operations - called):
    problems.append(f"{method} {path} is in the document but was never called")
for problem in problems:
    print(problem)
print(f"{len(called)} of {len(operations)} operations called, {len(problems)} problems")
sys.exit(1 if problems else 0)
