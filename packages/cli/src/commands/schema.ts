// `dataflow schema [--crd]`: the JSON Schema of a DataFlow document for editors (YAML language
// server, IDEs), or with --crd the CRD's structural openAPIV3Schema.
import { crdOpenApiSchema, dataFlowDocumentSchema } from '@dataflow/api';
import type { Argv, CommandModule } from 'yargs';
import { stringify } from 'yaml';

interface SchemaArgs {
  crd: boolean;
  output: 'json' | 'yaml';
}

export function renderSchema(crd: boolean, output: 'json' | 'yaml'): string {
  const schema = crd ? crdOpenApiSchema() : dataFlowDocumentSchema();
  return output === 'yaml' ? stringify(schema, { lineWidth: 0, aliasDuplicateObjects: false }) : `${JSON.stringify(schema, null, 2)}\n`;
}

export const schemaCommand: CommandModule<object, SchemaArgs> = {
  command: 'schema',
  describe: 'Print the JSON Schema of a DataFlow document (for editors), or the CRD schema with --crd',
  builder: (yargs: Argv) =>
    yargs
      .option('crd', { type: 'boolean', default: false, describe: 'Print the CRD openAPIV3Schema instead' })
      .option('output', { alias: 'o', choices: ['json', 'yaml'] as const, default: 'json' as const, describe: 'Output format' }),
  handler: (argv) => {
    process.stdout.write(renderSchema(argv.crd, argv.output));
  },
};
