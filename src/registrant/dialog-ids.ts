/**
 * Call-ID and From-tag generation for registrant dialogs, from the CSPRNG (RFC 3261 §8.1.1.4,
 * §19.3; checklist REG-05, REG-07, SEC-02): unguessable values make blind forgery of responses to
 * our REGISTERs impractical, and 128 random bits make Call-ID collisions between the records of
 * every registrant in the world negligible.
 */
import { randomFillSync } from 'node:crypto';

/** Random bytes in a Call-ID: 128 bits (checklist REG-07: ≥ 128 bits from a CSPRNG). */
const CALL_ID_BYTES = 16;
/** Random bytes in a From-tag: 64 bits (RFC 3261 §19.3 asks for at least 32). */
const TAG_BYTES = 8;
/** One `randomFillSync` call per 256 Call-IDs keeps the per-id cost to a base64url conversion. */
const POOL_SIZE = 4096;

const pool = Buffer.allocUnsafe(POOL_SIZE);
let offset = POOL_SIZE;

function take(bytes: number): string {
  if (offset + bytes > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  const start = offset;
  offset += bytes;
  // base64url uses letters, digits, `-` and `_`: all legal in a Call-ID `word` and in a `token`
  // (RFC 3261 §25.1), and shorter than hex, which keeps the per-record strings small.
  return pool.toString('base64url', start, offset);
}

/** A new Call-ID: 128 random bits as 22 base64url characters (no `@host` part, RFC 3261 §20.8 allows it). */
export function createCallId(): string {
  return take(CALL_ID_BYTES);
}

/** A new From-tag: 64 random bits as 11 base64url characters. */
export function createFromTag(): string {
  return take(TAG_BYTES);
}
