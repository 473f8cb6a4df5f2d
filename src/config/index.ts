export { ConfigError } from "./error";
export { parseDuration, parseDurationString, formatDuration } from "./duration";
export {
  type Limits,
  type RemoteReadStore,
  DEFAULT_LIMITS,
  DEFAULT_REMOTE_READ_TIMEOUT_MS,
  LIMIT_FIELDS,
  MAX_SHARDS,
  validateLimits,
  validatePartialLimits,
  mergeLimits,
} from "./limits";
export {
  type RuntimeConfig,
  type JsonValue,
  DEFAULT_RUNTIME_CONFIG,
  REDACTED,
  parseRuntimeConfig,
  runtimeConfigFrom,
  limitsFor,
  redact,
} from "./runtime";
