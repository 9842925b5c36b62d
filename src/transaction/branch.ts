import { randomFillSync } from 'node:crypto';

/** RFC 3261 §8.1.1.7 magic cookie: a branch starting with it was made by an RFC 3261 element. */
export const BRANCH_MAGIC_COOKIE = 'z9hG4bK';

/** Random bytes per branch: 96 bits, above the 64-bit floor of checklist SEC-02. */
const BRANCH_RANDOM_BYTES = 12;

/**
 * Bytes fetched from the CSPRNG at a time. One `randomFillSync` call per 1,024 branches keeps the
 * per-branch cost to a hex conversion while every bit still comes from `node:crypto` (SEC-02).
 */
const POOL_SIZE = BRANCH_RANDOM_BYTES * 1024;

const pool = Buffer.allocUnsafe(POOL_SIZE);
let offset = POOL_SIZE;

/**
 * A new Via branch: `z9hG4bK` followed by 96 random bits as 24 lower-case hex digits
 * (RFC 3261 §8.1.1.7, §17.1.1.3; checklist HDR-03, HDR-04, SEC-02). Unique per transaction and
 * unguessable, so an off-path attacker cannot forge a response that matches (TXN-09).
 */
export function createBranch(): string {
  if (offset + BRANCH_RANDOM_BYTES > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  const start = offset;
  offset += BRANCH_RANDOM_BYTES;
  return BRANCH_MAGIC_COOKIE + pool.toString('hex', start, offset);
}
