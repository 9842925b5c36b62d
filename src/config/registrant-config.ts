/**
 * The configuration of one registrant record (one binding of one AOR at one registrar), in the shape
 * users write it, and the validated, normalised form the engine keeps.
 *
 * Field names follow OpenSIPS `uac_registrant` columns (see the mapping in each field's doc).
 */
import type { RegistrantCredentials } from './registrant-credentials.js';

/** Expiry requested when the config gives none (OpenSIPS `default_expires`). */
export const DEFAULT_EXPIRY = 3600;

/**
 * Largest accepted expiry: 2^32 − 1 seconds, the largest `expires` value a SIP element must parse
 * (RFC 3261 §20.19, checklist EXP-09). Registrars cap it far lower; the engine only needs it finite.
 */
export const MAX_EXPIRY = 2 ** 32 - 1;

/** One registrant record as a user writes it. */
export interface RegistrantConfig {
  /**
   * Registrar URI, a SIP or SIPS URI without user part; it becomes the Request-URI of every REGISTER
   * (RFC 3261 §10.2, REG-01). OpenSIPS column `registrar`.
   */
  registrar: string;
  /**
   * Outbound proxy URI (next hop instead of the registrar), a SIP or SIPS URI without user part.
   * OpenSIPS column `proxy`. An empty string means none.
   * @default undefined (send to the registrar)
   */
  proxy?: string | undefined;
  /** Address-of-record, a SIP or SIPS URI: the To of every REGISTER. OpenSIPS column `aor`. */
  aor: string;
  /**
   * URI of the party registering on behalf of the AOR: the From of every REGISTER (RFC 3261 §10.2,
   * REG-04). OpenSIPS column `third_party_registrant`. An empty string means none.
   * @default undefined (From = AOR)
   */
  thirdPartyRegistrant?: string | undefined;
  /**
   * Digest user name. OpenSIPS column `username`. An empty string means none. Required when a
   * password is given.
   * @default undefined (no credentials: a challenge means WRONG_CREDENTIALS)
   */
  username?: string | undefined;
  /**
   * Digest password, or an HA1 written as `0x` + 32 or 64 hex digits (OpenSIPS `uac_auth`
   * convention). Never shown in errors, events, `list()` or logs. Required when a username is given.
   * @default undefined
   */
  password?: string | undefined;
  /** Binding (Contact) URI, a SIP or SIPS URI. OpenSIPS column `binding_URI`. */
  contact: string;
  /**
   * Contact header parameters appended after the `>` of the Contact, starting with `;`, e.g.
   * `;+sip.instance="<urn:uuid:…>";reg-id=1`. Must not contain `expires` (the engine adds it).
   * OpenSIPS column `binding_params`.
   * @default undefined (none)
   */
  contactParams?: string | undefined;
  /**
   * Requested expiry in seconds, sent as `;expires=` on our Contact; a positive integer up to
   * 2^32 − 1. OpenSIPS column `expiry`.
   * @default 3600
   */
  expiry?: number | undefined;
  /**
   * Forced local socket `proto:host:port` (proto `udp`, `tcp` or `tls`; host IPv4, `[IPv6]` or a
   * name; port 1–65535), e.g. `udp:127.0.0.1:5060`. OpenSIPS column `forced_socket`.
   * @default undefined (any transport that can reach the destination)
   */
  socket?: string | undefined;
  /**
   * Whether the record registers. `false` keeps it in the table, not registered. OpenSIPS column
   * `state` (0 = enabled).
   * @default true
   */
  enabled?: boolean | undefined;
}

/** Transport protocols a forced socket may name. */
export type ForcedSocketProtocol = 'udp' | 'tcp' | 'tls';

/** A parsed forced socket. */
export interface ForcedSocket {
  readonly protocol: ForcedSocketProtocol;
  /** Host without IPv6 brackets, as written (names keep their case; protocol is lower-cased). */
  readonly host: string;
  readonly port: number;
  /** Normalised text form `proto:host:port`, IPv6 in brackets, e.g. `udp:[::1]:5060`. */
  readonly text: string;
}

/** A validated record configuration: every default applied, empty optional strings removed. */
export interface NormalizedRegistrantConfig {
  readonly registrar: string;
  readonly proxy: string | undefined;
  readonly aor: string;
  readonly thirdPartyRegistrant: string | undefined;
  /** `undefined` when no username/password is configured. Secrets are not enumerable. */
  readonly credentials: RegistrantCredentials | undefined;
  readonly contact: string;
  /** `''` when none. */
  readonly contactParams: string;
  readonly expiry: number;
  readonly socket: ForcedSocket | undefined;
  readonly enabled: boolean;
}

/**
 * The identity of a record, (aor, contact, registrar) as in OpenSIPS (the unique key of its
 * `registrant` table), as one stable string: the three values, byte for byte, in a JSON array.
 * Two configs with the same identity are the same record; adding both is an error.
 */
export function registrantKey(config: {
  readonly aor: string;
  readonly contact: string;
  readonly registrar: string;
}): string {
  return JSON.stringify([config.aor, config.contact, config.registrar]);
}
