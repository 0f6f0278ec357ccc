export {
  createRedisBackplane,
  DEFAULT_PUBLISH_TIMEOUT_MS,
  type RedisBackplane,
} from './redis-backplane.js'
export type { RedisBackplaneOptions } from './check-options.js'
