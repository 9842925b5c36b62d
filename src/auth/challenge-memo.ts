/**
 * The last Digest challenge row parsed, remembered. One 401/407 has its WWW-Authenticate row read
 * twice: by the registrant engine (stale=true, DIG-50; nonce changed, DIG-52) and by the
 * authenticator answering it, synchronously one after the other. Remembering the one last row makes
 * the second read free; holding a single row and its parse costs nothing at any scale.
 *
 * The parse does not depend on the header name, which only words error messages, so errors are
 * never remembered: a row that fails is parsed (and fails) again with its caller's header name.
 */
import { type DigestChallenge, parseDigestChallenge } from '../sip/challenge.js';

let lastRow: string | undefined;
let lastChallenge: DigestChallenge | undefined;

/**
 * {@link parseDigestChallenge}, answering the same row as the previous call from memory.
 * @throws as {@link parseDigestChallenge}
 */
export function parseDigestChallengeOnce(row: string, header = 'WWW-Authenticate'): DigestChallenge {
  if (row === lastRow && lastChallenge !== undefined) return lastChallenge;
  const challenge = parseDigestChallenge(row, header);
  lastRow = row;
  lastChallenge = challenge;
  return challenge;
}
