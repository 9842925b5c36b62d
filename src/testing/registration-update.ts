/**
 * The registrar's binding update, RFC 3261 §10.3 steps 6 and 7, as a function of the store, the
 * request's registration data and the time. No I/O: the double calls it and turns the outcome into a
 * response.
 *
 * The update is all-or-nothing (§10.3 step 7: "committed if and only if all binding updates and
 * additions succeed"): every Contact is checked first, then every change is applied.
 */
import type { BindingStore, StoredBinding } from './binding-store.js';
import type { RequestedContact } from './register-request.js';
import type { ExtraHeader } from './scripted-behaviour.js';

/** The registration data of one REGISTER. */
export interface RegistrationRequest {
  readonly aor: string;
  readonly callId: string;
  readonly cseq: number;
  /** Top Via branch: tells a retransmission (same branch) from a new request with a reused CSeq. */
  readonly branch: string;
  /** `'*'` for `Contact: *`; an empty array for a query (§10.2.3). */
  readonly contacts: readonly RequestedContact[] | '*';
  /** The Expires header: value, or `undefined` when absent or malformed (then the default applies). */
  readonly expiresHeader: number | undefined;
  readonly source: { readonly host: string; readonly port: number };
}

/** Registrar policy for expiries. */
export interface ExpiryPolicy {
  readonly minExpires: number;
  readonly maxExpires: number;
  readonly defaultExpires: number;
  /** Scripted grant (PIT-04 tests): replaces the granted value of non-zero requests. */
  readonly grant?: number | ((requested: number) => number) | undefined;
}

/** What became of the REGISTER. */
export type RegistrationOutcome =
  | {
      readonly kind: 'ok';
      /** Every live binding of the AOR after the update, in store order. */
      readonly bindings: readonly StoredBinding[];
      /** The bindings this request created or refreshed (removals are not in it). */
      readonly ours: ReadonlySet<StoredBinding>;
    }
  | {
      readonly kind: 'reject';
      readonly status: number;
      readonly reason: string;
      readonly headers: readonly ExtraHeader[];
    };

const NO_HEADERS: readonly ExtraHeader[] = [];

function reject(
  status: number,
  reason: string,
  headers: readonly ExtraHeader[] = NO_HEADERS,
): RegistrationOutcome {
  return { kind: 'reject', status, reason, headers };
}

/**
 * The stored binding with the same Call-ID as the request but a CSeq that is not higher aborts the
 * whole update (§10.3 steps 6 and 7). Equal CSeq and equal branch is a retransmission, not a reorder:
 * it is let through with no change so the client gets its 200 again.
 */
function cseqConflict(
  binding: StoredBinding | undefined,
  request: RegistrationRequest,
): 'ok' | 'repeat' | 'conflict' {
  if (binding === undefined || binding.callId !== request.callId || request.cseq > binding.cseq) return 'ok';
  if (request.cseq === binding.cseq && request.branch === binding.branch) return 'repeat';
  return 'conflict';
}

const OUT_OF_ORDER = reject(500, 'Out of Order CSeq');

/**
 * A copy of `text` that does not keep the received datagram alive. V8 represents a substring of 13
 * characters or more as a view on its parent, so a Call-ID read from a message would pin the whole
 * message text for as long as the binding lives — about 40% of a binding's memory at 100,000 accounts.
 */
function detached(text: string): string {
  return text.length < 13 ? text : (JSON.parse(JSON.stringify(text)) as string);
}

/** Apply a REGISTER to the store (RFC 3261 §10.3 steps 6–8) and say how to answer. */
export function applyRegistration(
  store: BindingStore,
  request: RegistrationRequest,
  policy: ExpiryPolicy,
  now: number,
): RegistrationOutcome {
  const header = request.expiresHeader;

  if (request.contacts === '*') {
    // Step 6: `*` is only valid alone and with Expires: 0.
    // (`*` beside other values never gets here: the Contact parser refuses it, and that is a 400 too.)
    if (header !== 0) return reject(400, 'Invalid Request: Contact "*" needs Expires: 0');
    const bindings = store.list(request.aor, now);
    for (const binding of bindings) if (cseqConflict(binding, request) === 'conflict') return OUT_OF_ORDER;
    store.removeAll(request.aor);
    return { kind: 'ok', bindings: store.list(request.aor, now), ours: new Set() };
  }

  // First pass: expiries and ordering checks, nothing changed yet.
  const plan: {
    contact: RequestedContact;
    existing: StoredBinding | undefined;
    expires: number;
    repeat: boolean;
  }[] = [];
  for (const contact of request.contacts) {
    const requested = contact.expires ?? header ?? policy.defaultExpires;
    // Step 7: a non-zero expiry below the minimum is refused with the minimum (§10.3, §20.23).
    if (requested !== 0 && requested < policy.minExpires)
      return reject(423, 'Interval Too Brief', [['Min-Expires', String(policy.minExpires)]]);
    let expires = Math.min(requested, policy.maxExpires);
    if (requested !== 0 && policy.grant !== undefined) {
      const granted = typeof policy.grant === 'number' ? policy.grant : policy.grant(requested);
      expires = Math.max(1, Math.floor(granted));
    }
    const existing = store.find(request.aor, contact.uri, contact.uriText, now);
    const order = cseqConflict(existing, request);
    if (order === 'conflict') return OUT_OF_ORDER;
    plan.push({ contact, existing, expires, repeat: order === 'repeat' });
  }

  // Second pass: commit.
  const ours = new Set<StoredBinding>();
  for (const { contact, existing, expires, repeat } of plan) {
    if (repeat) {
      if (existing !== undefined) ours.add(existing);
      continue;
    }
    if (expires === 0) {
      if (existing !== undefined) store.remove(existing);
      continue;
    }
    if (existing !== undefined) {
      if (existing.params !== contact.params) existing.params = detached(contact.params);
      if (existing.callId !== request.callId) existing.callId = detached(request.callId);
      existing.cseq = request.cseq;
      existing.branch = detached(request.branch);
      existing.expiresAt = now + expires * 1000;
      existing.updatedAt = now;
      existing.source = request.source;
      ours.add(existing);
    } else {
      const binding: StoredBinding = {
        aor: detached(request.aor),
        uriText: detached(contact.uriText),
        params: detached(contact.params),
        callId: detached(request.callId),
        cseq: request.cseq,
        branch: detached(request.branch),
        expiresAt: now + expires * 1000,
        updatedAt: now,
        source: request.source,
      };
      store.add(binding);
      ours.add(binding);
    }
  }
  return { kind: 'ok', bindings: store.list(request.aor, now), ours };
}
