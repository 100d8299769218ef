/**
 * Presigned object URLs: `…/presigned/objects/<id>?op=<op>&expires=<ms>&sig=<hmac>`.
 * The signature is HMAC-SHA256 over op, id and expiry with the data dir's
 * secret, so URLs survive a restart and cannot be altered.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * What a presigned URL allows.
 *
 * @example
 * presignUrl(baseUrl, secret, 'download' satisfies PresignedOp, id, expires)
 */
export type PresignedOp = 'upload' | 'download';

/**
 * Path prefix of presigned object URLs.
 *
 * @example
 * route({ method: 'GET', path: `${PRESIGNED_PREFIX}/:id`, public: true, handler })
 */
export const PRESIGNED_PREFIX = '/presigned/objects';

function signature(secret: Buffer, op: PresignedOp, id: string, expiresMs: number): string {
  return createHmac('sha256', secret).update(`${op}\n${id}\n${expiresMs}`).digest('hex');
}

/**
 * Builds a presigned URL valid until `expiresMs`.
 *
 * @example
 * presignUrl('http://127.0.0.1:4000', secret, 'download', 'obj_1', Date.now() + 3_600_000)
 */
export function presignUrl(baseUrl: string, secret: Buffer, op: PresignedOp, id: string, expiresMs: number): string {
  const query = new URLSearchParams({ op, expires: String(expiresMs), sig: signature(secret, op, id, expiresMs) });
  return `${baseUrl}${PRESIGNED_PREFIX}/${encodeURIComponent(id)}?${query.toString()}`;
}

/**
 * Why a presigned URL is refused.
 *
 * @example
 * if (verifyPresigned(secret, 'upload', id, query, Date.now()) !== 'ok') throw forbidden;
 */
export type PresignedCheck = 'ok' | 'bad_signature' | 'wrong_op' | 'expired';

/**
 * Checks a presigned URL's query for `op` on `id` at time `nowMs`.
 *
 * @example
 * verifyPresigned(secret, 'download', id, { op, expires, sig }, Date.now()) === 'ok'
 */
export function verifyPresigned(
  secret: Buffer,
  op: PresignedOp,
  id: string,
  query: { readonly op?: string; readonly expires?: string; readonly sig?: string },
  nowMs: number,
): PresignedCheck {
  const expires = Number(query.expires);
  if (query.op !== 'upload' && query.op !== 'download') return 'bad_signature';
  if (!/^\d{1,16}$/.test(query.expires ?? '') || !/^[0-9a-f]{64}$/.test(query.sig ?? '')) return 'bad_signature';
  const expected = Buffer.from(signature(secret, query.op, id, expires), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(query.sig!, 'hex'))) return 'bad_signature';
  if (query.op !== op) return 'wrong_op';
  return expires > nowMs ? 'ok' : 'expired';
}
