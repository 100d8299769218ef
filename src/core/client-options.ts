/**
 * Client options and their resolution against the environment (runloop-api.md §1),
 * without anything platform-specific: shared by the Node client (`config.ts`,
 * which adds the undici dispatcher) and the browser client.
 */
import type { Dispatcher } from 'undici';
import { RunloopConfigError } from './errors.js';

/**
 * The SDK version sent in `User-Agent: runloop-rx/<version>` (keep in step with package.json).
 *
 * @example
 * console.log(`runloop-rx ${SDK_VERSION}`);
 */
export const SDK_VERSION = '0.1.0';

/**
 * The public Runloop API.
 *
 * @example
 * const isCloud = config.baseURL === DEFAULT_BASE_URL;
 */
export const DEFAULT_BASE_URL = 'https://api.runloop.ai';
/**
 * Time until response headers, in ms.
 *
 * @example
 * createApiCaller({ timeoutMs: DEFAULT_TIMEOUT_MS * 2 });
 */
export const DEFAULT_TIMEOUT_MS = 30_000;
/**
 * Retries after the first attempt.
 *
 * @example
 * createApiCaller({ maxRetries: DEFAULT_MAX_RETRIES });
 */
export const DEFAULT_MAX_RETRIES = 5;

/**
 * What a user may pass when creating a client; everything is optional.
 *
 * @example
 * const options: ClientOptions = { baseURL: 'http://127.0.0.1:4000', bearerToken: 'local' };
 */
export interface ClientOptions {
  /** API key; defaults to env `RUNLOOP_API_KEY`. */
  readonly bearerToken?: string;
  /** Defaults to env `RUNLOOP_BASE_URL` (blank = unset), then {@link DEFAULT_BASE_URL}. */
  readonly baseURL?: string;
  /** Time until response headers, per attempt. Default 30 000. */
  readonly timeoutMs?: number;
  /** Default 5. */
  readonly maxRetries?: number;
  /** Sent on every request; override env `RUNLOOP_CUSTOM_HEADERS`. */
  readonly defaultHeaders?: Readonly<Record<string, string>>;
  /** An undici dispatcher (e.g. `ProxyAgent`); default: a keep-alive `Agent` owned by the client. */
  readonly dispatcher?: Dispatcher;
}

/**
 * Options after defaults and environment are applied, on any platform.
 *
 * @example
 * const config: BaseConfig = resolveBaseConfig({ bearerToken: 'k' });
 */
export interface BaseConfig {
  readonly bearerToken: string;
  /** Without a trailing slash. */
  readonly baseURL: string;
  readonly timeoutMs: number;
  readonly maxRetries: number;
  /** Lower-cased names. */
  readonly defaultHeaders: Readonly<Record<string, string>>;
}

/**
 * The environment variables the client reads (`RUNLOOP_API_KEY`, `RUNLOOP_BASE_URL`, `RUNLOOP_CUSTOM_HEADERS`).
 *
 * @example
 * const env: ConfigEnv = { RUNLOOP_API_KEY: 'k' };
 */
export type ConfigEnv = Readonly<Record<string, string | undefined>>;

/**
 * Parses `RUNLOOP_CUSTOM_HEADERS`: newline-separated `Name: value` lines.
 * Lines without a colon or with an empty name are skipped.
 *
 * @example
 * parseCustomHeaders('X-Team: core\nX-Env: dev'); // { 'x-team': 'core', 'x-env': 'dev' }
 */
export function parseCustomHeaders(text: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of (text ?? '').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (name.length > 0) headers[name] = line.slice(colon + 1).trim();
  }
  return headers;
}

function lowerCaseKeys(headers: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) out[name.toLowerCase()] = value;
  return out;
}

function nonBlank(value: string | undefined): string | undefined {
  return value !== undefined && value.trim().length > 0 ? value.trim() : undefined;
}

function checkCount(name: string, value: number, allowZero: boolean): number {
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new RunloopConfigError(`${name} must be a ${allowZero ? 'non-negative' : 'positive'} number`);
  }
  return value;
}

/**
 * `process.env` in Node; an empty environment where there is no `process` (browsers).
 *
 * @example
 * resolveBaseConfig({}, defaultEnv());
 */
export function defaultEnv(): ConfigEnv {
  return (globalThis as { process?: { env?: ConfigEnv } }).process?.env ?? {};
}

/**
 * Applies defaults and the environment (everything but the dispatcher). Throws {@link RunloopConfigError}
 * when no API key is available or an option is invalid.
 *
 * @example
 * const config = resolveBaseConfig({ baseURL: 'http://127.0.0.1:4000' }, { RUNLOOP_API_KEY: 'k' });
 */
export function resolveBaseConfig(options: ClientOptions = {}, env: ConfigEnv = defaultEnv()): BaseConfig {
  const bearerToken = nonBlank(options.bearerToken) ?? nonBlank(env['RUNLOOP_API_KEY']);
  if (bearerToken === undefined) {
    throw new RunloopConfigError('No API key: pass `bearerToken` or set the RUNLOOP_API_KEY environment variable');
  }
  const rawBase = nonBlank(options.baseURL) ?? nonBlank(env['RUNLOOP_BASE_URL']) ?? DEFAULT_BASE_URL;
  let baseURL: string;
  try {
    const url = new URL(rawBase);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('protocol');
    baseURL = rawBase.replace(/\/+$/, '');
  } catch {
    throw new RunloopConfigError('baseURL must be an absolute http(s) URL');
  }
  return {
    bearerToken,
    baseURL,
    timeoutMs: checkCount('timeoutMs', options.timeoutMs ?? DEFAULT_TIMEOUT_MS, false),
    maxRetries: Math.floor(checkCount('maxRetries', options.maxRetries ?? DEFAULT_MAX_RETRIES, true)),
    defaultHeaders: { ...parseCustomHeaders(env['RUNLOOP_CUSTOM_HEADERS']), ...lowerCaseKeys(options.defaultHeaders) },
  };
}
