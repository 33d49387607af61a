-- Requests for benchmarks/load.py under wrk (one thread).
--   wrk -s benchmarks/wrk.lua URL -- FILE MODE [OFFSET]
-- FILE has one path a line, optionally a tab and an If-None-Match value.
-- MODE "random" picks a line at random for each request; "sequential" walks the
-- lines from OFFSET, so no path is asked twice until the list runs out.
-- done() prints one JSON line: requests, req/s, latency and what the caches said.

local lines = {}
local mode = "random"
start = 0
position = 0 -- requests made so far (some may still be in flight at the end)
ok, not_modified, other, page_hit, page_miss, varnish_hit = 0, 0, 0, 0, 0, 0
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  local file = assert(io.open(args[1]))
  for line in file:lines() do
    local path, etag = line:match("^([^\t]+)\t?(.*)$")
    if path then
      table.insert(lines, { path, etag })
    end
  end
  file:close()
  mode = args[2] or "random"
  start = tonumber(args[3] or "0")
  position = start
  math.randomseed(os.time())
end

function request()
  local item
  if mode == "sequential" then
    item = lines[position % #lines + 1]
    position = position + 1
  else
    item = lines[math.random(#lines)]
  end
  local headers = { ["Accept-Encoding"] = "gzip" }
  if item[2] ~= "" then
    headers["If-None-Match"] = item[2]
  end
  return wrk.format("GET", item[1], headers)
end

function response(status, headers, body)
  if status == 200 then
    ok = ok + 1
  elseif status == 304 then
    not_modified = not_modified + 1
  else
    other = other + 1
  end
  for name, value in pairs(headers) do
    local lower = string.lower(name)
    if lower == "x-cache" then
      if string.lower(value) == "hit" then
        page_hit = page_hit + 1
      else
        page_miss = page_miss + 1
      end
    elseif lower == "x-varnish-cache" and string.lower(value) == "hit" then
      varnish_hit = varnish_hit + 1
    end
  end
end

function done(summary, latency, requests)
  local totals = { ok = 0, not_modified = 0, other = 0, page_hit = 0, page_miss = 0, varnish_hit = 0 }
  local issued = 0
  for _, thread in ipairs(threads) do
    for name, _ in pairs(totals) do
      totals[name] = totals[name] + (thread:get(name) or 0)
    end
    issued = issued + (thread:get("position") or 0) - (tonumber(thread:get("start")) or 0)
  end
  local seconds = summary.duration / 1e6
  io.write(string.format(
    '\n{"requests": %d, "issued": %d, "seconds": %.3f, "rps": %.1f, "errors": %d, "p50_ms": %.2f, "p99_ms": %.2f, '
      .. '"ok": %d, "not_modified": %d, "other": %d, "page_hit": %d, "page_miss": %d, "varnish_hit": %d}\n',
    summary.requests, issued, seconds, summary.requests / seconds,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    totals.ok, totals.not_modified, totals.other, totals.page_hit, totals.page_miss, totals.varnish_hit
  ))
end
