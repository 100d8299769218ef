/**
 * One cold pull in a process of its own, so its peak memory is its own:
 * `tsx bench/support/pull-once.ts <image> <storeDir> <mirror>` prints
 * `{ ms, layers }` as JSON. Used by bench/image-pull.ts.
 */
import { ImageStore } from '../../local/src/images/image-store.js';

const [image, dir, mirror] = process.argv.slice(2) as [string, string, string];
const store = new ImageStore({ dir, ids: { hostStart: 100_000, size: 65_536 }, dockerHubMirror: mirror });
const started = performance.now();
const pulled = await store.pull(image, { log: () => undefined });
const ms = performance.now() - started;
console.log(JSON.stringify({ ms, layers: pulled.layers }));
