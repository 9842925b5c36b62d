/**
 * The `reg_list` view as a plain-text table for a terminal: one row per record with the columns an
 * operator reads first, then a count per state. Long tables are cut (the counts still cover all).
 */
import type { RegistrantInfo } from '../registrant/registrant-info.js';

/** Options of {@link formatRegListTable}. */
export interface RegListTableOptions {
  /** Rows shown before the table is cut; `Infinity` shows all. @default 20 */
  readonly maxRows?: number;
  /** Wall-clock now (ms) for the "refresh in" column. @default Date.now() */
  readonly now?: number;
}

const COLUMNS = ['#', 'AOR', 'state', 'expires', 'refresh in', 'last reply', 'binding', 'registrar'] as const;

/** Time to the next REGISTER of a registered record (OpenSIPS' registration timeout). */
function refreshIn(info: RegistrantInfo, now: number): string {
  if (info.registrationTimeout === undefined || info.stateName !== 'REGISTERED') return '-';
  const seconds = Math.max(0, Math.round((info.registrationTimeout - now) / 1000));
  return seconds >= 60
    ? `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`
    : `${seconds}s`;
}

function row(info: RegistrantInfo, index: number, now: number): string[] {
  const reply = info.lastCode > 0 ? `${info.lastCode} ${info.lastReason}` : '-';
  return [
    String(index + 1),
    info.aor,
    `${info.state} ${info.stateName}`,
    info.stateName === 'REGISTERED' ? `${info.expires}s` : '-',
    refreshIn(info, now),
    reply,
    info.binding,
    info.registrar,
  ];
}

/** Render `records` (as returned by `list()`) as text lines ending in a newline. */
export function formatRegListTable(
  records: readonly RegistrantInfo[],
  options: RegListTableOptions = {},
): string {
  const maxRows = options.maxRows ?? 20;
  const now = options.now ?? Date.now();
  const shown = records.slice(0, Math.min(records.length, maxRows));
  const rows = [COLUMNS.slice() as string[], ...shown.map((info, i) => row(info, i, now))];
  // A loop, not Math.max(...rows): spreading 100,000+ rows as arguments overflows the stack.
  const widths = COLUMNS.map(() => 0);
  for (const r of rows) for (let c = 0; c < r.length; c++) widths[c] = Math.max(widths[c]!, r[c]!.length);
  const line = (cells: string[]): string =>
    cells
      .map((cell, c) => (c === cells.length - 1 ? cell : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd();
  let out = `${line(rows[0]!)}\n${line(widths.map((w) => '-'.repeat(w)))}\n`;
  for (const r of rows.slice(1)) out += `${line(r)}\n`;
  if (records.length > shown.length) out += `… ${records.length - shown.length} more records not shown\n`;
  const byState = new Map<string, number>();
  for (const info of records) byState.set(info.stateName, (byState.get(info.stateName) ?? 0) + 1);
  const counts = [...byState].map(([state, count]) => `${state} ${count}`).join(', ');
  out += `${records.length} records${counts === '' ? '' : `: ${counts}`}\n`;
  return out;
}
