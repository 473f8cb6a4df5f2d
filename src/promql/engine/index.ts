/** The PromQL engine's public surface. */
export { Engine } from "./engine";
export {
  QueryError,
  TOO_MANY_SAMPLES,
  type EngineOptions,
  type QueryErrorKind,
  type QueryResult,
  type QuerySample,
  type QuerySeries,
  type QueryValue,
} from "./types";
export { STALE_NAN, isStaleNaN } from "./stale";
