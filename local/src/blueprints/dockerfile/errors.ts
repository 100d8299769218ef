/**
 * Errors from reading a Dockerfile. Each names the line, so a build log can
 * point at the instruction that cannot be built here.
 */

/**
 * Why a Dockerfile was refused.
 *
 * @example
 * new DockerfileError('unsupported_instruction', 4, 'HEALTHCHECK is not supported').code; // 'unsupported_instruction'
 */
export type DockerfileErrorCode = 'syntax' | 'unsupported_instruction' | 'unsupported_feature' | 'missing_from';

/**
 * A Dockerfile that cannot be built by runloop-local, with the 1-based line
 * of the offending instruction (0 when it concerns the whole file).
 *
 * @example
 * try { parseDockerfile(text); } catch (e) { if (e instanceof DockerfileError) log(e.message); }
 */
export class DockerfileError extends Error {
  constructor(
    readonly code: DockerfileErrorCode,
    readonly line: number,
    detail: string,
  ) {
    super(line > 0 ? `Dockerfile line ${line}: ${detail}` : `Dockerfile: ${detail}`);
    this.name = 'DockerfileError';
  }
}
