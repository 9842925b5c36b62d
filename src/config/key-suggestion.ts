/**
 * "Did you mean" for misspelt keys, shared by the config validator and the daemon's config loader:
 * the known name closest to what was typed.
 */

/** Levenshtein distance between `a` and `b`, or `limit` once it is certain to be at least that. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) >= limit || a.length > 64 || b.length > 64) return limit;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost));
    }
    previous = current;
  }
  return Math.min(previous[b.length]!, limit);
}

/**
 * The known name closest to `key` (case-insensitive, at most two edits; or the same letters without
 * `_`/`-`, so `hash_size` suggests `hashSize`), or `undefined` when none is close.
 */
export function suggestKey(key: string, known: readonly string[]): string | undefined {
  const flat = (s: string) => s.toLowerCase().split('_').join('').split('-').join('');
  const wanted = flat(key);
  let best: string | undefined;
  let bestDistance = 3;
  for (const name of known) {
    const distance = editDistance(wanted, flat(name), 3);
    if (distance < bestDistance) {
      best = name;
      bestDistance = distance;
    }
  }
  return best;
}
