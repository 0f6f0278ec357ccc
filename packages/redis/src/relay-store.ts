import {
  relayLogChannel,
  type RelayState,
  type RelayStatus,
  type RelayStore,
} from '@ssekit/core/backplane'
import { describe } from '@ssekit/core/adapter'
import { channelKeys, type KeyLayout } from './keys.js'
import type { Commands } from './link.js'
import { luaScript, runScript, type Script } from './script.js'

/**
 * Stores a new relay's state unless its id is taken, in one step with `SET NX`; a relay's log
 * left by an earlier relay of that id (which cannot be attached any more: its record is gone)
 * is deleted, so the new relay's log starts empty.
 *
 * KEYS[1]: the relay's key; KEYS[2..4]: its log channel's keys. ARGV: the state (JSON), its
 * lifetime in ms (-1: none). Returns 1 when it stored the state, 0 when the id is taken.
 */
const CREATE_SCRIPT = luaScript(`
local stored
if ARGV[2] == '-1' then
  stored = redis.call('SET', KEYS[1], ARGV[1], 'NX')
else
  stored = redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2])
end
if not stored then return 0 end
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4])
return 1
`)

/**
 * Replaces a relay's state only while the stored one is `running`, in one step: Redis runs a
 * script alone, so of two instances ending the same relay (or one renewing its lease while
 * another stops it) exactly one sees `running`, and a finished relay never runs again. The
 * relay's log gets the record's lifetime, so both go together.
 *
 * KEYS[1]: the relay's key; KEYS[2..4]: its log channel's keys. ARGV: the new state (JSON),
 * its lifetime in ms (-1: none). Returns 1 when it replaced the state, 0 when the relay is
 * gone or no longer running.
 */
const UPDATE_SCRIPT = luaScript(`
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
local ok, state = pcall(cjson.decode, current)
if not ok or type(state) ~= 'table' or state.status ~= 'running' then return 0 end
if ARGV[2] == '-1' then
  redis.call('SET', KEYS[1], ARGV[1])
  for i = 2, 4 do redis.call('PERSIST', KEYS[i]) end
else
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  for i = 2, 4 do redis.call('PEXPIRE', KEYS[i], ARGV[2]) end
end
return 1
`)

const STATUSES: ReadonlySet<string> = new Set<RelayStatus>(['running', 'done', 'failed', 'stopped'])

/**
 * Keeps relays' shared state in Redis: one string key per relay holding its state as JSON,
 * with the relay's expiry as the key's own, which its log's keys follow.
 */
export class RedisRelayStore implements RelayStore {
  readonly #client: Commands
  readonly #keys: KeyLayout
  readonly #failure: (error: unknown) => unknown

  /**
   * @param client - The command connection, with the backplane's command timeout.
   * @param keys - The backplane's key layout.
   * @param failure - Turns a failed command's error into the one to reject with.
   */
  constructor(client: Commands, keys: KeyLayout, failure: (error: unknown) => unknown) {
    this.#client = client
    this.#keys = keys
    this.#failure = failure
  }

  createRelay(id: string, state: RelayState, ttl: number): Promise<boolean> {
    return this.#write(CREATE_SCRIPT, id, state, ttl)
  }

  readRelay(id: string): Promise<RelayState | undefined> {
    checkId(id)
    return this.#client.get(this.#keys.relay(id)).then((value) => {
      return value === null ? undefined : decodeState(value)
    }, this.#reject)
  }

  updateRelay(id: string, state: RelayState, ttl: number): Promise<boolean> {
    return this.#write(UPDATE_SCRIPT, id, state, ttl)
  }

  /** Runs a script that writes the relay's record and sets its log's lifetime. */
  #write(script: Script, id: string, state: RelayState, ttl: number): Promise<boolean> {
    checkId(id)
    const value = encodeState(state)
    const lifetime = checkTtl(ttl)
    return runScript(this.#client, script, {
      keys: [this.#keys.relay(id), ...channelKeys(this.#keys.channel(relayLogChannel(id)))],
      arguments: [value, lifetime === undefined ? '-1' : String(lifetime)],
    }).then((written) => written === 1, this.#reject)
  }

  readonly #reject = (error: unknown): never => {
    throw this.#failure(error)
  }
}

/**
 * @param id - A relay's id.
 * @throws TypeError when it is not a non-empty string.
 */
function checkId(id: string): void {
  if (typeof id !== 'string' || id === '') {
    throw new TypeError(`A relay id must be a non-empty string; got ${describe(id)}.`)
  }
}

/**
 * @param ttl - A relay's lifetime as the hub gives it.
 * @returns Whole milliseconds for `PX`, at least 1; `undefined` for no expiry (`Infinity`).
 * @throws TypeError when it is not a positive number.
 */
function checkTtl(ttl: number): number | undefined {
  if (typeof ttl !== 'number' || !(ttl > 0)) {
    throw new TypeError(`A relay's "ttl" must be a positive number of ms; got ${describe(ttl)}.`)
  }
  return ttl === Infinity ? undefined : Math.ceil(ttl)
}

/**
 * @param state - A relay's state.
 * @returns Its JSON, with the fields of {@link RelayState} alone.
 * @throws TypeError when a field is not what the state needs.
 */
function encodeState(state: RelayState): string {
  if (typeof state !== 'object' || (state as unknown) === null) {
    throw new TypeError(`A relay's state must be an object; got ${describe(state)}.`)
  }
  const { status, events, reason, leaseUntil } = state
  if (!isStatus(status)) {
    throw new TypeError(`A relay's "status" must be a RelayStatus; got ${describe(status)}.`)
  }
  if (!Number.isSafeInteger(events) || events < 0) {
    throw new TypeError(`A relay's "events" must be a count; got ${describe(events)}.`)
  }
  if (reason !== undefined && typeof reason !== 'string') {
    throw new TypeError(`A relay's "reason" must be a string; got ${describe(reason)}.`)
  }
  if (!Number.isFinite(leaseUntil)) {
    throw new TypeError(`A relay's "leaseUntil" must be a time in ms; got ${describe(leaseUntil)}.`)
  }
  return JSON.stringify({ status, events, reason, leaseUntil })
}

/**
 * @param value - A relay key's content, written by {@link encodeState}.
 * @returns The state.
 * @throws Error when the key holds something else.
 */
function decodeState(value: string): RelayState {
  let state: Partial<RelayState> | null
  try {
    state = JSON.parse(value) as Partial<RelayState> | null
  } catch {
    state = null
  }
  const { status, events, reason, leaseUntil } = state ?? {}
  if (
    !isStatus(status) ||
    typeof events !== 'number' ||
    typeof leaseUntil !== 'number' ||
    (reason !== undefined && typeof reason !== 'string')
  ) {
    throw new Error('A relay key in Redis holds something other than a relay state.')
  }
  return reason === undefined
    ? { status, events, leaseUntil }
    : { status, events, reason, leaseUntil }
}

function isStatus(value: unknown): value is RelayStatus {
  return typeof value === 'string' && STATUSES.has(value)
}
