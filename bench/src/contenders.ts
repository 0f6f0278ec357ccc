/** Every server the benchmark can start, by the name its process is started with. */
export const CONTENDERS = {
  raw: 'raw `node:http` + `res.write`',
  ceiling: 'ceiling: raw `node:http`, frames joined in 64 KiB writes',
  'better-sse': 'better-sse 0.16',
  'hono-streamsse': 'Hono `streamSSE` on @hono/node-server',
  'ssekit-core': 'ssekit core on `node:http`',
  'ssekit-core-observed': 'ssekit core, `ssekit:stream:start`/`end` subscribed',
  'ssekit-core-traced':
    'ssekit core, stream channels and the `ssekit:upstream` tracing channel subscribed',
  'ssekit-express': 'ssekit Express adapter',
  'ssekit-koa': 'ssekit Koa adapter',
  'ssekit-hono': 'ssekit Hono adapter on @hono/node-server',
  'ssekit-hono-web': 'ssekit Hono adapter, web-standard path (as on Bun, Deno, Workers)',
  'fastify-sse': 'Fastify `@fastify/sse` 0.6',
  'ssekit-fastify': 'ssekit Fastify plugin',
  express: 'Express alone (hand-written stream)',
  koa: 'Koa alone (hand-written stream)',
  hono: 'Hono on @hono/node-server alone (plain `ReadableStream`)',
  fastify: 'Fastify alone (hijacked reply, hand-written stream)',
} as const

export type ContenderName = keyof typeof CONTENDERS

/** The contenders of the streaming scenarios, the reference first. */
export const STREAMERS: readonly ContenderName[] = [
  'raw',
  'better-sse',
  'hono-streamsse',
  'ssekit-core',
  'ssekit-express',
  'ssekit-koa',
  'ssekit-hono',
  'fastify-sse',
  'ssekit-fastify',
]

/**
 * The throughput contenders: the ceiling, the streamers, the Hono adapter's web-standard path,
 * and each framework's own hand-written stream, next to which its adapter is read.
 */
export const THROUGHPUT: readonly ContenderName[] = [
  'ceiling',
  ...STREAMERS,
  'ssekit-hono-web',
  'express',
  'koa',
  'hono',
  'fastify',
]

/**
 * The contenders of the broadcast scenario: those with channels, and the raw loop, also over
 * Express's responses (Express's per-request prototypes make each `res.write` in a loop over
 * many responses slower than on plain `node:http`).
 */
export const BROADCASTERS: readonly ContenderName[] = [
  'raw',
  'express',
  'better-sse',
  'ssekit-core',
  'ssekit-express',
  'ssekit-koa',
  'ssekit-hono',
]

/** The contenders of the diagnostics-cost scenario, the reference (no subscriber) first. */
export const OBSERVED: readonly ContenderName[] = [
  'ssekit-core',
  'ssekit-core-observed',
  'ssekit-core-traced',
]

/**
 * The idle-memory contenders: the streamers plus each framework alone. `@fastify/sse` is left
 * out: past 1,800 idle streams (5,000 asked, 200 at a time) its server answered no more
 * requests and the run waited for heads that never came.
 */
export const IDLERS: readonly ContenderName[] = [
  ...STREAMERS.filter((name) => name !== 'fastify-sse'),
  'express',
  'koa',
  'hono',
  'fastify',
]
