-- wrk script: RFC 7662 introspection POSTs with HTTP Basic client authentication.
-- Env: IN_AUTH ("Basic ..."), IN_BODY ("token=...").
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = os.getenv("IN_AUTH")
wrk.body = os.getenv("IN_BODY")

function response(status, headers, body)
  if status ~= 200 or not string.find(body, '"active":true', 1, true) then
    wrk.thread:stop()
  end
end
