import { splitOutside } from '../sip/lexer.js';

/**
 * The `tag` parameter of a From or To value (RFC 3261 §19.3), or `undefined` when it has none or
 * the value is malformed. Only the header parameters count: in `<sip:a@b;tag=x>` the `tag` is a URI
 * parameter, and without angle brackets every `;param` after the addr-spec is a header parameter
 * (§20.10, checklist MSG-11). Parameter names compare case-insensitively (§7.3.1, MSG-07); the tag
 * value is returned as received.
 */
export function headerTag(value: string): string | undefined {
  // Header parameters start after the closing `>` when there is one, else after the addr-spec.
  // splitOutside skips `;` inside quoted display names and inside `<…>`.
  const parts = splitOutside(value, ';');
  if (parts === undefined) return undefined;
  for (let i = 1; i < parts.length; i++) {
    const param = parts[i]!;
    const eq = param.indexOf('=');
    if (eq === -1) continue;
    if (param.slice(0, eq).trim().toLowerCase() !== 'tag') continue;
    const tag = param.slice(eq + 1).trim();
    return tag.length > 0 ? tag : undefined;
  }
  return undefined;
}
