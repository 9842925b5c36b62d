/**
 * The body of the status server's `GET /health`: a liveness answer plus the counts an operator looks
 * at first. Built from `stats()` (no walk over the records); it names no account.
 */
import type { RegistrantManagerStats } from '../registrant/registrant-manager.js';
import type { RegistrantStateName } from '../registrant/registrant-state.js';

/** The `/health` body. */
export interface StatusHealth {
  /** `ok` while the manager runs (or cannot tell); `stopped` once it is not running (HTTP 503). */
  readonly status: 'ok' | 'stopped';
  /** Records in the manager. */
  readonly records: number;
  /** Records in the REGISTERED state. */
  readonly registered: number;
  /** Records per state name (all ten states). */
  readonly byState: Readonly<Record<RegistrantStateName, number>>;
}

/** Read the health of `manager`. */
export function healthOf(manager: {
  stats(): RegistrantManagerStats;
  readonly running?: boolean;
}): StatusHealth {
  const stats = manager.stats();
  return {
    status: manager.running === false ? 'stopped' : 'ok',
    records: stats.records,
    registered: stats.recordsByState.REGISTERED,
    byState: stats.recordsByState,
  };
}
