-- wrk script posting the same rank requests as `adsml load`: rotating users and hours, 1000
-- candidates and 5 slots each. Used by the serving benchmark and for the thread breakdown:
--   wrk -t1 -c8 -d20s -s tests/rank.lua http://127.0.0.1:8080
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local n = 0
request = function()
  n = n + 1
  local body = string.format('{"userId":"u%d","context":{"surface":"home_feed","device":"ios",'
    .. '"country":"US","hour":%d},"slots":5,"deadlineMs":200}', (n * 7919) % 50000, n % 24)
  return wrk.format(nil, "/v1/rank", nil, body)
end
