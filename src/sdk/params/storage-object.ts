/**
 * Storage-object create params in the object SDK's camelCase, and their one
 * mapping to the wire's snake_case (`ObjectCreateParams` in `src/api/views/object.ts`).
 */
import type { ObjectContentTypeStrict, ObjectCreateParams } from '../../api/views/object.js';
import { definedFields, mapNullable } from '../internal/defined-fields.js';

/**
 * What a storage object is created with.
 *
 * @example
 * runloop.storageObject.create({ name: 'data.bin', contentType: 'binary', ttlMs: 3_600_000 });
 */
export interface SdkObjectCreateParams {
  readonly name: string;
  readonly contentType: ObjectContentTypeStrict;
  readonly metadata?: Readonly<Record<string, string>> | null;
  /** Delete automatically this long after creation. */
  readonly ttlMs?: number | null;
}

/**
 * The wire form of {@link SdkObjectCreateParams}.
 *
 * @example
 * objectCreateToWire({ name: 'a.txt', contentType: 'text', ttlMs: 60_000 }); // { name: 'a.txt', content_type: 'text', ttl_ms: 60000 }
 */
export function objectCreateToWire(p: SdkObjectCreateParams): ObjectCreateParams {
  return definedFields({
    name: p.name,
    content_type: p.contentType,
    metadata: mapNullable(p.metadata, (m) => ({ ...m })),
    ttl_ms: p.ttlMs,
  });
}
