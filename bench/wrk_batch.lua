-- Batches of distinct customers to POST /v1/batch; counts accepted operations.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  size = tonumber(os.getenv("BENCH_BATCH_SIZE") or "500")
  auth = os.getenv("BENCH_AUTH") or ""
  run = os.getenv("BENCH_RUN") or "r"
  statuses = {}
  wrk.method = "POST"
  wrk.path = "/v1/batch"
  wrk.headers["Content-Type"] = "application/json"
  if auth ~= "" then wrk.headers["Authorization"] = auth end
  data = '{"version": 1, "name": "Harbour Cafe", "email": "accounts@harbourcafe.example",'
    .. ' "customer_number": "C-1001",'
    .. ' "addresses": [{"type": "street", "line1": "1 Quay St", "city": "Auckland"}]}'
end

function request()
  counter = counter + 1
  local ops = {}
  for i = 1, size do
    ops[i] = '{"kind": "customer", "id": "' .. run .. "-b" .. tid .. "-" .. counter .. "-" .. i
      .. '", "data": ' .. data .. '}'
  end
  return wrk.format(nil, nil, nil, '{"operations": [' .. table.concat(ops, ",") .. ']}')
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
