import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2'

/** A Node request: `node:http`, or `node:http2`'s compatibility API. */
export type NodeRequest = IncomingMessage | Http2ServerRequest

/** A Node response: `node:http`, or `node:http2`'s compatibility API. */
export type NodeResponse = ServerResponse | Http2ServerResponse
