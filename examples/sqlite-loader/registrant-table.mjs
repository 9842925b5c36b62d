// OpenSIPS' `registrant` table (table version 3, OpenSIPS 3.2 … 4.0) in SQLite, and reading its rows
// into sip-registrant configs.
import Database from 'better-sqlite3';
import { parseRegistrantRow } from 'sip-registrant';

/**
 * The table as OpenSIPS' db/schema/registrant.xml describes it: registrar, aor and binding_URI are
 * required text; the other text columns are nullable; expiry is a nullable integer (OpenSIPS skips a
 * row whose expiry is NULL); state 0 = enabled, anything else disabled; one row per
 * (aor, binding_URI, registrar). The `version` row is what OpenSIPS checks at start-up.
 */
export const REGISTRANT_SCHEMA = `
CREATE TABLE IF NOT EXISTS version (
  table_name CHAR(32) NOT NULL,
  table_version INTEGER NOT NULL DEFAULT 0,
  CONSTRAINT version_t_name_idx UNIQUE (table_name)
);
INSERT OR IGNORE INTO version (table_name, table_version) VALUES ('registrant', 3);
CREATE TABLE IF NOT EXISTS registrant (
  id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  registrar CHAR(255) NOT NULL DEFAULT '',
  proxy CHAR(255) DEFAULT NULL,
  aor CHAR(255) NOT NULL DEFAULT '',
  third_party_registrant CHAR(255) DEFAULT NULL,
  username CHAR(64) DEFAULT NULL,
  password CHAR(64) DEFAULT NULL,
  binding_URI CHAR(255) NOT NULL DEFAULT '',
  binding_params CHAR(64) DEFAULT NULL,
  expiry INTEGER DEFAULT NULL,
  forced_socket CHAR(64) DEFAULT NULL,
  cluster_shtag CHAR(64) DEFAULT NULL,
  state INTEGER NOT NULL DEFAULT 0,
  CONSTRAINT registrant_registrant_idx UNIQUE (aor, binding_URI, registrar)
);
`;

const COLUMNS =
  'id, registrar, proxy, aor, third_party_registrant, username, password, binding_URI, ' +
  'binding_params, expiry, forced_socket, cluster_shtag, state';

/** Open (creating when needed) the SQLite file and make sure the table exists. */
export function openRegistrantTable(path) {
  const db = new Database(path);
  db.pragma('journal_mode = WAL'); // the operator's sqlite3 shell can write while we read
  db.exec(REGISTRANT_SCHEMA);
  const row = db.prepare("SELECT table_version FROM version WHERE table_name = 'registrant'").get();
  if (row?.table_version !== 3)
    throw new Error(
      `registrant table version ${row?.table_version} in ${path}; this example reads version 3`,
    );
  return db;
}

/**
 * Every row as a config. Like OpenSIPS, a bad row is skipped with an error naming its id and the
 * columns at fault (never the password), and loading goes on: one typo does not stop the others.
 */
export function loadRegistrantConfigs(db, { log = console.error, ignoreClusterShtag = false } = {}) {
  const configs = [];
  for (const row of db.prepare(`SELECT ${COLUMNS} FROM registrant ORDER BY id`).all()) {
    try {
      configs.push(parseRegistrantRow(row, { ignoreClusterShtag }));
    } catch (error) {
      if (error?.code !== 'ERR_INVALID_CONFIG') throw error;
      log(`registrant row id=${row.id} skipped: ${error.message}`);
    }
  }
  return configs;
}
