-- wrk: POST the authorize page's sign-in form (the right password) again and again.
-- Body (csrf, step=signin, q, username, password) and the matching CSRF cookie come from the
-- environment; every answer should be the consent page (200): anything else counts as an error.
wrk.method = "POST"
wrk.body = os.getenv("SIGNIN_BODY")
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = os.getenv("SIGNIN_COOKIE")
-- The body names bench0@contoso.com; each request signs in the next of 16 users.
local n = 0
request = function()
  n = n + 1
  local body = string.gsub(wrk.body, "bench0%%40", "bench" .. (n % 16) .. "%%40")
  return wrk.format(nil, nil, nil, body)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("errors=%d\n", e.status + e.connect + e.read + e.write + e.timeout))
end
