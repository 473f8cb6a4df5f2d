import type { Label } from "../../src/model/labels";
import { packShards } from "../../src/ingester/push-codec";
import type { Exemplar } from "../../src/write/request";
import { decodedRequest } from "../../src/write/testutil";

export interface LabeledSeries {
  readonly labels: readonly Label[];
  readonly sampleStart: number;
  readonly sampleEnd: number;
  readonly exemplars: readonly Exemplar[];
}

/** `packShards` for series given by labels, through a symbol table built here as a decoder would. */
export function packLabeled(
  series: readonly LabeledSeries[],
  timestamps: Float64Array,
  values: Float64Array,
  shards: number,
): (Uint8Array | null)[] {
  const req = decodedRequest(series, timestamps, values);
  return packShards(req.series, req.labelRefs, req.symbols.strings, timestamps, values, shards);
}
