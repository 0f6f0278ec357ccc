/**
 * Small helpers every feature uses: describing a value in an error message, the one set of
 * validation rules for options (`validate.ts`), checking header names and values, timers and the
 * timer limit, deferred promises, watching abort signals, decoding header text and counting
 * UTF-8 bytes. Other folders import them from here; the debug log (`log.ts`), the redaction of
 * credentials (`redact.ts`) and `diagnostics.ts` are imported from their own files.
 *
 * May import: nothing outside `util`.
 */
export { deferred, type Deferred } from './deferred.js'
export { describe } from './describe.js'
export { decodeHeaderText } from './header-text.js'
export { checkStreamHeaders, sseHeaders } from './headers.js'
export { internalKey, otherCopyNote } from './internal-key.js'
export { unwatchSignal, watchSignal, type AbortWatcher } from './signal-watch.js'
export { timersPerRequest, unref } from './timers.js'
export { utf8Length } from './utf8.js'
export {
  checkBoolean,
  checkCount,
  checkFunction,
  checkHeaderText,
  checkHeaderValue,
  checkMilliseconds,
  checkObject,
  checkToken,
  option,
  type NumberRule,
} from './validate.js'
