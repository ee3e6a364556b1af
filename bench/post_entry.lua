-- POST a distinct diary entry per request (a new dt and situation each time), so that the benchmark
-- measures validated inserts, not dedupe. run.py sets BENCH_NONCE anew for every wrk run (warm-up and
-- each pass), so no two runs repeat a body either. Dates start at 2030, after every seeded entry.
dofile(os.getenv("BENCH_DIR") .. "/statuses.lua")

local counter = 0
local nonce = os.getenv("BENCH_NONCE") or tostring(os.time())
local base = 1893456000 -- 2030-01-01T00:00:00Z
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

request = function()
  counter = counter + 1
  local dt = os.date("!%Y-%m-%dT%H:%M:%SZ", base + counter)
  local body = string.format(
    '{"@type": "https://ns.hyperdiary.org/diary/schema/entry/emotion:1", "dt": "%s", ' ..
    '"emotion": "sad", "intensity": 3, "situation": "bench %s %d"}', dt, nonce, counter)
  return wrk.format(nil, nil, nil, body)
end
