/**
 * Appends a broadcast to the channel's Redis Stream and publishes it, in one atomic step:
 * Redis runs a script alone, so every instance sees broadcasts in the same order as the
 * stream's ids, and no instance can read an id from the stream before its message was
 * published.
 *
 * KEYS[1]: the channel's stream. ARGV: the pub/sub channel, max events (-1: no bound), max
 * age in ms (-1: no bound), the frame body, the header (JSON), the event's own id ('' if none).
 * Returns the new entry's id. The message published is `<id>\n<header>\n<body>`.
 *
 * Trimming: below 100 events the bound is exact; above, `~` lets Redis trim whole nodes of
 * its radix tree, which is far cheaper and keeps at most one node (100 entries) extra. The age
 * bound trims with MINID the same way and expires an idle channel's stream. Replay checks the
 * exact bounds, so what a client can resume from does not depend on how Redis trimmed.
 */
export const PUBLISH_SCRIPT = `
local fields = {'b', ARGV[4], 'h', ARGV[5]}
if ARGV[6] ~= '' then
  fields[5] = 'i'
  fields[6] = ARGV[6]
end
local maxEvents = tonumber(ARGV[2])
local id
if maxEvents < 0 then
  id = redis.call('XADD', KEYS[1], '*', unpack(fields))
elseif maxEvents < 100 then
  id = redis.call('XADD', KEYS[1], 'MAXLEN', '=', maxEvents, '*', unpack(fields))
else
  id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', maxEvents, '*', unpack(fields))
end
local maxAge = tonumber(ARGV[3])
if maxAge >= 0 then
  local ms = tonumber(string.match(id, '^(%d+)'))
  redis.call('XTRIM', KEYS[1], 'MINID', '~', string.format('%d-0', math.max(ms - maxAge, 0)))
  redis.call('PEXPIRE', KEYS[1], math.max(maxAge, 1))
end
redis.call('PUBLISH', ARGV[1], id .. '\\n' .. ARGV[5] .. '\\n' .. ARGV[4])
return id
`

/**
 * Reads a channel's history after a client's `Last-Event-ID`.
 *
 * KEYS[1]: the channel's stream. ARGV: the cursor (a stream id, or an event's own id), max
 * events, max bytes and max age in ms (-1: no bound), and '1' to return the entries after a
 * stream-id cursor even when the cursor itself is gone (an instance catching up after a lost
 * connection) or '0'.
 * Returns `{found, newest id or false, entries}`; entries as XRANGE gives them.
 *
 * The cursor is found when it is the newest entry (nothing was missed, however old it is), or
 * when it is in the history: among the newest `max events`, with it and the entries after it
 * within `max bytes`, and younger than `max age`.
 */
export const REPLAY_SCRIPT = `
local key = KEYS[1]
local cursor = ARGV[1]
local maxEvents = tonumber(ARGV[2])
local maxBytes = tonumber(ARGV[3])
local maxAge = tonumber(ARGV[4])
local newest = redis.call('XREVRANGE', key, '+', '-', 'COUNT', 1)[1]
local last = false
if newest then last = newest[1] end
if cursor == last then return {1, last, {}} end
local isId = string.match(cursor, '^%d+%-%d+$') ~= nil
local function after(id)
  if maxEvents < 0 then return redis.call('XRANGE', key, '(' .. id, '+') end
  return redis.call('XRANGE', key, '(' .. id, '+', 'COUNT', maxEvents)
end
local function lost()
  if ARGV[5] == '1' and isId and last then return {0, last, after(cursor)} end
  return {0, last, {}}
end
if not last or cursor == '' then return lost() end
local at = false
if isId then
  at = redis.call('XRANGE', key, cursor, cursor)[1]
else
  local recent
  if maxEvents < 0 then recent = redis.call('XREVRANGE', key, '+', '-')
  else recent = redis.call('XREVRANGE', key, '+', '-', 'COUNT', maxEvents) end
  for _, entry in ipairs(recent) do
    local fields = entry[2]
    for i = 1, #fields, 2 do
      if fields[i] == 'i' and fields[i + 1] == cursor then at = entry end
    end
    if at then break end
  end
end
if not at then return lost() end
if maxAge >= 0 then
  local time = redis.call('TIME')
  local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
  if tonumber(string.match(at[1], '^(%d+)')) < now - maxAge then return lost() end
end
local entries = after(at[1])
if maxEvents >= 0 and #entries > maxEvents - 1 then return lost() end
if maxBytes >= 0 then
  local function size(entry)
    local fields = entry[2]
    for i = 1, #fields, 2 do
      if fields[i] == 'b' then return #fields[i + 1] end
    end
    return 0
  end
  local bytes = size(at)
  for _, entry in ipairs(entries) do bytes = bytes + size(entry) end
  if bytes > maxBytes then return lost() end
end
return {1, last, entries}
`
