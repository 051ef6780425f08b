-- wrk: GET with a bearer token from the environment (for the proxy benchmark).
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("BEARER") or "")
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("errors=%d\n", e.status + e.connect + e.read + e.write + e.timeout))
end
