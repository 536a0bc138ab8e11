// Test support: whether an object can be garbage-collected, for tests of queues that must let go of
// what they handed out. Exposes V8's gc() to this process once.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | undefined;

/** True when nothing but `ref` still holds its target after a full collection. */
export async function collected(ref: WeakRef<object>): Promise<boolean> {
  if (gc === undefined) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  // A WeakRef's target stays alive until the job that created or read it has finished.
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  return ref.deref() === undefined;
}
