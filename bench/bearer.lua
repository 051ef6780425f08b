-- wrk: GET with bearer tokens taken in turn from TOKENS_FILE (one per line), or BEARER alone
-- (for the proxy benchmark). Requests are built once in init (after wrk has set Host).
local reqs, n, i = {}, 0, 0
function init(args)
  local file = os.getenv("TOKENS_FILE")
  if file and file ~= "" then
    for tok in io.lines(file) do
      if #tok > 0 then
        reqs[#reqs + 1] = wrk.format(nil, nil, { ["Host"] = wrk.headers["Host"], ["Authorization"] = "Bearer " .. tok }, nil)
      end
    end
  else
    reqs[1] = wrk.format(nil, nil, { ["Host"] = wrk.headers["Host"], ["Authorization"] = "Bearer " .. (os.getenv("BEARER") or "") }, nil)
  end
  n = #reqs
end
request = function()
  i = i % n + 1
  return reqs[i]
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("errors=%d\n", e.status + e.connect + e.read + e.write + e.timeout))
end
