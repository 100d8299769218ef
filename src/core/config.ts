/**
 * Client options resolved for Node: the platform-free part (`client-options.ts`)
 * plus the undici dispatcher.
 */
import { Agent, type Dispatcher } from 'undici';
import { resolveBaseConfig, type BaseConfig, type ClientOptions, type ConfigEnv } from './client-options.js';

export {
  DEFAULT_BASE_URL,
  DEFAULT_MAX_RETRIES,
  DEFAULT_TIMEOUT_MS,
  SDK_VERSION,
  parseCustomHeaders,
  type ClientOptions,
  type ConfigEnv,
} from './client-options.js';

/**
 * Options after defaults and environment are applied.
 *
 * @example
 * const config: ResolvedConfig = resolveConfig({ bearerToken: 'k' });
 */
export interface ResolvedConfig extends BaseConfig {
  readonly dispatcher: Dispatcher;
  /** True when the dispatcher was created here (so the client may close it). */
  readonly ownsDispatcher: boolean;
}

/**
 * Applies defaults and the environment. Throws `RunloopConfigError`
 * when no API key is available or an option is invalid.
 *
 * @example
 * const config = resolveConfig({ baseURL: 'http://127.0.0.1:4000' }, { RUNLOOP_API_KEY: 'k' });
 */
export function resolveConfig(options: ClientOptions = {}, env: ConfigEnv = process.env): ResolvedConfig {
  const dispatcher = options.dispatcher ?? new Agent({ keepAliveTimeout: 10_000, connections: 64 });
  return { ...resolveBaseConfig(options, env), dispatcher, ownsDispatcher: options.dispatcher === undefined };
}
