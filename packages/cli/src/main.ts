#!/usr/bin/env node
// `dataflow`: work with DataFlow specs without a cluster. Sub-commands live in commands/*.ts and are
// listed in commands/index.ts.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { commands } from './commands/index.js';
import { EXIT } from './exit-codes.js';

// `dataflow schema | head` closes the pipe early; that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(EXIT.ok);
  throw err;
});

const cli = yargs(hideBin(process.argv))
  .scriptName('dataflow')
  .usage('$0 <command> [options]')
  .strict()
  .demandCommand(1, 'Name a command; see dataflow --help.')
  .recommendCommands()
  .help()
  .alias('h', 'help')
  .version(false)
  .wrap(Math.min(120, process.stdout.columns || 100))
  .fail((message, error) => {
    // A thrown error is a bug: let it surface with its stack. A usage mistake gets a short message.
    if (error !== undefined && error !== null) throw error;
    console.error(message);
    console.error('Run dataflow --help for usage.');
    process.exit(EXIT.unreadable);
  });

for (const command of commands) cli.command(command);

await cli.parseAsync();
