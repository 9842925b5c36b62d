/**
 * `sip-registrant/testing`: a registrar test double that speaks SIP over a real loopback UDP socket,
 * for testing registration clients — this library's `RegistrantManager` or your own code.
 *
 * ```ts
 * import { createRegistrarDouble } from 'sip-registrant/testing';
 *
 * const registrar = await createRegistrarDouble({ realm: 'example.com', users: { alice: 'secret' } });
 * registrar.script({ type: 'respond', status: 503, headers: [['Retry-After', '30']] }, { times: 1 });
 * // … point your client at `sip:${registrar.hostPort}` …
 * expect(registrar.bindings('sip:alice@example.com')).toHaveLength(1);
 * await registrar.close();
 * ```
 *
 * @packageDocumentation
 * @module sip-registrant/testing
 */
export { canonicalAor } from './canonical-aor.js';
export {
  createRegistrarDouble,
  type RecordedExchange,
  type RegistrarBinding,
  type RegistrarDouble,
  type RegistrarDoubleEvents,
  type RegistrarStats,
} from './registrar-double.js';
export type { RegistrarDoubleOptions, RegistrarUsers } from './registrar-double-options.js';
export type {
  ActionTiming,
  ChallengeAction,
  CredentialsVerdict,
  DropAction,
  ExtraHeader,
  MalformedAction,
  ProcessAction,
  RegisterRequestInfo,
  RegistrarBehaviour,
  RespondAction,
  ScriptedAction,
  ScriptMatch,
  ScriptOptions,
} from './scripted-behaviour.js';
