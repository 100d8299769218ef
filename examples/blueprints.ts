// Blueprints: build one from a Dockerfile plus system setup commands and
// build args, build one with a Docker build context packed from a local directory (the SDK's
// buildContext$ helper + uploadFromBytes + asBuildContext, and the
// buildContextDir shortcut), then getInfo, logs, list, createDevbox, delete.
// Both build context objects are deleted again once their blueprint is.
// runloop-local serves Runloop's default images (FROM runloop:…) from its Debian base
// root filesystem; any other FROM image is pulled from its registry.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EMPTY, concat, concatWith, defer, finalize, ignoreElements, map, reduce, switchMap, tap, toArray } from 'rxjs';
import { buildContext$, type Blueprint, type RunloopSDK } from '../src/index.js';
import { runExample } from './support/runloop.js';
import { shutdownAfter } from './support/shutdown.js';

const APP_DOCKERFILE = `FROM runloop:runloop/starter-x86_64
WORKDIR /usr/src/app
# copy using the build context from the object
COPY package.json package.json
COPY src src
CMD ["node", "src/app.js"]
`;

/** A tiny app directory to use as a build context; removed at the end. */
const appDir$ = defer(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'my-app-'));
  await mkdir(join(dir, 'src'));
  await writeFile(join(dir, 'package.json'), '{ "name": "my-app", "version": "1.0.0" }\n');
  await writeFile(join(dir, 'src', 'app.js'), 'console.log("hello from my-app");\n');
  await writeFile(join(dir, 'secrets.env'), 'TOKEN=never-uploaded\n');
  await writeFile(join(dir, '.dockerignore'), 'secrets.env\n');
  return dir;
});

/** Inspects a built blueprint, runs a devbox from it, and deletes it. */
const inspectAndUse = (blueprint: Blueprint, command: string) =>
  concat(
    blueprint.getInfo().pipe(tap((info) => console.log(`  ${info.name} (${info.id}): ${info.status}`))),
    blueprint
      .logs()
      .pipe(tap(({ logs }) => console.log(`  build log: ${logs.length} lines, last: ${logs.at(-1)?.message ?? '-'}`))),
    blueprint.createDevbox({ name: 'devbox-from-blueprint' }).pipe(
      switchMap((devbox) =>
        devbox.cmd.exec(command).pipe(
          switchMap((result) => result.stdout()),
          tap((out) => console.log(`  ${command} =>`, out.trimEnd().split('\n').join(' | '))),
          shutdownAfter(devbox),
        ),
      ),
    ),
  );

const withSetupCommands = (runloop: RunloopSDK) =>
  runloop.blueprint
    .create({
      name: 'my-blueprint',
      dockerfile:
        'FROM runloop:runloop/starter-x86_64\nRUN python3 --version > /python-version.txt\n' +
        'ARG GREETING\nRUN echo "$GREETING" > /greeting.txt\n',
      systemSetupCommands: ['echo "set up by systemSetupCommands" > /setup.txt'],
      // Docker build arguments: each ARG of the Dockerfile by name.
      buildArgs: { GREETING: 'hello from buildArgs' },
    })
    .pipe(
      switchMap((blueprint) =>
        inspectAndUse(blueprint, 'cat /python-version.txt /setup.txt /greeting.txt').pipe(
          concatWith(blueprint.delete()),
        ),
      ),
    );

const withBuildContext = (runloop: RunloopSDK, dir: string) =>
  buildContext$(dir).pipe(
    // The context as bytes, like the seed's build_docker_context_tar (uploadFromDir streams instead).
    reduce((chunks, chunk) => [...chunks, chunk], [] as Uint8Array[]),
    map((chunks) => Buffer.concat(chunks)),
    switchMap((tarBytes) => runloop.storageObject.uploadFromBytes(tarBytes, 'my-app-context.tar.gz', 'tgz')),
    switchMap((contextObject) =>
      runloop.blueprint
        .create({
          name: 'my-blueprint-with-context',
          dockerfile: APP_DOCKERFILE,
          buildContext: contextObject.asBuildContext(),
        })
        .pipe(
          switchMap((blueprint) =>
            inspectAndUse(blueprint, 'ls /usr/src/app /usr/src/app/src').pipe(concatWith(blueprint.delete())),
          ),
          concatWith(contextObject.delete()),
        ),
    ),
  );

/**
 * Deletes the build context object the SDK uploaded for `buildContextDir`
 * (the blueprint's parameters name it). Left alone it would expire after
 * BUILD_CONTEXT_TTL_MS (1 h); deleting it frees the storage now, and the
 * built blueprint no longer needs it.
 */
const deleteUploadedContext = (runloop: RunloopSDK, objectId: string | undefined) =>
  objectId === undefined
    ? EMPTY
    : runloop.storageObject.fromId(objectId).pipe(
        switchMap((object) => object.delete()),
        tap(() => console.log(`  deleted the uploaded build context ${objectId}`)),
      );

// The shortcut: the SDK packs and uploads the directory itself (streamed, honouring .dockerignore).
const withBuildContextDir = (runloop: RunloopSDK, dir: string) =>
  runloop.blueprint
    .create({ name: 'my-blueprint-from-dir', dockerfile: APP_DOCKERFILE, buildContextDir: dir })
    .pipe(
      switchMap((blueprint) =>
        blueprint
          .getInfo()
          .pipe(
            switchMap((info) =>
              concat(
                inspectAndUse(blueprint, 'ls /usr/src/app'),
                blueprint.delete(),
                deleteUploadedContext(runloop, info.parameters.build_context?.object_id),
              ),
            ),
          ),
      ),
    );

const listing = (runloop: RunloopSDK) =>
  runloop.blueprint.list().pipe(
    toArray(),
    tap((all) => console.log(`blueprint.list(): ${all.length} blueprint(s)`)),
  );

runExample('blueprints', (runloop) =>
  appDir$.pipe(
    switchMap((dir) =>
      concat(
        withSetupCommands(runloop).pipe(tap({ subscribe: () => console.log('== dockerfile + systemSetupCommands') })),
        withBuildContext(runloop, dir).pipe(
          tap({ subscribe: () => console.log('== build context: buildContext$ + asBuildContext') }),
        ),
        withBuildContextDir(runloop, dir).pipe(
          tap({ subscribe: () => console.log('== build context: buildContextDir') }),
        ),
        listing(runloop),
      ).pipe(finalize(() => void rm(dir, { recursive: true, force: true }))),
    ),
    ignoreElements(),
  ),
);
