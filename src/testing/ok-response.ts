/**
 * The Contact listing of a registrar's 200 OK (RFC 3261 §10.3 step 8): every current binding of the
 * AOR with its remaining expiry — bent, when a script asks, the ways real registrars bend it
 * (checklist PIT-01..03, EXP-06).
 */
import type { StoredBinding } from './binding-store.js';
import type { RegistrationOutcome } from './registration-update.js';
import type { ExtraHeader, ProcessAction } from './scripted-behaviour.js';

/** Whole seconds left, rounded up so a live binding never shows `expires=0` (which means "removed"). */
export function remainingSeconds(binding: StoredBinding, now: number): number {
  return Math.max(0, Math.ceil((binding.expiresAt - now) / 1000));
}

/** The binding as a Contact value without `expires`: `<uri>;params`. */
export function contactValue(binding: StoredBinding): string {
  return `<${binding.uriText}>${binding.params}`;
}

/**
 * Contact (and, per `action.expiresIn`, Expires) headers of the 200 OK for a successful update.
 */
export function okResponseHeaders(
  outcome: Extract<RegistrationOutcome, { kind: 'ok' }>,
  action: ProcessAction,
  now: number,
): ExtraHeader[] {
  const { ours } = outcome;
  const listing = action.contacts ?? 'all';
  let listed: readonly StoredBinding[] =
    listing === 'none'
      ? []
      : listing === 'others'
        ? outcome.bindings.filter((b) => !ours.has(b))
        : outcome.bindings;
  if (action.order === 'ours-last' || action.order === 'ours-first') {
    const mine = listed.filter((b) => ours.has(b));
    const theirs = listed.filter((b) => !ours.has(b));
    listed = action.order === 'ours-last' ? [...theirs, ...mine] : [...mine, ...theirs];
  }
  const expiresIn = action.expiresIn ?? 'contact';
  const values: string[] = [];
  for (const binding of listed) {
    let value = contactValue(binding);
    if (expiresIn !== 'header') value += `;expires=${remainingSeconds(binding, now)}`;
    if (action.rewriteContact !== undefined) value = action.rewriteContact(value, ours.has(binding));
    values.push(value);
  }
  const headers: ExtraHeader[] = [];
  if (values.length > 0) {
    if (action.joinContacts === true) headers.push(['Contact', values.join(', ')]);
    else for (const value of values) headers.push(['Contact', value]);
  }
  if (expiresIn !== 'contact') {
    // PIT-02: the expiry of this request's (first) binding, as registrars that use only Expires send it.
    const first = ours.values().next();
    if (!first.done) headers.push(['Expires', String(remainingSeconds(first.value, now))]);
  }
  return headers;
}
