/**
 * Command output as data: one tagged line per emission (DESIGN.md "Command output is data"),
 * and where to resume reading it.
 */

/**
 * Which output stream a line came from.
 *
 * @example
 * const stream: OutputStream = 'stderr';
 */
export type OutputStream = 'stdout' | 'stderr';

/**
 * One line of command output.
 *
 * `offset` is the byte position in its stream just AFTER the line (including
 * its terminator), so passing it back as a resume offset continues with the
 * next line and never repeats this one.
 *
 * @example
 * const line: OutputLine = { stream: 'stdout', line: 'hello', offset: 6 };
 */
export interface OutputLine {
  readonly stream: OutputStream;
  readonly line: string;
  readonly offset: number;
}

/**
 * Where to start reading each stream, in bytes; both default to 0 (the start).
 *
 * @example
 * execution.outputFrom({ stdout: lastLine.offset });
 */
export interface OutputPosition {
  readonly stdout?: number;
  readonly stderr?: number;
}
