/**
 * One row of OpenSIPS' `registrant` table (table version 3, OpenSIPS 3.2 … 4.0) read into a
 * {@link RegistrantConfig}, validated like every config, with errors that name the **column**.
 *
 * Column semantics follow OpenSIPS `uac_registrant` (db/schema/registrant.xml and the module's loader):
 * - `registrar`, `aor`, `binding_URI` are required; `proxy`, `third_party_registrant`, `username`,
 *   `password`, `binding_params`, `forced_socket` are optional, NULL or `''` meaning absent.
 * - `expiry` is required: OpenSIPS reads a NULL expiry as 0 and skips the row, so we reject it with a
 *   clear message instead of silently applying a default.
 * - `state` 0 = enabled, any other integer = disabled (NULL reads as 0, as the column default).
 * - `cluster_shtag`: OpenSIPS only handles a tagged record on the node where the tag is active, and
 *   with clustering off never registers it. This library has no clustering, so a non-empty tag is
 *   rejected (registering it here could register the same binding from two nodes), unless the caller
 *   passes `ignoreClusterShtag: true`, which drops the tag and registers the record like any other.
 * - `id` (the table's primary key) is accepted and ignored.
 * - Column names are matched case-insensitively (SQL drivers differ: `binding_URI` vs `binding_uri`);
 *   any other column is rejected, so a typo or a foreign table is noticed.
 *
 * Integers (`expiry`, `state`) may come as numbers, bigints or decimal strings, as drivers return them.
 * The password never appears in any error.
 */
import type { RegistrantConfigIssue } from '../errors.js';
import { RegistrantConfigError } from '../errors.js';
import type { RegistrantConfig } from './registrant-config.js';
import { checkRegistrantConfig, describeRecord } from './validate-registrant-config.js';

/** Options of {@link parseRegistrantRow}. */
export interface ParseRegistrantRowOptions {
  /**
   * Accept rows with a non-empty `cluster_shtag` and ignore the tag (the record is registered from
   * this process as if untagged). When `false`, such a row is rejected.
   * @default false
   */
  readonly ignoreClusterShtag?: boolean | undefined;
}

/** The columns of OpenSIPS' `registrant` table (version 3), in schema order, with our config field. */
export const REGISTRANT_TABLE_COLUMNS: readonly {
  readonly column: string;
  readonly field: keyof RegistrantConfig | undefined;
  readonly required: boolean;
}[] = [
  { column: 'id', field: undefined, required: false },
  { column: 'registrar', field: 'registrar', required: true },
  { column: 'proxy', field: 'proxy', required: false },
  { column: 'aor', field: 'aor', required: true },
  { column: 'third_party_registrant', field: 'thirdPartyRegistrant', required: false },
  { column: 'username', field: 'username', required: false },
  { column: 'password', field: 'password', required: false },
  { column: 'binding_URI', field: 'contact', required: true },
  { column: 'binding_params', field: 'contactParams', required: false },
  { column: 'expiry', field: 'expiry', required: true },
  { column: 'forced_socket', field: 'socket', required: false },
  { column: 'cluster_shtag', field: undefined, required: false },
  { column: 'state', field: 'enabled', required: false },
];

const BY_LOWER_NAME = new Map(REGISTRANT_TABLE_COLUMNS.map((c) => [c.column.toLowerCase(), c]));

function issue(column: string, problem: string): RegistrantConfigIssue {
  return { field: column, problem, message: `${column}: ${problem}` };
}

/** Column name for a config field, for messages. */
function columnOf(field: string): string {
  return REGISTRANT_TABLE_COLUMNS.find((c) => c.field === field)?.column ?? field;
}

function columnOrder(column: string): number {
  const index = REGISTRANT_TABLE_COLUMNS.findIndex((c) => c.column === column);
  return index === -1 ? REGISTRANT_TABLE_COLUMNS.length : index;
}

/** An integer column value (number, bigint or decimal string), or `undefined` when it is not one. */
function integerOf(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined;
  if (typeof value === 'bigint')
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  const start = text.charCodeAt(0) === 0x2d ? 1 : 0; // a leading '-'
  if (text.length === start || text.length - start > 15) return undefined;
  for (let i = start; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x30 || code > 0x39) return undefined;
  }
  return Number(text);
}

/** Short description of a value's type for messages (never the value: it could be the password). */
function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Uint8Array) return 'a binary value';
  return typeof value;
}

function isAbsent(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

/**
 * Read one row of OpenSIPS' `registrant` table into a validated {@link RegistrantConfig} (ready for
 * `manager.add`, `upsert` or `reload`). Throws {@link RegistrantConfigError} (`ERR_INVALID_CONFIG`)
 * listing every problem, each named by its column (e.g. `binding_URI: is required`).
 *
 * @example
 * parseRegistrantRow({ registrar: 'sip:reg.example.com', aor: 'sip:alice@example.com',
 *   binding_URI: 'sip:alice@192.0.2.1', expiry: 600, state: 0 })
 */
export function parseRegistrantRow(
  row: Record<string, unknown>,
  options: ParseRegistrantRowOptions = {},
): RegistrantConfig {
  if (typeof options !== 'object' || options === null)
    throw new RegistrantConfigError('', [
      issue('(options)', `expected an options object, received ${typeOf(options)}`),
    ]);
  const ignoreShtag = options.ignoreClusterShtag ?? false;
  if (typeof ignoreShtag !== 'boolean')
    throw new RegistrantConfigError('', [
      issue('ignoreClusterShtag', `expected a boolean, received ${typeOf(ignoreShtag)}`),
    ]);
  if (typeof row !== 'object' || row === null || Array.isArray(row))
    throw new RegistrantConfigError('', [
      issue('(row)', `expected a row object keyed by column name, received ${typeOf(row)}`),
    ]);

  const issues: RegistrantConfigIssue[] = [];
  const config: Record<string, unknown> = {};
  const seen = new Set<string>();
  for (const name of Object.keys(row)) {
    const column = BY_LOWER_NAME.get(name.toLowerCase());
    if (column === undefined) {
      const shown = name.length > 60 ? `${name.slice(0, 60)}…` : name;
      issues.push(
        issue(
          JSON.stringify(shown),
          `is not a column of the registrant table; known columns: ${REGISTRANT_TABLE_COLUMNS.map((c) => c.column).join(', ')}`,
        ),
      );
      continue;
    }
    if (seen.has(column.column)) {
      issues.push(issue(column.column, 'is given twice (column names differ only in case)'));
      continue;
    }
    seen.add(column.column);
    const value = row[name];
    switch (column.column) {
      case 'id':
        break;
      case 'cluster_shtag':
        if (!isAbsent(value) && !ignoreShtag)
          issues.push(
            issue(
              'cluster_shtag',
              'is set, but this library has no clustering (OpenSIPS registers a tagged record only where the tag is active); clear the column or pass { ignoreClusterShtag: true } to register it anyway',
            ),
          );
        break;
      case 'expiry': {
        if (value === undefined || value === null) break; // reported as required below
        const seconds = integerOf(value);
        if (seconds === undefined)
          issues.push(issue('expiry', `expected an integer, received ${typeOf(value)}`));
        else config.expiry = seconds;
        break;
      }
      case 'state': {
        if (value === undefined || value === null) break; // column default 0 = enabled
        const state = integerOf(value);
        if (state === undefined)
          issues.push(issue('state', `expected an integer (0 = enabled), received ${typeOf(value)}`));
        else config.enabled = state === 0;
        break;
      }
      default:
        // NULL and '' mean absent for the optional text columns (OpenSIPS treats them alike).
        if (!isAbsent(value)) config[column.field!] = value;
    }
  }
  for (const column of REGISTRANT_TABLE_COLUMNS) {
    if (!column.required) continue;
    const value = config[column.field!];
    const reported = issues.some((i) => i.field === column.column);
    if (value === undefined && !reported)
      issues.push(
        issue(
          column.column,
          column.column === 'expiry'
            ? 'is required (OpenSIPS reads NULL as 0 and skips the row)'
            : 'is required',
        ),
      );
  }

  const check = checkRegistrantConfig(config);
  if (!check.ok) {
    for (const found of check.errors) {
      // A required column already reported as missing would be reported again by the validator.
      const column = columnOf(found.field);
      if (issues.some((i) => i.field === column)) continue;
      issues.push(issue(column, found.problem));
    }
  }
  if (issues.length > 0) {
    issues.sort((a, b) => columnOrder(a.field) - columnOrder(b.field));
    throw new RegistrantConfigError(
      describeRecord({
        aor: config.aor,
        contact: config.contact,
        registrar: config.registrar,
        password: config.password,
      }),
      issues,
    );
  }
  return config as unknown as RegistrantConfig;
}
