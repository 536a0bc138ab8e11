// Exit codes shared by every command.
export const EXIT = {
  ok: 0,
  /** The input was read but is invalid (validation issues, legacy-shape conflicts). */
  invalid: 1,
  /** A file could not be read or parsed, or the command line was wrong. */
  unreadable: 2,
} as const;
