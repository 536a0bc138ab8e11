// A PluginContext for tests: silent logger, secrets from a plain map, checkpoints in memory.
import type { Checkpoint, Logger, PluginContext } from '@dataflow/worker';
import { silentLogger } from '@dataflow/worker';

export interface TestContextOptions {
  readonly log?: Logger;
  /** `"<secret name>/<key>"` → value. */
  readonly secrets?: Readonly<Record<string, string>>;
  readonly flow?: { readonly namespace: string; readonly name: string };
}

export interface TestContext extends PluginContext {
  /** What the last checkpoint save stored. */
  readonly saved: () => Checkpoint | undefined;
}

export function testContext(options: TestContextOptions = {}): TestContext {
  let checkpoint: Checkpoint | undefined;
  const secrets = options.secrets ?? {};
  return {
    log: options.log ?? silentLogger,
    flow: options.flow ?? { namespace: 'test', name: 'test-flow' },
    secrets: {
      read: ({ name, key }) => {
        const value = secrets[`${name}/${key}`];
        return value === undefined ? Promise.reject(new Error(`test secret ${name}/${key} is not set`)) : Promise.resolve(value);
      },
    },
    checkpoints: {
      load: () => Promise.resolve(checkpoint),
      save: (next) => {
        checkpoint = next;
        return Promise.resolve();
      },
    },
    saved: () => checkpoint,
  };
}
