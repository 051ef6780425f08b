-- wrk: PUT a new resource group each request (a management write: one row, its change-feed
-- entry and, from issue 11 on, its audit entry). Names are unique per thread and request.
local counter = 0
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
function request()
  counter = counter + 1
  local path = string.format("/subscriptions/%s/resourcegroups/bench-%d-%d-%d?api-version=2024-11-01",
    wrk.subscription or os.getenv("SUB"), tid or 0, os.time(), counter)
  return wrk.format("PUT", path, {
    ["Authorization"] = "Bearer " .. os.getenv("TOKEN"),
    ["Content-Type"] = "application/json",
  }, '{"location":"westeurope"}')
end
