/**
 * Appends a broadcast to the channel's Redis Stream and publishes it, in one atomic step:
 * Redis runs a script alone, so every instance sees broadcasts in the same order as the
 * stream's ids, and no instance can read an id from the stream before its message was
 * published.
 *
 * KEYS[1]: the channel's stream; KEYS[2]: its own-id index, a hash from each event's own id
 * to its stream id (the newest event with that id); KEYS[3]: the index's order, a list of
 * `<stream id> <own id>` in stream order. ARGV: the pub/sub channel, max events (-1: no
 * bound), max age in ms (-1: no bound), the frame body, the header (JSON), the event's own id
 * ('' if none), the command that publishes (`PUBLISH`, or
 * `SPUBLISH` in a cluster, where the pub/sub channel is the stream's key, so in its slot).
 * KEYS[4], for a relay's log: the relay's record, whose lifetime the log's keys take. Returns
 * the new entry's id. The message published is `<id>
<header>
<body>`.
 *
 * Trimming: below 100 events the bound is exact; above, `~` lets Redis trim whole nodes of
 * its radix tree, which is far cheaper and keeps at most one node (100 entries) extra. The age
 * bound trims with MINID the same way and expires an idle channel's keys. Then the index
 * forgets the events older than the stream's first entry, reading the order list from its
 * head (at most 1000 per publish, amortized O(1) per event; never the events' bodies). Replay
 * checks the exact bounds, so what a client can resume from does not depend on how Redis
 * trimmed.
 */
export const PUBLISH_SCRIPT = `
local stream = KEYS[1]
local index = KEYS[2]
local order = KEYS[3]
local ownId = ARGV[6]
local fields = {'b', ARGV[4], 'h', ARGV[5]}
if ownId ~= '' then
  fields[5] = 'i'
  fields[6] = ownId
end
local maxEvents = tonumber(ARGV[2])
local id
if maxEvents < 0 then
  id = redis.call('XADD', stream, '*', unpack(fields))
elseif maxEvents < 100 then
  id = redis.call('XADD', stream, 'MAXLEN', '=', maxEvents, '*', unpack(fields))
else
  id = redis.call('XADD', stream, 'MAXLEN', '~', maxEvents, '*', unpack(fields))
end
local maxAge = tonumber(ARGV[3])
if maxAge >= 0 then
  local ms = tonumber(string.match(id, '^(%d+)'))
  redis.call('XTRIM', stream, 'MINID', '~', string.format('%d-0', math.max(ms - maxAge, 0)))
end
if ownId ~= '' then
  redis.call('HSET', index, ownId, id)
  redis.call('RPUSH', order, id .. ' ' .. ownId)
end
if redis.call('EXISTS', order) == 1 then
  local first = redis.call('XRANGE', stream, '-', '+', 'COUNT', 1)[1]
  local firstMs, firstSeq
  if first then
    firstMs, firstSeq = string.match(first[1], '^(%d+)-(%d+)$')
    firstMs, firstSeq = tonumber(firstMs), tonumber(firstSeq)
  end
  for _ = 1, 1000 do
    local head = redis.call('LINDEX', order, 0)
    if not head then break end
    local space = string.find(head, ' ', 1, true)
    local headId = string.sub(head, 1, space - 1)
    if first then
      local ms, seq = string.match(headId, '^(%d+)-(%d+)$')
      ms, seq = tonumber(ms), tonumber(seq)
      if ms > firstMs or (ms == firstMs and seq >= firstSeq) then break end
    end
    local headOwnId = string.sub(head, space + 1)
    if redis.call('HGET', index, headOwnId) == headId then redis.call('HDEL', index, headOwnId) end
    redis.call('LPOP', order)
  end
end
if maxAge >= 0 then
  local ttl = math.max(maxAge, 1)
  redis.call('PEXPIRE', stream, ttl)
  redis.call('PEXPIRE', index, ttl)
  redis.call('PEXPIRE', order, ttl)
end
if KEYS[4] then
  local ttl = redis.call('PTTL', KEYS[4])
  if ttl > 0 then
    redis.call('PEXPIRE', stream, ttl)
    redis.call('PEXPIRE', index, ttl)
    redis.call('PEXPIRE', order, ttl)
  end
end
redis.call(ARGV[7], ARGV[1], id .. '\\n' .. ARGV[5] .. '\\n' .. ARGV[4])
return id
`

/**
 * Reads a channel's history after a client's `Last-Event-ID`. Its cost does not depend on the
 * cursor: a stream id is looked up directly, an event's own id through the index.
 *
 * KEYS[1]: the channel's stream; KEYS[2]: its own-id index (see the publish script). ARGV:
 * the cursor; its kind, `s`
 * for a stream id (valid, checked by the caller), `o` for an event's own id, `` for none (only
 * the newest id is wanted); max events, max bytes and max age in ms (-1: no bound); and '1' to
 * return the entries after a stream-id cursor even when the cursor itself is gone (an instance
 * catching up after a lost connection) or '0'.
 * Returns `{found, newest id or false, entries}`; entries as XRANGE gives them.
 *
 * The cursor is found when it is the newest entry (nothing was missed, however old it is), or
 * when it is in the history: among the newest `max events`, with it and the entries after it
 * within `max bytes`, and younger than `max age`.
 */
export const REPLAY_SCRIPT = `
local key = KEYS[1]
local cursor = ARGV[1]
local kind = ARGV[2]
local maxEvents = tonumber(ARGV[3])
local maxBytes = tonumber(ARGV[4])
local maxAge = tonumber(ARGV[5])
local newest = redis.call('XREVRANGE', key, '+', '-', 'COUNT', 1)[1]
local last = false
if newest then last = newest[1] end
if kind == 's' and cursor == last then return {1, last, {}} end
local function after(id)
  if maxEvents < 0 then return redis.call('XRANGE', key, '(' .. id, '+') end
  return redis.call('XRANGE', key, '(' .. id, '+', 'COUNT', maxEvents)
end
local function lost()
  if ARGV[6] == '1' and kind == 's' and last then return {0, last, after(cursor)} end
  return {0, last, {}}
end
if not last or kind == '' then return lost() end
local at = false
if kind == 's' then
  at = redis.call('XRANGE', key, cursor, cursor)[1]
else
  local id = redis.call('HGET', KEYS[2], cursor)
  if id then at = redis.call('XRANGE', key, id, id)[1] end
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
