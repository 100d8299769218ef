import { describe, expect, it } from 'vitest';
import { DockerfileError } from '../../src/blueprints/dockerfile/errors.js';
import { parseDockerfile } from '../../src/blueprints/dockerfile/parse.js';
import { planBuild } from '../../src/blueprints/dockerfile/plan.js';
import { expandWord, expandWords } from '../../src/blueprints/dockerfile/words.js';

const plan = (text: string, args: Record<string, string> = {}) => planBuild(parseDockerfile(text), args);

describe('expandWords', () => {
  it('expands $X, ${X}, defaults and alternatives', () => {
    const v = { A: 'a', E: '' };
    expect(expandWord('$A/${A}x/${B:-b}/${E:-e}/${E-e}/${A:+alt}/${B:+alt}/$', v, 1)).toBe('a/ax/b/e//alt//$');
    expect(expandWord('${B:-${A}z}', v, 1)).toBe('az');
  });

  it('keeps single quotes literal, honours double quotes and backslashes, never re-splits values', () => {
    expect(expandWords(`'$A b' "$A c" \\$A d\\ e $S`, { A: 'x', S: 'p q' }, 1)).toEqual([
      '$A b',
      'x c',
      '$A',
      'd e',
      'p q',
    ]);
    expect(expandWords('"" x', {}, 1)).toEqual(['', 'x']);
  });

  it('rejects unterminated quotes and bad substitutions', () => {
    expect(() => expandWords('"abc', {}, 4)).toThrow(DockerfileError);
    expect(() => expandWord('${A', {}, 4)).toThrow(/missing '}'/);
    expect(() => expandWord('${1x}', {}, 4)).toThrow(/bad substitution/);
  });
});

describe('planBuild', () => {
  it('accumulates ENV and ARG (build args win over defaults) for RUN and the image', () => {
    const p = plan(
      'ARG TAG=3\nFROM py:$TAG\nARG TAG\nARG MODE=dev\nENV APP_MODE=$MODE NAME="my app"\nENV LEGACY hello world\nRUN echo $APP_MODE',
      {
        MODE: 'prod',
      },
    );
    expect(p.steps[0]).toEqual({ kind: 'from', line: 2, image: 'py:3' });
    expect(p.metadata.env).toEqual({ APP_MODE: 'prod', NAME: 'my app', LEGACY: 'hello world' });
    expect(p.steps[1]).toMatchObject({
      kind: 'run',
      command: 'echo $APP_MODE',
      env: { TAG: '3', MODE: 'prod', APP_MODE: 'prod' },
      cwd: '/',
      user: 'root',
    });
  });

  it('resolves WORKDIR and COPY destinations relative to the current WORKDIR', () => {
    const p = plan(
      'FROM x\nWORKDIR /app\nWORKDIR sub\nCOPY a b ./\nCOPY --chown=user:user ["c d", "e"]\nUSER user\nRUN pwd\nCOPY f .\nCOPY g ..',
    );
    expect(p.steps.slice(1)).toEqual([
      { kind: 'workdir', line: 2, path: '/app' },
      { kind: 'workdir', line: 3, path: '/app/sub' },
      { kind: 'copy', line: 4, add: false, sources: ['a', 'b'], dest: '/app/sub/' },
      { kind: 'copy', line: 5, add: false, sources: ['c d'], dest: '/app/sub/e', chown: 'user:user' },
      { kind: 'run', line: 7, command: 'pwd', env: {}, cwd: '/app/sub', user: 'user' },
      { kind: 'copy', line: 8, add: false, sources: ['f'], dest: '/app/sub/' },
      { kind: 'copy', line: 9, add: false, sources: ['g'], dest: '/app/' },
    ]);
    expect(p.metadata).toMatchObject({ workdir: '/app/sub', user: 'user' });
  });

  it('quotes exec-form RUN and wraps shell form in a SHELL override', () => {
    const p = plan(`FROM x\nRUN ["echo", "it's"]\nSHELL ["/bin/bash", "-eo", "pipefail", "-c"]\nRUN a | b\nCMD serve`);
    expect(p.steps[1]).toMatchObject({ command: `echo 'it'\\''s'` });
    expect(p.steps[2]).toMatchObject({ command: `/bin/bash -eo pipefail -c 'a | b'` });
    expect(p.metadata.cmd).toEqual(['/bin/bash', '-eo', 'pipefail', '-c', 'serve']);
  });

  it('records metadata-only instructions', () => {
    const p = plan('FROM x\nLABEL a=b "c d"=e\nEXPOSE 80 443/tcp\nSTOPSIGNAL SIGINT\nENTRYPOINT ["tini"]');
    expect(p.metadata).toMatchObject({
      labels: { a: 'b', 'c d': 'e' },
      exposedPorts: ['80', '443/tcp'],
      stopSignal: 'SIGINT',
      entrypoint: ['tini'],
      baseImage: 'x',
    });
  });

  it('refuses ADD from a URL and a COPY without destination', () => {
    expect(() => plan('FROM x\nADD https://example.com/a.tgz /a')).toThrow(/not supported offline/);
    expect(() => plan('FROM x\nCOPY onlyone')).toThrow(/at least one source and a destination/);
  });
});
