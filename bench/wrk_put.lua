-- Single PUTs of distinct customers; counts answers by status for bench/ingest.py.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  prefix = os.getenv("BENCH_PATH_PREFIX") or "/v1/customers/"
  auth = os.getenv("BENCH_AUTH") or ""
  run = os.getenv("BENCH_RUN") or "r"
  statuses = {}
  wrk.method = "PUT"
  wrk.headers["Content-Type"] = "application/json"
  if auth ~= "" then wrk.headers["Authorization"] = auth end
  body = '{"version": 1, "name": "Harbour Cafe", "email": "accounts@harbourcafe.example",'
    .. ' "phone": "+64 9 555 0100", "customer_number": "C-1001",'
    .. ' "addresses": [{"type": "street", "line1": "1 Quay St", "city": "Auckland"}]}'
end

function request()
  counter = counter + 1
  return wrk.format(nil, prefix .. run .. "-" .. tid .. "-" .. counter, nil, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    local s = thread:get("statuses")
    for status, n in pairs(s) do counts[status] = (counts[status] or 0) + n end
  end
  local parts = {}
  for status, n in pairs(counts) do table.insert(parts, '"' .. status .. '": ' .. n) end
  io.write(string.format(
    'BENCH {"requests": %d, "seconds": %.6f, "p50_ms": %.3f, "p99_ms": %.3f, "statuses": {%s}}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3,
    latency:percentile(99) / 1e3, table.concat(parts, ", ")))
end
