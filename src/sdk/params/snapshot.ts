/**
 * Snapshot create/update params in the object SDK's camelCase, and their one
 * mapping to the wire's snake_case (`SnapshotCreateParams` in
 * `src/api/views/disk-snapshot.ts`).
 */
import type { SnapshotCreateParams } from '../../api/views/disk-snapshot.js';
import { definedFields, mapNullable } from '../internal/defined-fields.js';

/**
 * What a disk snapshot is taken (or updated) with. On update, `metadata`
 * replaces the old map wholesale.
 *
 * @example
 * devbox.snapshotDisk({ name: 'before-upgrade', commitMessage: 'pin deps', metadata: { stage: 'gold' } });
 */
export interface SdkSnapshotParams {
  readonly name?: string | null;
  readonly metadata?: Readonly<Record<string, string>> | null;
  readonly commitMessage?: string | null;
}

/**
 * The wire form of {@link SdkSnapshotParams}.
 *
 * @example
 * snapshotToWire({ commitMessage: 'x' }); // { commit_message: 'x' }
 */
export function snapshotToWire(p: SdkSnapshotParams): SnapshotCreateParams {
  return definedFields({
    name: p.name,
    metadata: mapNullable(p.metadata, (m) => ({ ...m })),
    commit_message: p.commitMessage,
  });
}
