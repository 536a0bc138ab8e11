// The one error type for paths and conditions. Configs are parsed once at start-up (and at admission),
// so the message must be enough on its own to fix the spec: what is wrong, where, and in which text.

export class ExpressionError extends Error {
  /** The full text that failed to parse (a path, or a whole condition). */
  readonly expression: string;
  /** 0-based offset into `expression`; the message shows it 1-based, as a column. */
  readonly position: number;
  /** What is wrong, without the location (`unexpected "]"`). */
  readonly reason: string;

  constructor(reason: string, expression: string, position: number) {
    super(`${reason} at ${position + 1} in ${JSON.stringify(expression)}`);
    this.name = 'ExpressionError';
    this.reason = reason;
    this.expression = expression;
    this.position = position;
  }
}

/** Quotes a single character for an error message, naming invisible ones. */
export function describeChar(ch: string): string {
  if (ch === ' ') return 'space';
  if (ch === '\t') return 'tab';
  if (ch === '\n') return 'newline';
  return JSON.stringify(ch);
}
