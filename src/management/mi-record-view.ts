/**
 * A {@link RegistrantInfo} in the shape OpenSIPS 3.2 … 4.0 `reg_list` prints one record (reference
 * §6): `AOR`, `expires`, `state` (`REGISTERED_STATE`…), `enabled` (`yes`/`no`), `last_register_sent`,
 * `registration_t_out`, `registrar`, `binding`, then the optional `binding_params`,
 * `third_party_registrant` (only when From differs from the AOR), `socket`, `proxy`, and `dst_IP` +
 * `ip` for the pinned destination. Credentials are never part of it (RegistrantInfo has none).
 */
import { isIPv6 } from 'node:net';
import type { RegistrantInfo } from '../registrant/registrant-info.js';

/**
 * How times are shown:
 * - `'ctime'`: C `ctime()` text as OpenSIPS prints it (`Thu Nov 26 10:34:01 2026`), in **UTC** (OpenSIPS
 *   uses the server's local time zone; UTC keeps the answer independent of the host's TZ). A time
 *   not set yet shows as the epoch, `Thu Jan  1 00:00:00 1970`, exactly as OpenSIPS shows 0.
 * - `'iso'`: ISO 8601 UTC (`2026-11-26T10:34:01.000Z`), `null` when not set.
 * - `'epoch'`: integer seconds since the epoch (OpenSIPS 1.7 style), 0 when not set.
 */
export type MiTimeFormat = 'ctime' | 'iso' | 'epoch';

/** Options of the `reg_list` view. */
export interface MiRecordViewOptions {
  /** @default 'ctime' */
  readonly timeFormat?: MiTimeFormat | undefined;
  /**
   * Add our fields OpenSIPS lacks, in lower-case snake case after the OpenSIPS ones: `key`,
   * `requested_expires`, `last_code`, `last_reason`, `failure_count`, `next_attempt`, `call_id`,
   * `username` (never the password).
   * @default false
   */
  readonly extendedFields?: boolean | undefined;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function two(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** C `ctime()` layout (`%a %b %e %H:%M:%S %Y`, day of month space-padded) of an epoch-ms time, in UTC. */
export function formatCtime(epochMs: number): string {
  const d = new Date(Math.floor(epochMs / 1000) * 1000);
  const day = d.getUTCDate();
  return (
    `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${day < 10 ? ` ${day}` : day} ` +
    `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} ${d.getUTCFullYear()}`
  );
}

function formatTime(epochMs: number | undefined, format: MiTimeFormat): string | number | null {
  switch (format) {
    case 'iso':
      return epochMs === undefined ? null : new Date(epochMs).toISOString();
    case 'epoch':
      return epochMs === undefined ? 0 : Math.floor(epochMs / 1000);
    default:
      return formatCtime(epochMs ?? 0);
  }
}

/** The OpenSIPS `reg_list` object for one record. */
export function miRecordView(
  info: RegistrantInfo,
  options: MiRecordViewOptions = {},
): Record<string, unknown> {
  const format = options.timeFormat ?? 'ctime';
  const view: Record<string, unknown> = {
    AOR: info.aor,
    expires: info.expires,
    state: `${info.stateName}_STATE`,
    enabled: info.enabled ? 'yes' : 'no',
    last_register_sent: formatTime(info.lastRegisterSent, format),
    registration_t_out: formatTime(info.registrationTimeout, format),
    registrar: info.registrar,
    binding: info.binding,
  };
  if (info.bindingParams !== '') view.binding_params = info.bindingParams;
  if (info.thirdPartyRegistrant !== undefined && info.thirdPartyRegistrant !== info.aor)
    view.third_party_registrant = info.thirdPartyRegistrant;
  if (info.socket !== undefined) view.socket = info.socket;
  if (info.proxy !== undefined) view.proxy = info.proxy;
  if (info.pinnedDestination !== undefined) {
    view.dst_IP = isIPv6(info.pinnedDestination.host) ? 'IPv6' : 'IPv4';
    view.ip = info.pinnedDestination.host;
  }
  if (options.extendedFields) {
    view.key = info.key;
    view.requested_expires = info.requestedExpires;
    view.last_code = info.lastCode;
    view.last_reason = info.lastReason;
    view.failure_count = info.failureCount;
    view.next_attempt = formatTime(info.nextAttemptAt, format);
    view.call_id = info.callId;
    if (info.username !== undefined) view.username = info.username;
  }
  return view;
}
