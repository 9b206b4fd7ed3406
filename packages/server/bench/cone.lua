-- wrk's script for cone.bench.ts: 1° cone searches on demo.stars, posted to the URL given to wrk (TAP /sync), with
-- centres drawn uniformly on the sphere (seeded by the second argument) or, with the argument "fixed", one centre.
-- Prints one JSON line at the end: requests, seconds, p50 and p99 in µs, answers that failed (a status other than
-- 200, an empty body or an error document, DALI §5.2), and socket errors.
local fixed = false
-- A global: done() reads it from each thread.
failed = 0
local threads = {}

local function urlencode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function setup(thread)
  table.insert(threads, thread)
end

-- The second argument seeds the centres: cone.bench.ts gives each level its own, so that no level repeats another's.
function init(args)
  fixed = args[1] == "fixed"
  math.randomseed(tonumber(args[2]) or 20261124)
end

function request()
  local ra, dec = 210.5, -30.25
  if not fixed then
    ra = math.random() * 360
    dec = math.deg(math.asin(2 * math.random() - 1))
  end
  local query = string.format(
    "SELECT star_id, ra, dec, g_mag, r_mag FROM demo.stars WHERE 1 = CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', %.6f, %.6f, 1))",
    ra, dec)
  return wrk.format("POST", nil, { ["Content-Type"] = "application/x-www-form-urlencoded" }, "LANG=ADQL&QUERY=" .. urlencode(query))
end

function response(status, headers, body)
  if status ~= 200 or body == nil or #body == 0 or body:find('value="ERROR"', 1, true) then
    failed = failed + 1
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("failed") end
  local e = summary.errors
  io.write(string.format('{"requests":%d,"seconds":%.6f,"p50":%d,"p99":%d,"failed":%d,"socketErrors":%d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(99), total,
    e.connect + e.read + e.write + e.timeout))
end
