/**
 * The server's default logger: one line per event on stderr, `key=value`
 * fields, or silence.
 */
import type { Logger } from '../context.js';

/**
 * Levels in increasing severity.
 *
 * @example
 * createLogger('warn' satisfies LogLevel)
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/**
 * A logger writing `runloop-local <level> <message> k=v…` lines to `write` (stderr by default).
 *
 * @example
 * const log = createLogger('info'); log.info('listening', { url });
 */
export function createLogger(
  minimum: LogLevel = 'info',
  write: (line: string) => void = (l) => process.stderr.write(l),
): Logger {
  const emit = (level: LogLevel) => (message: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] < ORDER[minimum]) return;
    const rest = Object.entries(fields ?? {})
      .map(([k, v]) => `${k}=${typeof v === 'string' ? JSON.stringify(v) : (JSON.stringify(v) ?? String(v))}`)
      .join(' ');
    write(`runloop-local ${level} ${message}${rest === '' ? '' : ` ${rest}`}\n`);
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

/** A logger that drops everything. @example startLocalServer({ log: silentLogger }) */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
