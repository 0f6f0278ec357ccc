import net from 'node:net'

const CRLF2 = Buffer.from('\r\n\r\n')
const LF2 = Buffer.from('\n\n')

/** What a {@link RawResponse} tells its owner. */
export interface ResponseSink {
  /** The status line and headers arrived. */
  onHead?(response: RawResponse): void
  /** A piece of the (de-chunked) body. */
  onBody(chunk: Buffer, response: RawResponse): void
  /** The connection ended or failed. */
  onEnd?(response: RawResponse): void
}

/**
 * One HTTP/1.1 GET over a raw socket: the client's cheapest way to read a stream. It parses
 * the head once, then strips chunked framing with a few `indexOf` calls per socket read, so
 * the client costs a fraction of what the server spends producing the bytes.
 */
export class RawResponse {
  readonly socket: net.Socket
  status = 0
  contentType = ''
  /** Body bytes received. */
  bytes = 0
  /** When the first body byte arrived, µs on the shared clock; 0 before. */
  firstByteAt = 0
  ended = false
  #head: Buffer | undefined = Buffer.alloc(0)
  #chunked = false
  /** Bytes left in the current chunk; -1 while reading a chunk-size line. */
  #left = -1
  /** A chunk-size line split across reads. */
  #sizeLine = ''
  /** CRLF bytes still to skip after a chunk's data. */
  #skip = 0
  readonly #sink: ResponseSink
  readonly #now: () => number

  /**
   * @param port - The server's port on 127.0.0.1.
   * @param path - The request path and query.
   * @param sink - Receives the head, the body and the end.
   * @param now - The clock, for `firstByteAt`.
   * @param localAddress - The loopback address to connect from (127.0.0.X), so that many
   * connections do not run out of source ports; the system's choice by default.
   */
  constructor(
    port: number,
    path: string,
    sink: ResponseSink,
    now: () => number,
    localAddress?: string
  ) {
    this.#sink = sink
    this.#now = now
    this.socket = net.connect({ port, host: '127.0.0.1', localAddress })
    this.socket.setNoDelay(true)
    this.socket.write(`GET ${path} HTTP/1.1\r\nHost: bench\r\nAccept: text/event-stream\r\n\r\n`)
    this.socket.on('data', (data: Buffer) => {
      this.#read(data)
    })
    const end = (): void => {
      if (this.ended) return
      this.ended = true
      this.#sink.onEnd?.(this)
    }
    this.socket.on('end', end)
    this.socket.on('close', end)
    this.socket.on('error', end)
  }

  #read(data: Buffer): void {
    let buf = data
    if (this.#head !== undefined) {
      const head = Buffer.concat([this.#head, buf])
      const end = head.indexOf(CRLF2)
      if (end === -1) {
        this.#head = head
        return
      }
      this.#head = undefined
      this.#parseHead(head.toString('latin1', 0, end))
      this.#sink.onHead?.(this)
      buf = head.subarray(end + 4)
      if (buf.length === 0) return
    }
    if (!this.#chunked) {
      this.#body(buf)
      return
    }
    let at = 0
    while (at < buf.length) {
      if (this.#skip > 0) {
        const n = Math.min(this.#skip, buf.length - at)
        this.#skip -= n
        at += n
        continue
      }
      if (this.#left < 0) {
        const lf = buf.indexOf(10, at)
        if (lf === -1) {
          this.#sizeLine += buf.toString('latin1', at)
          return
        }
        const line = this.#sizeLine + buf.toString('latin1', at, lf)
        this.#sizeLine = ''
        at = lf + 1
        this.#left = parseInt(line, 16)
        if (this.#left === 0) {
          // The last chunk: the response is complete.
          this.socket.destroy()
          return
        }
        continue
      }
      const n = Math.min(this.#left, buf.length - at)
      this.#body(buf.subarray(at, at + n))
      at += n
      this.#left -= n
      if (this.#left === 0) {
        this.#left = -1
        this.#skip = 2
      }
    }
  }

  #body(chunk: Buffer): void {
    if (this.firstByteAt === 0) this.firstByteAt = this.#now()
    this.bytes += chunk.length
    this.#sink.onBody(chunk, this)
  }

  #parseHead(head: string): void {
    this.status = Number(head.slice(9, 12))
    for (const line of head.split('\r\n')) {
      const colon = line.indexOf(':')
      const name = line.slice(0, colon).toLowerCase()
      const value = line.slice(colon + 1).trim()
      if (name === 'content-type') this.contentType = value
      else if (name === 'transfer-encoding') this.#chunked = /chunked/i.test(value)
    }
  }
}

/**
 * Counts frames (blank lines) in a body without decoding it: one native `indexOf` per frame.
 */
export class FrameCounter {
  frames = 0
  #endsWithLf = false

  /** @param chunk - The next piece of the body. */
  add(chunk: Buffer): void {
    if (chunk.length === 0) return
    let from = 0
    if (this.#endsWithLf && chunk[0] === 10) {
      this.frames++
      from = 1
    }
    for (let at = chunk.indexOf(LF2, from); at !== -1; at = chunk.indexOf(LF2, at + 2)) {
      this.frames++
    }
    this.#endsWithLf = chunk[chunk.length - 1] === 10
  }
}
