/**
 * The token: given once in the URL the server prints (`/?token=…`, as
 * Jupyter does) or typed into the form, then kept in this tab's
 * sessionStorage and removed from the address bar (so it does not linger in
 * history or get copied along with a link).
 */
const KEY = 'runloop-local-token';

/**
 * The token from the URL (then stored and stripped) or from this tab's storage.
 *
 * @example
 * const token = takeToken(); if (token === undefined) showLogin();
 */
export function takeToken(): string | undefined {
  const url = new URL(location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl !== null && fromUrl.trim() !== '') {
    sessionStorage.setItem(KEY, fromUrl.trim());
    url.searchParams.delete('token');
    history.replaceState(null, '', `${url.pathname}${url.search}${url.hash}`);
  }
  return sessionStorage.getItem(KEY) ?? undefined;
}

/** Stores a typed-in token. @example storeToken(input.value); */
export function storeToken(token: string): void {
  sessionStorage.setItem(KEY, token.trim());
}

/** Forgets the token (sign out, or the server rejected it). @example forgetToken(); */
export function forgetToken(): void {
  sessionStorage.removeItem(KEY);
}
