-- Batches of distinct customers to POST /v1/batch; counts accepted operations.
dofile((os.getenv("BENCH_DIR") or "bench") .. "/wrk_common.lua")
local counter = 0

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
