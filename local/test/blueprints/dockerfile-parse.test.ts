import { describe, expect, it } from 'vitest';
import { DockerfileError } from '../../src/blueprints/dockerfile/errors.js';
import { parseDockerfile } from '../../src/blueprints/dockerfile/parse.js';

function errorOf(text: string): DockerfileError {
  try {
    parseDockerfile(text);
  } catch (e) {
    if (e instanceof DockerfileError) return e;
    throw e;
  }
  throw new Error('expected a DockerfileError');
}

describe('parseDockerfile', () => {
  it('joins continuations, skips comments inside them and keeps the starting line', () => {
    const text = [
      '# top comment',
      'FROM ubuntu:22.04 AS base',
      '',
      'RUN apt-get update \\',
      '  # a comment',
      '  && echo done',
      'ENV A=1',
    ].join('\n');
    const parsed = parseDockerfile(text);
    expect(parsed.map((i) => [i.kind, i.line])).toEqual([
      ['FROM', 2],
      ['RUN', 4],
      ['ENV', 7],
    ]);
    expect(parsed[0]).toMatchObject({ image: 'ubuntu:22.04', alias: 'base' });
    expect(parsed[1]).toMatchObject({ command: { form: 'shell', text: 'apt-get update   && echo done' } });
  });

  it('tells exec form from shell form, falling back to shell form for invalid JSON', () => {
    const parsed = parseDockerfile('FROM x\nCMD ["python3", "-m", "http.server"]\nENTRYPOINT [not json]\nRUN echo hi');
    expect(parsed[1]).toMatchObject({ kind: 'CMD', command: { form: 'exec', argv: ['python3', '-m', 'http.server'] } });
    expect(parsed[2]).toMatchObject({ kind: 'ENTRYPOINT', command: { form: 'shell', text: '[not json]' } });
    expect(parsed[3]).toMatchObject({ kind: 'RUN', command: { form: 'shell', text: 'echo hi' } });
  });

  it('accepts lower-case keywords, CRLF line ends and COPY flags', () => {
    const parsed = parseDockerfile('from x\r\ncopy --chown=user:user --chmod=755 a b /dst/\r\n');
    expect(parsed[1]).toMatchObject({
      kind: 'COPY',
      flags: { chown: 'user:user', chmod: '755' },
      args: { form: 'shell', text: 'a b /dst/' },
    });
  });

  it('accepts ARG before FROM but requires FROM first otherwise', () => {
    expect(parseDockerfile('ARG V=1\nFROM img:$V').map((i) => i.kind)).toEqual(['ARG', 'FROM']);
    expect(errorOf('RUN echo\nFROM x').code).toBe('missing_from');
    expect(errorOf('# only a comment').code).toBe('missing_from');
  });

  it.each([
    ['HEALTHCHECK CMD curl -f localhost', 'unsupported_instruction', /HEALTHCHECK is not supported/],
    ['ONBUILD RUN echo', 'unsupported_instruction', /ONBUILD/],
    ['VOLUME /data', 'unsupported_instruction', /VOLUME/],
    ['RUN cat <<EOF > f', 'unsupported_feature', /heredocs/],
    ['COPY --from=build /a /b', 'unsupported_feature', /multi-stage/],
    ['RUN --mount=type=cache,target=/x echo', 'unsupported_feature', /RUN --mount/],
    ['FROM y', 'unsupported_feature', /second FROM/],
    ['FLY away', 'syntax', /unknown instruction "FLY"/],
    ['WORKDIR', 'syntax', /WORKDIR needs arguments/],
    ['SHELL bash -c', 'syntax', /JSON array/],
  ])('refuses %j clearly with its line', (line, code, message) => {
    const error = errorOf(`FROM x\n${line}`);
    expect(error.code).toBe(code);
    expect(error.line).toBe(2);
    expect(error.message).toMatch(/^Dockerfile line 2: /);
    expect(error.message).toMatch(message);
  });

  it('records metadata-only instructions', () => {
    const kinds = parseDockerfile('FROM x\nLABEL a=b\nEXPOSE 80\nSTOPSIGNAL SIGTERM\nMAINTAINER me').map((i) => i.kind);
    expect(kinds).toEqual(['FROM', 'LABEL', 'EXPOSE', 'STOPSIGNAL', 'MAINTAINER']);
  });
});
