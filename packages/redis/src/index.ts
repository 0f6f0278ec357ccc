export {
  createRedisBackplane,
  DEFAULT_PUBLISH_TIMEOUT_MS,
  type RedisBackplane,
  type RedisBackplaneOptions,
} from './redis-backplane.js'
