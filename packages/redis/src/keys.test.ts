import { relayLogChannel } from '@ssekit/core/backplane'
import { describe, expect, it } from 'vitest'
import { channelKeys, clusterKeys, serverKeys } from './keys.js'

/** The part of a key Redis Cluster hashes: the first `{…}` when not empty, else all of it. */
function hashed(key: string | Buffer): string {
  const text = Buffer.from(key).toString('latin1')
  const open = text.indexOf('{')
  const close = open < 0 ? -1 : text.indexOf('}', open + 1)
  return close > open + 1 ? text.slice(open + 1, close) : text
}

describe('the keys of a channel', () => {
  it('on one server: the prefix and the name, as before', () => {
    const keys = serverKeys('ssekit:')
    expect(keys.channel('news')).toBe('ssekit:news')
    expect(keys.relay('r1').toString('latin1')).toBe('ssekit:\xffrelay:r1')
  })

  it('in a cluster: all in the slot of the channel, whatever its name', () => {
    const keys = clusterKeys('ssekit:')
    expect(keys.channel('news')).toBe('ssekit:{news}')
    for (const name of ['news', '}', '}x{', 'a}b', '\\', '\\}', '{}', 'é{x}']) {
      const [stream, ...others] = channelKeys(keys.channel(name))
      expect(hashed(stream)).not.toBe(stream)
      for (const key of others) expect(hashed(key)).toBe(hashed(stream))
    }
    const log = keys.channel(relayLogChannel('r1'))
    expect(hashed(keys.relay('r1'))).toBe(hashed(log))
  })

  it('in a cluster: a key of its own for every name', () => {
    const keys = clusterKeys('p:')
    const names = ['}', '\\}', '\\\\}', 'x', '\\x', '}x', '\\', '\\\\']
    expect(new Set(names.map((name) => keys.channel(name))).size).toBe(names.length)
  })
})
