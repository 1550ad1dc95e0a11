-- wrk script: POST the seed's completion heartbeat with a unique Heartbeat-Id per request, so every
-- request is a new row (no duplicate short-cut). The key comes from the environment: KEY=... wrk -s ...
local key = os.getenv("KEY") or "bench_key_0123456789abc"
local threads = 0
local counter = 0

-- Runs in the main state once per thread: gives each thread its own id prefix.
setup = function(thread)
  threads = threads + 1
  thread:set("tag", "t" .. threads .. "-" .. os.time())
end

request = function()
  counter = counter + 1
  return wrk.format("POST", "/heartbeat/" .. key,
    { ["Content-Type"] = "application/x-www-form-urlencoded",
      ["Heartbeat-Id"] = tag .. "-" .. counter },
    '{"status":"completed","duration":12,"size":"45.2GB"}')
end
