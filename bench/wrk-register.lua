-- wrk's clerks for bench/load.py: each request POSTs one weapon to /api/v1/arms/items with a
-- serial of its own (the run's prefix, the wrk thread's number, the thread's own counter).
--
--   wrk -t1 -c50 -d11s --timeout 60s -H "Authorization: Bearer ..." -s wrk-register.lua \
--       http://127.0.0.1:PORT -- PREFIX WINDOW_SECONDS
--
-- Requests are sent for WINDOW_SECONDS; then no connection sends another (delay()), so those
-- in flight are answered within wrk's -d and the client knows the fate of every request it
-- sent: the database must then hold exactly the registrations answered 201. done() writes one
-- JSON line: answers 201 (all, and within the window), other answers (count and the first),
-- requests sent and answered, latency percentiles (ms, wrk's histogram: every answer), socket
-- errors.
local ffi = require("ffi")
ffi.cdef([[
  typedef struct { long tv_sec; long tv_nsec; } laydown_timespec;
  int clock_gettime(int clk_id, laydown_timespec *tp);
]])
local now_ts = ffi.new("laydown_timespec")
local function now()
  ffi.C.clock_gettime(1, now_ts) -- CLOCK_MONOTONIC
  return tonumber(now_ts.tv_sec) + tonumber(now_ts.tv_nsec) / 1e9
end

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

-- per thread (each wrk thread has its own Lua state)
local prefix, deadline
local headers = { ["Content-Type"] = "application/json" }
sent, answered, created, created_in_window, refused, first_refusal = 0, 0, 0, 0, 0, ""

function init(args)
  for name, value in pairs(wrk.headers) do -- -H's: wrk.format takes these or ours, not both
    headers[name] = value
  end
  prefix = string.format("%sT%02d", args[1], id)
  deadline = now() + tonumber(args[2])
  math.randomseed(id + 1)
end

function delay()
  if now() < deadline then
    return 0
  end
  return 3600000 -- the window is over: send nothing more, let wrk's -d end
end

function request()
  sent = sent + 1
  local body = string.format(
    '{"site": "cp-1", "category": "sa_assault_rifle", "make": "Kalashnikov", '
      .. '"model": "AKM", "calibre": "7.62x39mm", "serial": "%sN%07d", "year": %d, '
      .. '"condition": "serviceable"}',
    prefix,
    sent,
    math.random(1950, 2015)
  )
  return wrk.format("POST", "/api/v1/arms/items", headers, body)
end

function response(status, _headers, body)
  answered = answered + 1
  if status == 201 then
    created = created + 1
    if now() <= deadline then
      created_in_window = created_in_window + 1
    end
  else
    refused = refused + 1
    if first_refusal == "" then
      first_refusal = status .. " " .. string.sub(body, 1, 200)
    end
  end
end

local function json_string(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    return string.format("\\u%04x", c:byte())
  end) .. '"'
end

function done(summary, latency, _requests)
  local total = { sent = 0, answered = 0, created = 0, created_in_window = 0, refused = 0 }
  local first = ""
  for _, thread in ipairs(threads) do
    for key in pairs(total) do
      total[key] = total[key] + thread:get(key)
    end
    if first == "" then
      first = thread:get("first_refusal")
    end
  end
  -- wrk calls request() once more on its first thread to check the script
  -- (script_verify_request): that request is never sent
  total.sent = total.sent - 1
  local e = summary.errors
  io.write(string.format(
    '{"sent": %d, "answered": %d, "created": %d, "created_in_window": %d, "refused": %d, '
      .. '"first_refusal": %s, "p50_ms": %.3f, "p95_ms": %.3f, "p99_ms": %.3f, '
      .. '"socket_errors": %d}\n',
    total.sent, total.answered, total.created, total.created_in_window, total.refused,
    json_string(first), latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, e.connect + e.read + e.write + e.timeout
  ))
end
