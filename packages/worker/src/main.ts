#!/usr/bin/env node
// `dataflow-worker`: the pod entrypoint. In a container node runs as PID 1, and the kernel drops a
// signal that PID 1 has no handler for: a pod deleted while the modules load (1–2 s on a busy node)
// would ignore SIGTERM and be killed only at the end of its grace period. So a handler that exits
// at once (nothing has been read yet) is installed before anything else is loaded; the draining
// handler of local/shutdown-signals.ts replaces it when the flow starts.
import { installEarlyExit } from './local/early-exit.js';

installEarlyExit();
const { main } = await import('./worker-main.js');
process.exit(await main());
