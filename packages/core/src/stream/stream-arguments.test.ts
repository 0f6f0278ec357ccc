import type http from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listen, type Listening } from '@ssekit/test-helpers/listen'
import { formatEvent } from '../event/format.js'
import { lazyNodeStreams, nodeStreams } from '../adapter/lazy-node-stream.js'
import { createNodeSink } from '../sink/node-sink.js'
import type { NodeRequest, NodeResponse } from '../sink/node-types.js'
import { createStreamGroup, type SseStreamGroup } from './stream-group.js'
import { createSseStream, type SseStream } from './stream.js'
import { createWebSink } from '../sink/web-sink.js'
import { recordingSink } from '@ssekit/test-helpers/recording-sink'

/** Whatever a bad call does, it throws or rejects; this gives back what it threw. */
async function failure(call: () => unknown): Promise<unknown> {
  try {
    await call()
  } catch (error) {
    return error
  }
  return undefined
}

const bad = (value: unknown): never => value as never

/**
 * Bad calls on a stream and its group, each with what its TypeError must name. `started`
 * runs the call on a stream that already sent its headers.
 */
const streamCalls: {
  call: string
  run: (stream: SseStream, group: SseStreamGroup) => unknown
  message: RegExp
  started?: boolean
}[] = [
  {
    call: 'init({ heartbeat: -1 })',
    run: (s) => s.init({ heartbeat: -1 }),
    message: /"heartbeat"/,
  },
  {
    call: 'init({ sendTimeout: NaN })',
    run: (s) => s.init({ sendTimeout: NaN }),
    message: /"sendTimeout"/,
  },
  {
    call: 'init({ maxDuration: Infinity })',
    run: (s) => s.init({ maxDuration: Infinity }),
    message: /"maxDuration"/,
  },
  {
    call: 'init({ sendTimeout: 2 ** 31 })',
    run: (s) => s.init({ sendTimeout: 2 ** 31 }),
    message: /"sendTimeout" must be a whole number of milliseconds from 0 to 2147483647/,
  },
  {
    call: 'init({ retry: "1000" })',
    run: (s) => s.init({ retry: bad('1000') }),
    message: /"retry"/,
  },
  {
    call: 'init({ headers: { X: "a\\r\\nSet-Cookie: x" } })',
    run: (s) => s.init({ headers: { 'X-Tag': 'a\r\nSet-Cookie: x' } }),
    message: /"X-Tag" in "headers" must not contain CR, LF/,
  },
  {
    call: 'init({ headers: { "Bad Name": "x" } })',
    run: (s) => s.init({ headers: { 'Bad Name': 'x' } }),
    message: /header name "Bad Name" in "headers"/,
  },
  {
    call: 'init({ headers: [] })',
    run: (s) => s.init({ headers: bad([['X-Tag', 'x']]) }),
    message: /"headers" must be an object/,
  },
  {
    call: 'init({ maxBufferedBytes: -1 })',
    run: (s) => s.init({ maxBufferedBytes: -1 }),
    message: /"maxBufferedBytes"/,
  },
  {
    call: "init({ slowClient: 'drop' })",
    run: (s) => s.init({ slowClient: bad('drop') }),
    message: /"slowClient" must be 'wait' or 'disconnect'/,
  },
  {
    call: 'init({ finalEvent: { id: "a\\nb" } })',
    run: (s) => s.init({ finalEvent: { id: 'a\nb' } }),
    message: /"finalEvent" is not a valid event: .*"id"/,
  },
  {
    call: 'init({ group: {} })',
    run: (s) => s.init({ group: bad({}) }),
    message: /"group" must come from createStreamGroup/,
  },
  { call: 'init("fast")', run: (s) => s.init(bad('fast')), message: /options must be an object/ },
  {
    call: 'init({ heartbeat: -1 }) once started',
    run: (s) => s.init({ heartbeat: -1 }),
    message: /"heartbeat"/,
    started: true,
  },
  { call: 'send()', run: (s) => s.send(bad(undefined)), message: /The event must be an object/ },
  { call: 'send("hi")', run: (s) => s.send(bad('hi')), message: /The event must be an object/ },
  { call: 'send({})', run: (s) => s.send({}), message: /would send nothing/ },
  {
    call: 'send({ event: "a\\rb" })',
    run: (s) => s.send({ event: 'a\rb', data: 'x' }),
    message: /field "event" must not contain CR or LF/,
  },
  {
    call: 'send({ id: "1\\ndata: forged" })',
    run: (s) => s.send({ id: '1\ndata: forged' }),
    message: /field "id" must not contain CR or LF/,
  },
  {
    call: 'send({ id: "a\\0b" })',
    run: (s) => s.send({ id: 'a\0b', data: 'x' }),
    message: /field "id" must not contain NUL/,
  },
  {
    call: 'send({ id: 7 })',
    run: (s) => s.send({ id: bad(7), data: 'x' }),
    message: /field "id" must be a string/,
  },
  {
    call: 'send({ retry: -1 })',
    run: (s) => s.send({ retry: -1 }),
    message: /field "retry" must be a whole number of milliseconds/,
  },
  {
    call: 'send({ retry: 1.5 })',
    run: (s) => s.send({ retry: 1.5 }),
    message: /field "retry"/,
  },
  {
    call: 'send({ data: 1n })',
    run: (s) => s.send({ data: 1n }),
    message: /field "data" cannot be JSON-encoded/,
  },
  {
    call: 'send({ data: new Map() })',
    run: (s) => s.send({ data: new Map([['a', 1]]) }),
    message: /field "data" is of type Map, .*Object\.fromEntries/,
  },
  {
    call: 'send({ data: new Uint8Array() })',
    run: (s) => s.send({ data: new Uint8Array([1]) }),
    message: /field "data" is of type Uint8Array/,
  },
  {
    call: 'send({ data: () => 1 })',
    run: (s) => s.send({ data: () => 1 }),
    message: /field "data" cannot be JSON-encoded/,
  },
  {
    call: 'send({ comment: 5 })',
    run: (s) => s.send({ comment: bad(5) }),
    message: /field "comment" must be a string/,
  },
  {
    call: 'send({ id: "a\\nb" }) once started',
    run: (s) => s.send({ id: 'a\nb', data: 'x' }),
    message: /field "id"/,
    started: true,
  },
  { call: 'comment(null)', run: (s) => s.comment(bad(null)), message: /"text" must be a string/ },
  { call: 'comment({})', run: (s) => s.comment(bad({})), message: /"text" must be a string/ },
  {
    call: 'closeAll(null)',
    run: (_s, g) => g.closeAll(bad(null)),
    message: /"options" of closeAll\(\) must be an object/,
    started: true,
  },
  {
    call: 'closeAll(5000)',
    run: (_s, g) => g.closeAll(bad(5000)),
    message: /"options" of closeAll\(\) must be an object/,
    started: true,
  },
  {
    call: 'closeAll({ grace: -1 })',
    run: (_s, g) => g.closeAll({ grace: -1 }),
    message: /"grace" must be a whole number of milliseconds/,
    started: true,
  },
  {
    call: 'closeAll({ spread: -1 })',
    run: (_s, g) => g.closeAll({ spread: -1 }),
    message: /"spread"/,
  },
  {
    call: 'closeAll({ grace: NaN })',
    run: (_s, g) => g.closeAll({ grace: NaN }),
    message: /"grace"/,
    started: true,
  },
  {
    call: 'closeAll({ grace: 2 ** 31 })',
    run: (_s, g) => g.closeAll({ grace: 2 ** 31 }),
    message: /"grace" must be a whole number of milliseconds from 0 to 2147483647/,
    started: true,
  },
  {
    call: 'closeAll({ grace: "5s" })',
    run: (_s, g) => g.closeAll({ grace: bad('5s') }),
    message: /"grace"/,
    started: true,
  },
  {
    call: 'closeAll({ event: { event: "bye\\ndata: x" } })',
    run: (_s, g) => g.closeAll({ event: { event: 'bye\ndata: x' } }),
    message: /"event" is not a valid event: .*"event" must not contain CR or LF/,
    started: true,
  },
  {
    call: 'closeAll({ event: "bye" })',
    run: (_s, g) => g.closeAll({ event: bad('bye') }),
    message: /"event" is not a valid event/,
    started: true,
  },
]

describe('a stream given bad arguments', () => {
  it.each(streamCalls)(
    '$call fails with a TypeError naming it, writing nothing',
    async ({ run, message, started = false }) => {
      const sink = recordingSink()
      const group = createStreamGroup()
      const stream = createSseStream(sink, { group, heartbeat: 0 })
      if (started) stream.init()
      const written = [...sink.io]

      const error = await failure(() => run(stream, group))

      expect(error).toBeInstanceOf(TypeError)
      expect((error as TypeError).message).toMatch(message)
      expect(sink.io).toEqual(written)
      // The stream is as it was: still open (or still to start), and usable.
      expect(stream.clientDisconnected).toBe(false)
      expect(group.size).toBe(started ? 1 : 0)
      await stream.send({ data: 'fine' })
      expect(sink.io.at(-1)).toBe(`write ${formatEvent({ data: 'fine' })}`)
    }
  )

  it('applies valid options given after a rejected init', () => {
    const sink = recordingSink()
    const stream = createSseStream(sink, { heartbeat: 0 })
    expect(() => stream.init({ retry: 1.5 })).toThrow(TypeError)
    stream.init({ retry: 20 })
    expect(sink.io).toEqual(['open', 'write retry: 20\n\n'])
  })
})

/** Bad arguments for creating a stream or a sink, before there is anything to write to. */
const creations: { call: string; run: () => unknown; message: RegExp }[] = [
  { call: 'createSseStream()', run: () => createSseStream(bad(undefined)), message: /"sink"/ },
  { call: 'createSseStream({})', run: () => createSseStream(bad({})), message: /"sink"/ },
  {
    call: 'createSseStream(response)',
    run: () => createSseStream(bad(new Response('x'))),
    message: /"sink" must be an SseSink/,
  },
  {
    call: 'createSseStream(sink, { heartbeat: 1.5 })',
    run: () => createSseStream(recordingSink(), { heartbeat: 1.5 }),
    message: /"heartbeat"/,
  },
  {
    call: 'createSseStream(sink, 15000)',
    run: () => createSseStream(recordingSink(), bad(15_000)),
    message: /options must be an object/,
  },
  { call: 'createWebSink(42)', run: () => createWebSink(bad(42)), message: /"lastEventId"/ },
  {
    call: 'lazyNodeStreams()',
    run: () => lazyNodeStreams(bad(undefined)),
    message: /"host" of lazyNodeStreams\(\): "property"/,
  },
  {
    call: "lazyNodeStreams({ property: 'sse' })",
    run: () => lazyNodeStreams(bad({ property: 'sse' })),
    message: /"prototypeOf" must be a function/,
  },
  {
    call: 'lazyNodeStreams({ ..., onOpen: true })',
    run: () =>
      lazyNodeStreams({
        property: 'sse',
        prototypeOf: () => ({}),
        request: bad(() => undefined),
        response: bad(() => undefined),
        onOpen: bad(true),
      }),
    message: /"onOpen" must be a function/,
  },
  {
    call: 'nodeStreams({ request, response: undefined })',
    run: () => nodeStreams({ request: bad(() => undefined), response: bad(undefined) }),
    message: /"source" of nodeStreams\(\): "response" must be a function/,
  },
  {
    call: 'createWebSink(null)',
    run: () => createWebSink(bad(null)),
    message: /"lastEventId" must be a string, or undefined/,
  },
]

describe('creating a stream with bad arguments', () => {
  it.each(creations)('$call throws a TypeError naming the parameter', ({ run, message }) => {
    expect(run).toThrow(TypeError)
    expect(run).toThrow(message)
  })

  it('connects nothing to a sink when the options are bad', () => {
    let connected = false
    const sink = { ...recordingSink(), connect: () => (connected = true) }
    expect(() => createSseStream(sink, { slowClient: bad('never') })).toThrow(/"slowClient"/)
    expect(connected).toBe(false)
  })
})

/** Bad calls of `createNodeSink`, made with a real request and response. */
const nodeSinkCalls: {
  call: string
  run: (req: NodeRequest, res: NodeResponse) => unknown
  message: RegExp
}[] = [
  {
    call: 'createNodeSink()',
    run: () => createNodeSink(bad(undefined), bad(undefined)),
    message: /"req"/,
  },
  {
    call: 'createNodeSink(res, req)',
    run: (req, res) => createNodeSink(bad(res), bad(req)),
    message: /"req" must be a node:http or node:http2 request/,
  },
  {
    call: 'createNodeSink(req)',
    run: (req) => createNodeSink(req, bad(undefined)),
    message: /"res" must be a node:http or node:http2 response/,
  },
  {
    call: 'createNodeSink(req, { req, res })',
    run: (req, res) => createNodeSink(req, bad({ req, res })),
    message: /"res"/,
  },
  {
    call: 'createNodeSink(new Request(url), res)',
    run: (_req, res) => createNodeSink(bad(new Request('http://127.0.0.1/')), res),
    message: /"req"/,
  },
  {
    call: 'createNodeSink(req, res, "open")',
    run: (req, res) => createNodeSink(req, res, bad('open')),
    message: /"onOpen" must be a function/,
  },
]

describe('createNodeSink given bad arguments', () => {
  let server: Listening | undefined
  let nextCall: ((req: NodeRequest, res: NodeResponse) => unknown) | undefined
  beforeAll(async () => {
    server = await listen((req: http.IncomingMessage, res: http.ServerResponse) => {
      let error: unknown
      try {
        nextCall?.(req, res)
      } catch (caught) {
        error = caught
      }
      // Whatever the call did, the response must still be the handler's to answer.
      res.writeHead(400, { 'content-type': 'text/plain' })
      res.end(error instanceof TypeError ? error.message : `no TypeError: ${String(error)}`)
    })
  })
  afterAll(async () => {
    await server?.close()
  })

  it.each(nodeSinkCalls)(
    '$call throws a TypeError naming the parameter, leaving the response untouched',
    async ({ run, message }) => {
      nextCall = run
      const response = await fetch(server!.url)
      expect(response.status).toBe(400)
      expect(response.headers.get('content-type')).toBe('text/plain')
      expect(await response.text()).toMatch(message)
    }
  )
})
