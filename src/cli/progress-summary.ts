import type { RegistrantManagerStats } from '../registrant/registrant-manager.js';

/** The few numbers an operator watches while accounts register. */
export interface ProgressSummary {
  readonly total: number;
  readonly registered: number;
  /** REGISTERING, AUTHENTICATING, UNREGISTERING, AUTHENTICATING_UNREGISTER. */
  readonly inFlight: number;
  /** REGISTER_TIMEOUT, INTERNAL_ERROR, WRONG_CREDENTIALS, REGISTRAR_ERROR. */
  readonly failing: number;
  /** NOT_REGISTERED: waiting for their bucket, disabled, or stopped. */
  readonly idle: number;
  readonly registersSent: number;
}

/** Fold the manager's per-state counters into a {@link ProgressSummary}. */
export function summarizeProgress(stats: RegistrantManagerStats): ProgressSummary {
  const s = stats.recordsByState;
  return {
    total: stats.records,
    registered: s.REGISTERED,
    inFlight: s.REGISTERING + s.AUTHENTICATING + s.UNREGISTERING + s.AUTHENTICATING_UNREGISTER,
    failing: s.REGISTER_TIMEOUT + s.INTERNAL_ERROR + s.WRONG_CREDENTIALS + s.REGISTRAR_ERROR,
    idle: s.NOT_REGISTERED,
    registersSent: stats.registersSent,
  };
}

/** One line: `registered 812/1000 · in flight 150 · failing 3 · idle 35 · REGISTERs sent 1774`. */
export function formatProgress(summary: ProgressSummary): string {
  const n = (value: number): string => value.toLocaleString('en-US');
  return (
    `registered ${n(summary.registered)}/${n(summary.total)} · in flight ${n(summary.inFlight)} · ` +
    `failing ${n(summary.failing)} · idle ${n(summary.idle)} · REGISTERs sent ${n(summary.registersSent)}`
  );
}
