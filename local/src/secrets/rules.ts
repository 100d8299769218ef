/**
 * What a secret name and value may be, checked at the door with messages
 * that name the field and never quote the value.
 */
import * as t from 'io-ts';
import { clip } from '../http/clip.js';
import { InvalidInputError } from '../errors.js';

/** A POSIX environment variable name, as the official API states ("alphanumeric and underscores only"). */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Limits of secrets (`envBytes`: a whole environment, `NAME=value\0` each, as
 * for `environment_variables`: half the kernel's 2 MiB for arguments and environment). A value becomes one `NAME=value` string in a devbox's
 * environment, which the kernel caps at 128 KiB; 64 KiB leaves room for several.
 *
 * @example
 * if (Buffer.byteLength(value) > SECRET_LIMITS.valueBytes) refuse();
 */
export const SECRET_LIMITS = { nameChars: 256, valueBytes: 64 * 1024, envBytes: 1024 * 1024 } as const;

/**
 * Body of `POST /v1/secrets`. Shapes only; {@link checkSecretName} and
 * {@link checkSecretValue} say what is wrong with the content.
 *
 * @example
 * SecretCreateBody.is({ name: 'DB_PASS', value: 'x' }); // true
 */
export const SecretCreateBody = t.type({ name: t.string, value: t.string }, 'SecretCreateBody');
export type SecretCreateBody = t.TypeOf<typeof SecretCreateBody>;

/**
 * Body of `POST /v1/secrets/{name}`.
 *
 * @example
 * SecretUpdateBody.is({ value: 'new' }); // true
 */
export const SecretUpdateBody = t.type({ value: t.string }, 'SecretUpdateBody');
export type SecretUpdateBody = t.TypeOf<typeof SecretUpdateBody>;

/**
 * True when `name` can be an environment variable name.
 *
 * @example
 * isEnvName('DB_PASS'); // true
 * isEnvName('1X'); // false
 */
export function isEnvName(name: string): boolean {
  return name.length <= SECRET_LIMITS.nameChars && ENV_NAME.test(name);
}

/**
 * Throws a 400 naming `field` unless `name` is a valid secret (or env) name.
 *
 * @example
 * checkSecretName(body.name, 'body.name');
 */
export function checkSecretName(name: string, field: string): void {
  if (!isEnvName(name)) {
    throw new InvalidInputError(
      field,
      `${field}: ${JSON.stringify(clip(name))} is not a valid name: use letters, digits and underscores, ` +
        `not starting with a digit, at most ${SECRET_LIMITS.nameChars} characters`,
    );
  }
}

/**
 * Throws a 400 naming `field` when the value is empty, holds a NUL (no
 * environment can carry it) or is over the size cap. The value itself is never quoted.
 *
 * @example
 * checkSecretValue(body.value, 'body.value');
 */
export function checkSecretValue(value: string, field: string): void {
  if (value === '') throw new InvalidInputError(field, `${field}: must not be empty`);
  if (value.includes('\0')) throw new InvalidInputError(field, `${field}: must not contain a NUL character`);
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > SECRET_LIMITS.valueBytes) {
    throw new InvalidInputError(
      field,
      `${field}: ${bytes} bytes is over the limit of ${SECRET_LIMITS.valueBytes} bytes`,
    );
  }
}

/**
 * Throws a 400 naming `field` when an environment with secret values in it
 * would be too big for any command of the devbox to start.
 *
 * @example
 * checkEnvironmentSize({ ...params.environment_variables, ...secretEnv }, 'secrets');
 */
export function checkEnvironmentSize(env: Readonly<Record<string, string>>, field: string): void {
  let total = 0;
  for (const [name, value] of Object.entries(env)) total += Buffer.byteLength(name) + Buffer.byteLength(value) + 2;
  if (total > SECRET_LIMITS.envBytes) {
    throw new InvalidInputError(
      field,
      `${field}: with these secrets the environment is ${total} bytes, over the limit of ${SECRET_LIMITS.envBytes}`,
    );
  }
}
