import { lastValueFrom, type SchedulerLike } from 'rxjs';
import type { DevboxView } from '../api/views/devbox.js';
import { Devbox } from './devbox.js';
import type { SdkContext } from './internal/context.js';
import { scopeShutdown } from './internal/scoped-devbox.js';

/**
 * A devbox you created (`runloop.devbox.create*`, `snapshot.createDevbox`,
 * `blueprint.createDevbox`): a {@link Devbox} that `await using` shuts down
 * at the end of the block, the TypeScript form of the seed's
 * `with runloop.devbox.create() as devbox:`. Nothing happens without
 * `await using` (or a call to `[Symbol.asyncDispose]()`); a handle from
 * `attach` or `fromId` is a plain Devbox and is never shut down for you.
 *
 * The shutdown is the scoped one of `devbox.use`: a devbox already gone is
 * fine, one busy with a snapshot is shut down with `force`.
 *
 * @example
 * {
 *   await using devbox = await firstValueFrom(runloop.devbox.create({ name: 'tmp' }));
 *   await lastValueFrom(devbox.cmd.exec('make test'));
 * } // shut down here, also when the block throws
 */
export class OwnedDevbox extends Devbox implements AsyncDisposable {
  readonly #ctx: SdkContext;

  /** @internal use `runloop.devbox.create*`. */
  constructor(ctx: SdkContext, id: string, initial?: DevboxView, scheduler?: SchedulerLike) {
    super(ctx, id, initial, scheduler);
    this.#ctx = ctx;
  }

  /** Shuts the devbox down and resolves once that is done. @example await devbox[Symbol.asyncDispose](); */
  async [Symbol.asyncDispose](): Promise<void> {
    await lastValueFrom(scopeShutdown(this.#ctx, this.id), { defaultValue: undefined });
  }
}
