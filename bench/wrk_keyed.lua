-- Like wrk_report.lua, but every request gets its own key: BENCH_KEY_PLACEHOLDER in the body
-- in BENCH_BODY_FILE becomes "<BENCH_KEY_PREFIX>-<thread>-<counter>". The answer must echo the
-- key; one that does, with status 200 and no non-empty "errors" list, is a success. Keys sent
-- without an echoed answer (in flight when wrk stopped, or refused) are listed as "pending"
-- so the harness can retry them, as a client would.
local file = assert(io.open(os.getenv("BENCH_BODY_FILE"), "rb"))
local template = file:read("*a")
file:close()
local prefix = os.getenv("BENCH_KEY_PREFIX")
local placeholder = os.getenv("BENCH_KEY_PLACEHOLDER")
assert(prefix and prefix:match("^%w+$"), "BENCH_KEY_PREFIX must be letters and digits")
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

-- The template split at the placeholder once, so a request costs one table.concat.
local parts = {}
local start = 1
while true do
  local first, last = template:find(placeholder, start, true)
  if not first then break end
  parts[#parts + 1] = template:sub(start, first - 1)
  start = last + 1
end
parts[#parts + 1] = template:sub(start)
assert(#parts > 1, "the body has no key placeholder")

local threads = {}
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("tid", next_id)
  threads[#threads + 1] = thread
end

sent, answered, successes, pending = 0, 0, 0, {}
local key_pattern = prefix .. "%-%d+%-%d+"

-- wrk builds one request on the first thread's state to check it (script_verify_request)
-- and never sends it: that one is neither counted nor left pending.
local checked = false

function request()
  if not checked then
    checked = true
    if tid == 1 then
      return wrk.format(nil, nil, nil, table.concat(parts, prefix .. "-0-0"))
    end
  end
  sent = sent + 1
  local key = prefix .. "-" .. tid .. "-" .. sent
  pending[key] = true
  return wrk.format(nil, nil, nil, table.concat(parts, key))
end

function response(status, headers, body)
  answered = answered + 1
  local key = body:match(key_pattern)
  if key then
    pending[key] = nil
    if status == 200 and not body:find('"errors"%s*:%s*%[%s*{') then
      successes = successes + 1
    end
  end
end

done = function(summary, latency, requests)
  local totals = { sent = 0, answered = 0, successes = 0 }
  local keys = {}
  for _, thread in ipairs(threads) do
    for name in pairs(totals) do
      totals[name] = totals[name] + thread:get(name)
    end
    for key in pairs(thread:get("pending")) do
      keys[#keys + 1] = '"' .. key .. '"'
    end
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"bytes":%d,"errors":{"connect":%d,"read":%d,' ..
    '"write":%d,"status":%d,"timeout":%d},"p50_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"keyed":{"sent":%d,"answered":%d,"successes":%d,"pending":[%s]}}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
    e.status, e.timeout, latency:percentile(50), latency:percentile(99), latency.max,
    totals.sent, totals.answered, totals.successes, table.concat(keys, ",")))
end
