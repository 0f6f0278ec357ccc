// The demo page's script: the browser's own EventSource and fetch, nothing to build.

/** Entries kept in the tick list; older ones scroll away. */
const MAX_TICK_ITEMS = 12

/** @param {string} id */
const element = (id) => /** @type {HTMLElement} */ (document.getElementById(id))

await showAdapters()
watchTicks()
setUpAssistant()

/** Names the framework serving this page and links to the same page on the others. */
async function showAdapters() {
  const info = await (await fetch('/api/info')).json()
  element('adapter').textContent = info.adapter
  document.title = `ssekit demo · ${info.adapter}`
  const links = info.servers.map(({ name, port }) => {
    const link = document.createElement('a')
    link.textContent = name
    link.href = `${location.protocol}//${location.hostname}:${port}/`
    if (name === info.adapter) link.setAttribute('aria-current', 'page')
    return link
  })
  element('adapters').replaceChildren(...links)
  element('upstream').textContent = info.upstream.simulated
    ? 'The LLM is the demo’s simulated one.'
    : `The LLM is ${info.upstream.model} at ${info.upstream.url}.`
}

/** The tick panel: connection state, ticks as they arrive, and where each connection resumed. */
function watchTicks() {
  const state = element('tick-state')
  const list = element('ticks')
  const drop = /** @type {HTMLButtonElement} */ (element('drop'))
  let connections = 0
  /** The server's number for the open tick stream, which the drop button names. */
  let streamNumber

  const setState = (/** @type {string} */ text) => {
    state.textContent = text
    state.dataset.state = text
  }
  const addItem = (/** @type {HTMLLIElement} */ item) => {
    list.prepend(item)
    while (list.children.length > MAX_TICK_ITEMS) list.lastElementChild?.remove()
  }

  const source = new EventSource('/api/ticks')
  source.addEventListener('open', () => {
    connections++
    element('tick-connections').textContent = String(connections)
    setState('open')
  })
  source.addEventListener('error', () => {
    drop.disabled = true
    // CONNECTING: the browser retries by itself after the server's `retry` delay.
    setState(source.readyState === EventSource.CONNECTING ? 'reconnecting' : 'closed')
  })
  source.addEventListener('hello', (event) => {
    const hello = JSON.parse(event.data)
    streamNumber = hello.stream
    drop.disabled = false
    const text =
      hello.resumedAfter !== null
        ? `Reconnected: the server resumed after id ${hello.resumedAfter} (Last-Event-ID: ${hello.lastEventId}).`
        : hello.lastEventId === null
          ? 'Connected: the server started a new sequence (no Last-Event-ID was sent).'
          : `Connected: the server started a new sequence (unknown Last-Event-ID ${hello.lastEventId}).`
    element('tick-resume').textContent = text
    if (hello.resumedAfter !== null) {
      const item = document.createElement('li')
      item.className = 'resume'
      item.dataset.after = String(hello.resumedAfter)
      item.textContent = `reconnected · resumed after id ${hello.resumedAfter}`
      addItem(item)
    }
  })
  source.addEventListener('tick', (event) => {
    const tick = JSON.parse(event.data)
    element('tick-last-id').textContent = event.lastEventId
    const item = document.createElement('li')
    item.dataset.id = event.lastEventId
    item.textContent = `id ${event.lastEventId} · ${event.type} · ${tick.time.slice(11, 23)}`
    addItem(item)
  })
  drop.addEventListener('click', () => {
    drop.disabled = true
    void fetch(`/api/ticks/${streamNumber}/drop`, { method: 'POST' })
  })
}

/**
 * The assistant panel: ask, watch tokens arrive, stop, then show the server's record. The run
 * being followed is in the page's address (`#run=<id>`), so a reload, or the same address in
 * another tab, follows the same answer: the server replays it from the start, then live.
 */
function setUpAssistant() {
  const form = /** @type {HTMLFormElement} */ (element('ask-form'))
  const ask = /** @type {HTMLButtonElement} */ (element('ask'))
  const stop = /** @type {HTMLButtonElement} */ (element('stop'))
  const link = /** @type {HTMLAnchorElement} */ (element('run-link'))
  const answer = element('answer')
  const status = element('run-status')
  /** @type {{ id: string, source: EventSource, tokens: number } | undefined} */
  let run

  const finish = (/** @type {string} */ text) => {
    if (run === undefined) return
    run.source.close()
    status.textContent = text
    ask.disabled = false
    stop.disabled = true
    void showRecord(run.id)
    run = undefined
  }

  /** Follows run `id`: every token from the first, then the live ones, until its end. */
  const follow = (/** @type {string} */ id) => {
    answer.replaceChildren()
    element('run-record').textContent = ''
    element('run-record').dataset.state = ''
    element('debug-log').textContent = 'Waiting for the run to end…'
    history.replaceState(null, '', `#run=${encodeURIComponent(id)}`)
    link.href = location.href
    link.hidden = false
    ask.disabled = true
    status.textContent = 'Waiting for the first token…'
    const source = new EventSource(`/api/assistant/${encodeURIComponent(id)}/stream`)
    const current = { id, source, tokens: 0 }
    run = current
    stop.disabled = false
    source.addEventListener('token', (message) => {
      const token = document.createElement('span')
      token.textContent = message.data
      token.dataset.id = message.lastEventId
      answer.append(token)
      current.tokens++
      status.textContent = `Streaming… ${current.tokens} tokens received.`
    })
    source.addEventListener('end', (message) => {
      const { status: how, reason } = JSON.parse(message.data)
      finish(
        how === 'done'
          ? `Complete: ${current.tokens} tokens received.`
          : how === 'stopped'
            ? `Stopped after ${current.tokens} tokens (${reason ?? 'no reason given'}).`
            : `Failed after ${current.tokens} tokens: ${reason}`
      )
    })
    source.addEventListener('error', () => {
      // Closed for good: the run is unknown (404), or was over before this page attached (204).
      if (source.readyState === EventSource.CLOSED) finish('The run is over or unknown.')
    })
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    ask.disabled = true
    answer.replaceChildren()
    const prompt = /** @type {HTMLTextAreaElement} */ (element('prompt')).value
    const response = await fetch('/api/assistant', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ prompt }),
    })
    const started = await response.json()
    if (!response.ok) {
      status.textContent = `The server refused the prompt: ${started.error}`
      ask.disabled = false
      return
    }
    follow(started.id)
  })

  stop.addEventListener('click', () => {
    if (run === undefined) return
    stop.disabled = true
    status.textContent = 'Stopping…'
    // The relay's `end` event, with status `stopped`, ends the page's stream.
    void fetch(`/api/assistant/${encodeURIComponent(run.id)}/stop`, { method: 'POST' })
  })

  const followed = new URLSearchParams(location.hash.slice(1)).get('run')
  if (followed !== null) follow(followed)
}

/**
 * Shows the server's record of a run and its debug log. The page may learn of the end a
 * moment before the record is final, so ask until it is.
 *
 * @param {string} id
 */
async function showRecord(id) {
  const deadline = Date.now() + 5000
  const line = element('run-record')
  let record
  do {
    const response = await fetch(`/api/assistant/${encodeURIComponent(id)}`)
    if (!response.ok) {
      line.dataset.state = 'unknown'
      line.textContent = 'Server: no record of this run (it is unknown, or long forgotten).'
      element('debug-log').textContent = 'No records.'
      return
    }
    record = await response.json()
    if (record.state !== 'streaming') break
    await new Promise((resolve) => setTimeout(resolve, 50))
  } while (Date.now() < deadline)
  line.dataset.state = record.state
  line.textContent = describeRecord(record)
  element('debug-log').textContent = formatLog(record)
}

/** @param {any} record The server's record of a run. */
function describeRecord(record) {
  const tokens = `${record.relayed} token${record.relayed === 1 ? '' : 's'} relayed`
  switch (record.state) {
    case 'stopped':
      return record.stopCalledMs === undefined
        ? `Server: nobody followed the answer, so it was stopped; the upstream connection was closed ${record.upstreamClosedMs} ms into the run, after ${tokens}.`
        : `Server: Stop was called ${record.stopCalledMs} ms into the run; the upstream ` +
            `connection was closed ${record.upstreamClosedMs - record.stopCalledMs} ms later, ` +
            `after ${tokens}.`
    case 'completed':
      return `Server: the upstream finished its answer in ${record.upstreamClosedMs} ms and its connection was closed; ${tokens}.`
    case 'failed':
      return `Server: the upstream request failed after ${record.upstreamClosedMs} ms: ${record.error}`
    default:
      return `Server: the run is still ${record.state}.`
  }
}

/**
 * One line per debug record: milliseconds into the request, the record, its details.
 *
 * @param {any} record The server's record of a run.
 */
function formatLog(record) {
  const lines = record.log.map(({ message, details = {} }) => {
    // Every record of the log is of the same request: its number adds nothing here.
    const { ms, ...rest } = details
    delete rest.request
    return `${String(ms).padStart(6)} ms  ${message.padEnd(8)} ${JSON.stringify(rest)}`
  })
  if (record.omittedEventRecords > 0) {
    lines.push(`(${record.omittedEventRecords} more "event" records omitted)`)
  }
  return lines.join('\n') || 'No records.'
}
