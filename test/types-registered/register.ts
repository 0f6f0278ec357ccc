// An app's one declaration of its events, as the README shows it. This folder is its own
// TypeScript program, so the registration types nothing else in the repository.

/** The events of the app under test. */
export type AppEvents = { tick: { n: number }; message: string }

declare module '@ssekit/express' {
  interface SseRegister {
    events: AppEvents
  }
}
