-- wrk script for bench/tracker.js: BEP 3 announces over many swarms.
-- wrk args (after `--`): HASHES_FILE PEERS_FILE MODE [SLOTS]
--   HASHES_FILE: one percent-encoded 20-byte info-hash per line
--   PEERS_FILE:  one percent-encoded 20-byte peer id per line (an even count)
--   MODE:        "close" (Connection: close, a new connection per request) or "keepalive"
--   SLOTS:       peers per swarm (default 50)
-- Peer g (its id, port 10000+g, seeder when g is even) joins swarm h in slot k when
-- g = (h + 131 k) mod #peers, so each swarm has SLOTS distinct peers, a peer is in many
-- swarms with one id (like a real client), and half of the announces come from seeders.
-- done() prints one line "WRKJSON {...}" that bench/tracker.js parses.

local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

local hashes, peers, headers, slots = {}, {}, {}, 50

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then hashes[#hashes + 1] = line end
  end
  for line in io.lines(args[2]) do
    if #line > 0 then peers[#peers + 1] = line end
  end
  if args[3] == "close" then headers["Connection"] = "close" end
  slots = tonumber(args[4] or "50")
  math.randomseed(os.time() * 1000 + (tid or 0) * 7919)
  ok, bad_status, failures = 0, 0, 0
end

function request()
  local h = math.random(#hashes)
  local k = math.random(slots)
  local g = (h + k * 131) % #peers -- 0-based peer number
  local left = (g % 2 == 0) and "0" or "1048576"
  local ev = (math.random(10) == 1) and "&event=started" or ""
  local path = "/announce?info_hash=" .. hashes[h] .. "&peer_id=" .. peers[g + 1] ..
    "&port=" .. (10000 + g) .. "&uploaded=0&downloaded=0&left=" .. left ..
    "&compact=1&numwant=50" .. ev
  return wrk.format("GET", path, headers)
end

function response(status, hdrs, body)
  if status ~= 200 then
    bad_status = bad_status + 1
  elseif body == nil or string.find(body, "failure reason", 1, true) then
    failures = failures + 1
  else
    ok = ok + 1
  end
end

function done(summary, latency, requests)
  local o, b, f = 0, 0, 0
  for _, t in ipairs(threads) do
    o = o + (t:get("ok") or 0)
    b = b + (t:get("bad_status") or 0)
    f = f + (t:get("failures") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"ok":%d,"bad_status":%d,"failures":%d,' ..
    '"connect_errors":%d,"read_errors":%d,"write_errors":%d,"timeouts":%d,' ..
    '"latency_p50_us":%d,"latency_p99_us":%d}\n',
    summary.requests, summary.duration, o, b, f,
    e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
