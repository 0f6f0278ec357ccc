/**
 * `attach` was given the id of a relay that does not exist, or no longer does: it was never
 * started, or it ended longer than `retention` ago. Thrown before the stream starts, so the
 * route can still answer 404.
 */
export class RelayNotFoundError extends Error {
  /** The id that was asked for. */
  readonly id: string

  /**
   * @param id - The unknown relay id.
   */
  constructor(id: string) {
    super(`No relay has the id ${JSON.stringify(id.length > 100 ? `${id.slice(0, 100)}…` : id)}.`)
    this.name = 'RelayNotFoundError'
    this.id = id
  }
}
