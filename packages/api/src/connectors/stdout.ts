// Standard-output sink for demos and debugging.
import { bool, obj } from '../json-schema.js';
import type { JsonSchema } from '../json-schema.js';

export interface StdoutSinkConfig {
  pretty?: boolean;
}

export const stdoutSinkSchema: JsonSchema = obj('Writes each message to the standard output of the worker. For demos and debugging.', {
  pretty: bool('Indent each message over several lines. false: one line of JSON per message (NDJSON).', { default: false }),
});
