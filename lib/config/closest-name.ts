/**
 * "Did you mean": the known name nearest to a mistyped one, by edit
 * distance (Levenshtein: one insertion, deletion or substitution each), with
 * `-` and `_` counted as the same (`server-port` in JSON is `server_port`).
 *
 *   closestName('sever_port', ['server', 'server_port', 'method'])  →  'server_port'
 *   closestName('xyz', ['server', 'server_port'])                    →  undefined (nothing near)
 */

/** A name is "near" when it is at most this many edits away (fewer for short names). */
export const MAX_SUGGESTION_DISTANCE = 3;

/**
 * The candidate nearest to `name`, or `undefined` when none is near enough:
 * within a third of the name's length, and at most
 * {@link MAX_SUGGESTION_DISTANCE} edits. Ties go to the first candidate.
 */
export function closestName(name: string, candidates: Iterable<string>): string | undefined {
  const wanted = normalise(name);
  const limit = Math.min(MAX_SUGGESTION_DISTANCE, Math.max(1, Math.floor(wanted.length / 3)));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    const d = editDistance(wanted, normalise(candidate));
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

/** ` (did you mean x?)`, or '' when nothing is near: ready to append to a message. */
export function didYouMean(name: string, candidates: Iterable<string>, format: (name: string) => string = (n) => n): string {
  const near = closestName(name, candidates);
  return near === undefined ? '' : ` (did you mean ${format(near)}?)`;
}

function normalise(name: string): string {
  return name.toLowerCase().replace(/-/g, '_');
}

/** Levenshtein distance over UTF-16 units, in O(a × b) time and O(b) memory. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitute = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      row.push(Math.min(previous[j]! + 1, row[j - 1]! + 1, substitute));
    }
    previous = row;
  }
  return previous[b.length]!;
}
