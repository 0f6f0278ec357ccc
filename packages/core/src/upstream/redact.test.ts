import { afterEach, describe, expect, it } from 'vitest'
import { listen } from '@ssekit/test-helpers/listen'
import { startUpstream, type Upstream } from '@ssekit/test-helpers/upstream'
import { SseTimeoutError, SseUpstreamError } from './errors.js'
import { redactHeaders, redactUrl } from '../util/redact.js'
import type { SseRequestOptions } from './options.js'
import { sseRequest } from './request.js'

let upstream: Upstream | undefined
afterEach(async () => {
  await upstream?.close()
  upstream = undefined
})

/** Query parameters that carry credentials under names that do not say so. */
const SECRET_PARAMS = [
  'sig',
  'code',
  'pwd',
  'pass',
  'jwt',
  'otp',
  'hmac',
  'signature',
  'X-Amz-Signature',
  'X-Amz-Credential',
  'X-Goog-Signature',
  'X-Goog-Credential',
  'key',
  'api_key',
  'access_token',
  'client_secret',
  'se',
  'sv',
]

/** Headers that carry credentials under names the old rule missed, and the usual ones. */
const SECRET_HEADERS = [
  'X-Bearer',
  'X-JWT',
  'X-CSRF-Token',
  'X-XSRF-TOKEN',
  'X-Client-Cert',
  'X-Hub-Signature-256',
  'X-Sig',
  'X-Api-Key',
  'Authorization',
  'Cookie',
]

const query = SECRET_PARAMS.map((name, index) => `${name}=SECRET-q${index}`).join('&')
const redactedQuery = SECRET_PARAMS.map((name) => `${name}=[redacted]`).join('&')
const headers = Object.fromEntries(SECRET_HEADERS.map((name, index) => [name, `SECRET-h${index}`]))

describe('the redaction rules', () => {
  it('redact every query value except those of known harmless names', () => {
    const url = new URL(
      `https://me:pw@api.test/v1/chat?model=m&${query}&stream=true&api-version=2#f`
    )
    expect(redactUrl(url)).toBe(
      `https://api.test/v1/chat?model=m&${redactedQuery}&stream=true&api-version=2`
    )
  })

  it('redact a lone name, which may be the credential itself, unless it is harmless', () => {
    expect(redactUrl(new URL('https://api.test/?0123abcd&stream'))).toBe(
      'https://api.test/?[redacted]&stream'
    )
  })

  it('redact every credential-like header and keep the rest', () => {
    const redacted = redactHeaders(new Headers({ ...headers, Accept: 'text/event-stream' }))
    expect(JSON.stringify(redacted)).not.toContain('SECRET')
    expect(Object.keys(redacted)).toHaveLength(SECRET_HEADERS.length + 1)
    expect(redacted.accept).toBe('text/event-stream')
  })

  it('redact the query of a URL in a response header', () => {
    const redacted = redactHeaders(
      new Headers({
        Location: 'https://cdn.test/file?sig=SECRET-1&v=2',
        'Content-Location': '/file?X-Amz-Signature=SECRET-2',
        'X-Trace': 'abc',
      })
    )
    expect(redacted).toEqual({
      location: 'https://cdn.test/file?sig=[redacted]&v=2',
      'content-location': '/file?X-Amz-Signature=[redacted]',
      'x-trace': 'abc',
    })
    expect(redactHeaders(new Headers({ Location: '//cdn.test/f?sig=SECRET-3' }))).toEqual({
      location: 'http://cdn.test/f?sig=[redacted]',
    })
  })
})

describe('what leaves the library', () => {
  /** Runs a request that fails and returns its error and debug records. */
  async function fail(
    options: Omit<SseRequestOptions, 'debug'>
  ): Promise<{ error: Error; log: string }> {
    const records: unknown[] = []
    const error = (await sseRequest({
      ...options,
      debug: (message, details) => records.push([message, details]),
    }).catch((caught: unknown) => caught)) as Error
    return { error, log: JSON.stringify(records) }
  }

  it('keeps credentials out of the log, the message and the url of a status error', async () => {
    upstream = await startUpstream((call) => {
      call.open(401, { 'content-type': 'application/json', 'www-authenticate': 'SECRET-www' })
      call.end('{}')
    })
    const url = `${upstream.url}/v1/events?model=m&${query}`
    const { error, log } = await fail({ url, headers })
    expect(error).toBeInstanceOf(SseUpstreamError)
    expect(error).toMatchObject({ url: `${upstream.url}/v1/events?model=m&${redactedQuery}` })
    expect(error.message).toContain(redactedQuery)
    expect(error.message).not.toContain('SECRET')
    expect(log).toContain(redactedQuery)
    expect(log).not.toContain('SECRET')
    const received = await upstream.call(0)
    expect(received.path).toBe(`/v1/events?model=m&${query}`)
    expect(received.headers['x-bearer']).toBe(headers['X-Bearer'])
  })

  it('keeps credentials out of a timeout error', async () => {
    upstream = await startUpstream(() => undefined)
    const url = `${upstream.url}/?${query}`
    const { error, log } = await fail({ url, headers, timeout: 50 })
    expect(error).toBeInstanceOf(SseTimeoutError)
    expect(error).toMatchObject({ url: `${upstream.url}/?${redactedQuery}` })
    expect(`${error.message}${log}`).not.toContain('SECRET')
  })

  it('keeps credentials out of a network error', async () => {
    const closed = await listen((_req, res) => res.destroy())
    const { url: base } = closed
    await closed.close()
    const { error, log } = await fail({ url: `${base}/?${query}`, headers })
    expect(error).toMatchObject({ type: 'network', url: `${base}/?${redactedQuery}` })
    expect(`${error.message}${log}`).not.toContain('SECRET')
  })
})
