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
  /** Every record (`reg_list`). */
  list(): readonly RegistrantInfo[];
  /** Insert or replace one record (`reg_upsert`). */
  upsert(config: RegistrantConfig): unknown;
  /** Remove a record by key, un-REGISTERing it first (`reg_delete`). */
  delete(key: string): unknown;
  /** Enable a record by key (`reg_enable`). */
  enable(key: string): unknown;
  /** Disable a record by key, un-REGISTERing it (`reg_disable`). */
  disable(key: string): unknown;
  /** Start a registration now (`reg_force_register`). */
  forceRegister(key: string): unknown;
  /** Replace the whole set; throws a `RegistrantConfigError` (nothing changed) when any is invalid. */
  reload(configs: RegistrantConfig[]): unknown;
}
