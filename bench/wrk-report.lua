-- wrk's summary as one JSON line for bench/serve.py: requests/s, p50 and p95 latency (ms),
-- non-2xx/3xx answers and socket errors.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"rps": %.2f, "p50_ms": %.3f, "p95_ms": %.3f, "requests": %d, "non2xx": %d, "errors": %d}\n',
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    summary.requests, e.status, e.connect + e.read + e.write + e.timeout))
end
