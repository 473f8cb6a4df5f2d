/**
 * How a configured remote-read store's external labels shape a query:
 * stores whose labels contradict the matchers are not asked at all, and
 * returned series carry the labels (a series' own label wins, as in
 * Prometheus).
 */
import { type Labels, getLabel, setLabel } from "../model/labels";
import { Matcher, type MatcherSpec } from "../model/matchers";
import { relabeled } from "../storage/samples";
import type { Series } from "../storage/storage";

/** False when no series of a store with these external labels can match. */
export function storeMayMatch(externalLabels: Readonly<Record<string, string>>, matchers: readonly MatcherSpec[]): boolean {
  for (const spec of matchers) {
    if (!Object.hasOwn(externalLabels, spec.name)) continue;
    if (!Matcher.from(spec).matches(externalLabels[spec.name]!)) return false;
  }
  return true;
}

/** Adds the store's external labels to series that lack them; shares sample arrays. */
export function withExternalLabels(series: readonly Series[], externalLabels: Readonly<Record<string, string>>): Series[] {
  const names = Object.keys(externalLabels);
  if (names.length === 0) return [...series];
  return series.map((s) => {
    let labels: Labels = s.labels;
    for (const name of names) if (getLabel(labels, name) === "") labels = setLabel(labels, name, externalLabels[name]!);
    return labels === s.labels ? s : relabeled(s, labels);
  });
}
