// Every `dataflow` sub-command, in the order `dataflow --help` lists them. To add one (run, preview,
// render …) write `commands/<name>.ts` exporting a yargs CommandModule and append it here.
import type { CommandModule } from 'yargs';
import { normalizeCommand } from './normalize.js';
import { previewCommand } from './preview.js';
import { runCommand } from './run.js';
import { schemaCommand } from './schema.js';
import { validateCommand } from './validate.js';

// Each module narrows its own argument type; yargs only needs the common shape here.
export const commands: ReadonlyArray<CommandModule<object, never>> = [
  validateCommand as unknown as CommandModule<object, never>,
  normalizeCommand as unknown as CommandModule<object, never>,
  schemaCommand as unknown as CommandModule<object, never>,
  runCommand as unknown as CommandModule<object, never>,
  previewCommand as unknown as CommandModule<object, never>,
];
