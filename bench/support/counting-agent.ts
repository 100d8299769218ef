/**
 * An undici Agent that counts the HTTP requests it dispatches, by path, so
 * the bench can say how many requests a wait costs.
 */
import { Agent, type Dispatcher } from 'undici';

/**
 * Counts every request dispatched through it.
 *
 * @example
 * const agent = new CountingAgent(); const sdk = new RunloopSDK({ dispatcher: agent });
 * agent.reset(); await work(); console.log(agent.total);
 */
export class CountingAgent extends Agent {
  #paths: string[] = [];

  constructor() {
    // Room for the scale case: 200 creates, each holding a long-poll until its devbox runs.
    super({ keepAliveTimeout: 10_000, connections: 256 });
  }

  override dispatch(options: Agent.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    this.#paths.push(`${options.method} ${options.path.replace(/\?.*/, '')}`);
    return super.dispatch(options, handler);
  }

  /** Requests since the last reset. */
  get total(): number {
    return this.#paths.length;
  }

  /** Requests since the last reset whose `METHOD path` matches. */
  matching(pattern: RegExp): number {
    return this.#paths.filter((p) => pattern.test(p)).length;
  }

  reset(): void {
    this.#paths = [];
  }
}
