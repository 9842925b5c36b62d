/**
 * Digest credentials of a registrant record. The secret (password or HA1) lives in a `#private`
 * field behind a prototype getter, so `JSON.stringify`, `util.inspect`, `console.log` and object
 * spreading never show it (checklist SEC-07); only code that asks for `.password` / `.ha1` gets it.
 */

/** Credentials with a plain-text password. */
export class PasswordCredentials {
  readonly kind = 'password' as const;
  readonly username: string;
  readonly #password: string;

  constructor(username: string, password: string) {
    this.username = username;
    this.#password = password;
  }

  /** The plain-text password (never serialised). */
  get password(): string {
    return this.#password;
  }

  /** What JSON.stringify shows: the kind and user name, never the secret. */
  toJSON(): { kind: 'password'; username: string } {
    return { kind: this.kind, username: this.username };
  }
}

/**
 * Credentials given as a precomputed HA1 (`H(username:realm:password)`), written in the config as
 * `0x` + hex, the OpenSIPS `uac_auth` convention. 32 hex digits = MD5; 64 = SHA-256 or SHA-512-256.
 * Stored lower-case, without the `0x`.
 */
export class Ha1Credentials {
  readonly kind = 'ha1' as const;
  readonly username: string;
  readonly #ha1: string;

  constructor(username: string, ha1: string) {
    this.username = username;
    this.#ha1 = ha1;
  }

  /** The HA1 as lower-case hex without `0x` (never serialised). */
  get ha1(): string {
    return this.#ha1;
  }

  /** What JSON.stringify shows: the kind and user name, never the secret. */
  toJSON(): { kind: 'ha1'; username: string } {
    return { kind: this.kind, username: this.username };
  }
}

/** `{ username, password }` or `{ username, ha1 }`; tell them apart by `kind`. */
export type RegistrantCredentials = PasswordCredentials | Ha1Credentials;

/**
 * True when a configured password is an HA1 in the OpenSIPS form: `0x` followed by exactly 32 or 64
 * hex digits (the hash lengths of MD5 and of SHA-256 / SHA-512-256). Any other text is a plain
 * password, so an ordinary password that merely starts with `0x` keeps working.
 */
export function isHa1Password(password: string): boolean {
  if (password.length !== 34 && password.length !== 66) return false;
  if (password[0] !== '0' || (password[1] !== 'x' && password[1] !== 'X')) return false;
  for (let i = 2; i < password.length; i++) {
    const c = password.charCodeAt(i) | 0x20; // fold A-F to a-f; digits are unaffected
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return false;
  }
  return true;
}

/** Build the credentials shape for a username and a configured password (plain or `0x` HA1). */
export function makeCredentials(username: string, password: string): RegistrantCredentials {
  return isHa1Password(password)
    ? new Ha1Credentials(username, password.slice(2).toLowerCase())
    : new PasswordCredentials(username, password);
}
