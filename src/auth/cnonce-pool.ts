/**
 * Default cnonce source (RFC 2617 §3.2.2, RFC 7616 §3.4; checklist DIG-29): 128 bits from the
 * CSPRNG per cnonce, fetched 4 KiB at a time. `crypto.randomBytes(16)` per answer cost a native job
 * and a new Buffer each time; one `randomFillSync` per 256 cnonces keeps the per-answer cost to a hex
 * conversion while every bit still comes from `node:crypto` (as Via branches and Call-IDs do).
 */
import { randomFillSync } from 'node:crypto';

/** Random bytes per cnonce, sent as 32 hex digits. */
export const CNONCE_BYTES = 16;

const POOL_SIZE = CNONCE_BYTES * 256;
const pool = Buffer.allocUnsafe(POOL_SIZE);
let offset = POOL_SIZE;

/** A fresh cnonce: 16 CSPRNG bytes as 32 lower-case hex digits. Never reuses pool bytes. */
export function createPooledCnonce(): string {
  if (offset + CNONCE_BYTES > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  const start = offset;
  offset += CNONCE_BYTES;
  return pool.toString('hex', start, offset);
}
