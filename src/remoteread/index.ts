export * from "./types";
export {
  encodeReadRequest,
  decodeReadRequest,
  encodeReadResponse,
  decodeReadResponse,
  encodeReadRequestBody,
  decodeReadRequestBody,
  encodeReadResponseBody,
  decodeReadResponseBody,
  negotiateResponseType,
  DEFAULT_MAX_DECODED_BYTES,
} from "./codec";
export {
  encodeChunkedReadResponse,
  decodeChunkedReadResponse,
  encodeFrame,
  decodeFrames,
  FrameParser,
  readChunkedResponses,
  DEFAULT_MAX_FRAME_BYTES,
} from "./stream";
export {
  seriesToChunkedSeries,
  chunkedSeriesToSeries,
  chunkedResponseFrames,
  SAMPLES_PER_CHUNK,
  DEFAULT_BYTES_PER_FRAME,
} from "./chunks";
export { crc32c } from "./crc32c";
export { storeMayMatch, withExternalLabels } from "./store";
