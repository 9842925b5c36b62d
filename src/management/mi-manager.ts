/**
 * What the MI handler needs from a manager: the `RegistrantManager` verbs, by structure, so a host
 * may also wrap or fake them.
 */
import type { RegistrantConfig } from '../config/registrant-config.js';
import type { RegistrantInfo } from '../registrant/registrant-info.js';

/**
 * The manager verbs the MI handler drives. `RegistrantManager` satisfies it. A verb on an unknown key
 * throws an error with `code` `ERR_REGISTRANT_NOT_FOUND` (or returns `false`); the handler answers
 * both with 404 "No such registrant".
 */
export interface MiRegistrantManager {
  /** The record with this identity, `undefined` when there is none. */
  find(aor: string, contact: string, registrar: string): RegistrantInfo | undefined;
  list(): readonly RegistrantInfo[];
  upsert(config: RegistrantConfig): unknown;
  delete(key: string): unknown;
  enable(key: string): unknown;
  disable(key: string): unknown;
  forceRegister(key: string): unknown;
  /** Replace the whole set; throws a `RegistrantConfigError` (nothing changed) when any is invalid. */
  reload(configs: RegistrantConfig[]): unknown;
}
