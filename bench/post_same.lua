-- POST the same body (BENCH_BODY) every time: the ceiling's validated POST (201), and hyperdiary's
-- dedupe path (one 201, then 200 with the stored entry).
dofile(os.getenv("BENCH_DIR") .. "/statuses.lua")

wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY")
wrk.headers["Content-Type"] = "application/json"
