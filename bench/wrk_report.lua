-- wrk's report for bench/load.py: one line it parses, with the percentiles wrk's --latency
-- table does not print (p95). Latencies are in microseconds.
done = function(summary, latency, requests)
  io.write(string.format(
    "bench-result p50=%d p95=%d p99=%d max=%d requests=%d duration=%d bytes=%d " ..
    "status_errors=%d connect_errors=%d read_errors=%d write_errors=%d timeouts=%d\n",
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    summary.requests, summary.duration, summary.bytes,
    summary.errors.status, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.timeout))
end
