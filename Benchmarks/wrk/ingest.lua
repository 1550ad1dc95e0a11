-- wrk script for scripts/bench-ingest.sh: POSTs a ~200-byte JSON heartbeat to /heartbeat/$KEY with a
-- unique Heartbeat-Id per request (every request is a new row), or, with TARGET=pushgateway, pushes a
-- small text-format metric to /metrics/job/backup/instance/x. At the end one machine-readable line:
--   BENCH requests=N non2xx=N socket_errors=N duration_us=N p50_us=N p99_us=N
-- Acknowledged (200) requests = requests - non2xx: wrk counts completed responses in `requests` and
-- responses with a status above 399 in errors.status.
local key = os.getenv("KEY") or "bench_key_0123456789abc"
-- With KEYS (ping keys separated by spaces), each request goes to the next of them in turn: a fleet of jobs
-- instead of one busy job (scripts/bench-pg-instances.sh --jobs).
local keys = {}
for k in string.gmatch(os.getenv("KEYS") or "", "%S+") do keys[#keys + 1] = k end
local target = os.getenv("TARGET") or "backupboard"
-- Two wrk processes started in the same second against one database need different ids (serve-pg×2).
local prefix = os.getenv("ID_PREFIX") or ""
local threads = 0
local counter = 0

local heartbeat = '{"status":"completed","duration":754,"size":"45.2GB","total_files":15420,' ..
  '"transfer_rate":"25MB/s","hostname":"db-prod-1","database":"production",' ..
  '"verification_hash":"sha256:9f86d081884c7d659a2feaa0c5"}'
local metric = '# TYPE backup_last_success_timestamp_seconds gauge\n' ..
  'backup_last_success_timestamp_seconds 1764201600\nbackup_size_bytes 45200000000\n'

setup = function(thread)
  threads = threads + 1
  thread:set("tag", prefix .. "t" .. threads .. "-" .. os.time())
end

request = function()
  counter = counter + 1
  if target == "pushgateway" then
    return wrk.format("POST", "/metrics/job/backup/instance/x",
      { ["Content-Type"] = "text/plain; version=0.0.4" }, metric)
  end
  local target_key = key
  if #keys > 0 then target_key = keys[counter % #keys + 1] end
  return wrk.format("POST", "/heartbeat/" .. target_key,
    { ["Content-Type"] = "application/json", ["Heartbeat-Id"] = tag .. "-" .. counter }, heartbeat)
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH requests=%d non2xx=%d socket_errors=%d duration_us=%d p50_us=%d p99_us=%d body_bytes=%d\n",
    summary.requests, e.status, e.connect + e.read + e.write + e.timeout, summary.duration,
    latency:percentile(50), latency:percentile(99), #heartbeat))
end
