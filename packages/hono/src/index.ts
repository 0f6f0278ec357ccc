export * from '@ssekit/core'
