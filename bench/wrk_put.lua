-- Single PUTs of distinct customers; counts answers by status for bench/ingest.py.
dofile((os.getenv("BENCH_DIR") or "bench") .. "/wrk_common.lua")
local counter = 0

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
