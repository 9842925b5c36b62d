/**
 * The daemon config loader: YAML (a safe subset), JSON, or OpenSIPS `uac` lines → a validated
 * {@link DaemonConfig}. The CLI imports from here.
 */
export { ConfigSyntaxError } from './config-syntax-error.js';
export {
  type DaemonConfig,
  type DaemonConfigFormat,
  type DaemonLogFormat,
  type DaemonLogLevel,
  detectDaemonConfigFormat,
} from './daemon-config.js';
export {
  type DaemonConfigAccountRef,
  DaemonConfigError,
  type DaemonConfigErrorDetails,
  type DaemonConfigProblem,
} from './daemon-config-error.js';
export { DAEMON_CONFIG_KEYS, DEFAULT_STATUS_HOST } from './daemon-config-schema.js';
export { type ListenProtocol, type ListenSpec, type ListenTls, parseListenSpec } from './listen-spec.js';
export { type LoadDaemonConfigOptions, loadDaemonConfig } from './load-daemon-config.js';
export { MANAGER_SECTION_KEYS } from './manager-section.js';
export { type ParseDaemonConfigOptions, parseDaemonConfig } from './parse-daemon-config.js';
