/**
 * sip-registrant: keep many SIP accounts registered on remote registrars.
 *
 * This file only re-exports the public surface; see docs/ for concepts and the TSDoc of each export.
 *
 * @packageDocumentation
 * @module sip-registrant
 */

export {
  computeDigestResponse,
  computeHa1,
  computeUserhash,
  type DigestResponseInput,
  type DigestResponseParams,
  type DigestSecret,
} from './auth/compute-digest-response.js';
export {
  DIGEST_ALGORITHMS,
  type DigestAlgorithm,
  type DigestAlgorithmFamily,
  type DigestAlgorithmName,
  type DigestHashName,
  findDigestAlgorithm,
  isDigestAlgorithmSupported,
  supportedDigestAlgorithms,
} from './auth/digest-algorithms.js';
// Digest authentication
export {
  challengeSetOf,
  createDigestAuthenticator,
  type DigestAuthenticator,
  type DigestAuthenticatorOptions,
  type DigestAuthorization,
  type DigestChallengeSet,
  type DigestCredentials,
  type DigestCredentialsSource,
  type DigestHa1,
  type DigestRequestInfo,
} from './auth/digest-authenticator.js';
// Prometheus metrics and the status endpoint (the CLI's status port, usable on its own)
export {
  type StatusServer,
  type StatusServerManager,
  type StatusServerOptions,
  startStatusServer,
} from './cli/status-server.js';
// Time and errors
export { type Clock, FakeClock, realClock, type TimerHandle } from './clock.js';
// Registrant configuration and domain
export {
  type ParseRegistrantRowOptions,
  parseRegistrantRow,
  REGISTRANT_TABLE_COLUMNS,
} from './config/parse-registrant-row.js';
export { parseUacParam, UAC_PARAM_FIELDS } from './config/parse-uac-param.js';
export {
  DEFAULT_EXPIRY,
  type ForcedSocket,
  type ForcedSocketProtocol,
  type NormalizedRegistrantConfig,
  type RegistrantConfig,
  registrantKey,
} from './config/registrant-config.js';
export type {
  Ha1Credentials,
  PasswordCredentials,
  RegistrantCredentials,
} from './config/registrant-credentials.js';
export {
  checkRegistrantConfig,
  type RegistrantConfigCheck,
  validateRegistrantConfig,
} from './config/validate-registrant-config.js';
export {
  DigestAuthError,
  DuplicateRegistrantError,
  RegistrantConfigError,
  type RegistrantConfigIssue,
  RegistrantNotFoundError,
  SipInvalidArgumentError,
  SipParseError,
  type SipParseErrorReason,
  SipRegistrantError,
  TransportError,
} from './errors.js';
// OpenSIPS-compatible management interface
export type {
  JsonRpcErrorObject,
  JsonRpcFailure,
  JsonRpcId,
  JsonRpcResponse,
  JsonRpcSuccess,
} from './management/json-rpc.js';
export { DEFAULT_LATENCY_BUCKETS } from './management/latency-histogram.js';
export {
  createMiHandler,
  MI_METHODS,
  type MiCommand,
  type MiHandler,
  type MiHandlerResult,
} from './management/mi-handler.js';
export type { MiHandlerOptions } from './management/mi-handler-options.js';
export type { MiRegistrantManager } from './management/mi-manager.js';
export { formatCtime, type MiRecordViewOptions, type MiTimeFormat } from './management/mi-record-view.js';
export {
  createRegistrantMetrics,
  type MetricsRegistrantManager,
  type RegistrantMetrics,
  type RegistrantMetricsOptions,
} from './management/registrant-metrics.js';
export {
  type HostResolver,
  nodeDnsResolver,
  type ResolvedAddress,
} from './registrant/destination-resolver.js';
export {
  type ManagerWarning,
  type ManagerWarningCode,
  type RegistrantConfigField,
  type RegistrantManagerEvents,
  type RegistrantMembershipEvent,
  type RegistrantStateEvent,
  type RegistrantStateEventName,
  type RegistrantStateEvents,
  type RegistrantUpdatedEvent,
  STATE_EVENT_NAMES,
  type StateChangeEvent,
} from './registrant/manager-events.js';
export {
  createRegistrantPolicy,
  DEFAULT_REGISTRANT_POLICY_OPTIONS,
  type RegistrantPolicy,
  type RegistrantPolicyOptions,
} from './registrant/policy.js';
export type { RegistrantWarning } from './registrant/registrant-events.js';
export type { RegistrantInfo } from './registrant/registrant-info.js';
// The registrant manager
export {
  RegistrantManager,
  type RegistrantManagerStats,
  type RegistrantStopResult,
} from './registrant/registrant-manager.js';
export {
  DEFAULT_USER_AGENT,
  type RegistrantManagerOptions,
} from './registrant/registrant-manager-options.js';
export {
  isFailureState,
  isInFlightState,
  parseStateName,
  RegistrantState,
  type RegistrantStateDisplayName,
  type RegistrantStateName,
  stateDisplayName,
  stateName,
} from './registrant/registrant-state.js';
export type {
  RegistrantForceRegisterResult,
  RegistrantListFilter,
  RegistrantReloadResult,
  RegistrantUpsertResult,
} from './registrant/registrant-verb-results.js';
export { TokenBucket, type TokenBucketOptions } from './registrant/token-bucket.js';
export { isCallId, parseCallId } from './sip/call-id.js';
export {
  type AuthHeaderValue,
  type DigestChallenge,
  isStaleChallenge,
  parseAuthenticationInfo,
  parseChallenge,
  parseDigestChallenge,
} from './sip/challenge.js';
export {
  type Contact,
  type ContactList,
  type ContactListOptions,
  parseContact,
  parseContactList,
} from './sip/contact.js';
export {
  type DigestCredentialsFields,
  formatDigestCredentials,
  type ParsedDigestCredentials,
  parseDigestCredentials,
} from './sip/credentials.js';
export { type CSeq, formatCSeq, parseCSeq } from './sip/cseq.js';
export { parseDeltaSeconds, parseExpires, parseExpiresStrict } from './sip/expires.js';
export { canonicalHeaderName, headerKey } from './sip/header-names.js';
// SIP message layer
export { type SipHeaderRow, SipHeaders } from './sip/headers.js';
export type { HostType } from './sip/host.js';
export {
  isRequest,
  isResponse,
  SIP_VERSION,
  type SipMessage,
  type SipRequest,
  type SipResponse,
} from './sip/message.js';
export {
  type FromTo,
  formatNameAddr,
  type NameAddr,
  type NameAddrInit,
  parseFromTo,
  parseNameAddr,
} from './sip/name-addr.js';
// SIP header grammar
export { formatParams, type GenericParam, GenericParams, parseParams } from './sip/params.js';
export { DEFAULT_PARSE_LIMITS, type ParseLimits } from './sip/parse-limits.js';
export { type ParseResult, parseMessage, tryParseMessage } from './sip/parser.js';
export { parseRetryAfter, type RetryAfter } from './sip/retry-after.js';
export { encodeMessage, serializeMessage, serializeRequest } from './sip/serializer.js';
export { type StreamFrame, StreamFramer, type StreamFramerOptions } from './sip/stream-framer.js';
export {
  type AbsoluteUri,
  formatUri,
  isSipUri,
  parseSipUri,
  parseUri,
  percentDecode,
  type SipUri,
  type TelUri,
  type Uri,
  type UriHeader,
} from './sip/uri.js';
export { uriEquals } from './sip/uri-compare.js';
export { formatVia, getVias, type ParsedVia, parseVia, topVia, type Via, type ViaInit } from './sip/via.js';
// Transactions
export { BRANCH_MAGIC_COOKIE, createBranch } from './transaction/branch.js';
export type {
  ClientTransactionHandle,
  ClientTransactionState,
  TransactionHandler,
  TransactionRecordId,
  TransactionResponseEvent,
} from './transaction/client-transaction.js';
export type { PreparedRequest } from './transaction/prepared-request.js';
export { createSyntheticResponse } from './transaction/synthetic-response.js';
export {
  DEFAULT_TRANSACTION_TIMERS,
  resolveTransactionTimers,
  type TransactionTimerOptions,
  type TransactionTimers,
} from './transaction/timers.js';
export {
  type TransactionDropCounters,
  TransactionLayer,
  type TransactionLayerOptions,
  type TransactionLayerStats,
} from './transaction/transaction-layer.js';
export type {
  StreamTransport,
  StreamTransportOptions,
  StreamTransportStats,
} from './transport/stream-transport.js';
export {
  createTcpTransport,
  type TcpTransport,
  type TcpTransportOptions,
} from './transport/tcp-transport.js';
export {
  createTlsTransport,
  type PemInput,
  type TlsTransport,
  type TlsTransportOptions,
} from './transport/tls-transport.js';
// Transports
export type {
  FlowFailureListener,
  InboundMessageListener,
  InboundSource,
  Transport,
  TransportAddress,
  TransportProtocol,
  TransportTarget,
} from './transport/transport.js';
export {
  createUdpTransport,
  type UdpTransport,
  type UdpTransportOptions,
  type UdpTransportStats,
} from './transport/udp-transport.js';
