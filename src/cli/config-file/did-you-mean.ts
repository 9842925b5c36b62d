/** The "unknown key" message of the daemon config loader, with a suggestion. */
import { suggestKey } from '../../config/key-suggestion.js';

/** `"key" is not a known <what> (did you mean "x"?); known: a, b, c`. */
export function unknownKeyProblem(key: string, known: readonly string[], what: string): string {
  const suggestion = suggestKey(key, known);
  const shown = JSON.stringify(key.length > 60 ? `${key.slice(0, 60)}…` : key);
  return `${shown} is not a known ${what}${suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`}; known: ${known.join(', ')}`;
}
