// What `dataflow preview` shows for one input message: the payload after every transformation step
// and where the message ends — routed to a sink, filtered by a step, failed at a step (it would be
// dead-lettered), or split into several messages (flatten) that each go on. The steps run one at a
// time with the same compiled transforms the runtime uses; no connector is created or opened.
import { isRaw } from '@dataflow/worker';
import type { BuiltTransform, JsonValue, Message, Payload } from '@dataflow/worker';

/** A payload as shown: JSON as it is, or the UTF-8 reading of raw (non-JSON) bytes. */
export type ShownPayload = { readonly json: JsonValue } | { readonly raw: string };

export interface PreviewStep {
  /** Index in spec.transformations. */
  readonly index: number;
  readonly type: string;
  readonly payload: ShownPayload;
}

export type PreviewOutcome =
  /** `output` is `main` or a route name. */
  | { readonly kind: 'routed'; readonly output: string; readonly sinkType: string }
  | { readonly kind: 'filtered'; readonly index: number; readonly type: string }
  /** `stage` as the error sink would record it: `transform:<i>:<type>` or `route`. */
  | { readonly kind: 'failed'; readonly stage: string; readonly error: string }
  /** The step at `index` produced several messages; each child's trace starts with that step. */
  | { readonly kind: 'split'; readonly index: number; readonly type: string; readonly children: readonly PreviewTrace[] };

export interface PreviewTrace {
  readonly steps: readonly PreviewStep[];
  readonly outcome: PreviewOutcome;
}

export interface PreviewOutputs {
  /** Connector type of the main sink. */
  readonly main: string;
  /** Route name → connector type of its sink. */
  readonly routes: ReadonlyMap<string, string>;
}

/** Route name → sink type, from the routers in the chain. */
export function routeSinkTypes(chain: readonly BuiltTransform[]): Map<string, string> {
  const routes = new Map<string, string>();
  for (const transform of chain) for (const route of transform.routes ?? []) routes.set(route.name, route.sink.type);
  return routes;
}

const decoder = new TextDecoder('utf-8');

/** A copy taken now: transforms may change a payload in place further down the chain. */
export function showPayload(value: Payload): ShownPayload {
  return isRaw(value) ? { raw: decoder.decode(value) } : { json: structuredClone(value) };
}

/** Runs `message` through `chain` from step `from`, recording every step. Never throws for a record. */
export function traceMessage(chain: readonly BuiltTransform[], message: Message, outputs: PreviewOutputs, from = 0): PreviewTrace {
  const steps: PreviewStep[] = [];
  let current = message;
  for (let index = from; index < chain.length; index++) {
    const transform = chain[index] as BuiltTransform;
    let produced: Message[];
    try {
      produced = transform.apply(current);
    } catch (error) {
      return { steps, outcome: { kind: 'failed', stage: `transform:${index}:${transform.type}`, error: error instanceof Error ? error.message : String(error) } };
    }
    if (produced.length === 0) return { steps, outcome: { kind: 'filtered', index, type: transform.type } };
    if (produced.length > 1) {
      const children = produced.map((child) => {
        const first: PreviewStep = { index, type: transform.type, payload: showPayload(child.value) };
        const rest = traceMessage(chain, child, outputs, index + 1);
        return { steps: [first, ...rest.steps], outcome: rest.outcome };
      });
      return { steps, outcome: { kind: 'split', index, type: transform.type, children } };
    }
    current = produced[0] as Message;
    steps.push({ index, type: transform.type, payload: showPayload(current.value) });
  }
  if (current.route === undefined) return { steps, outcome: { kind: 'routed', output: 'main', sinkType: outputs.main } };
  const sinkType = outputs.routes.get(current.route);
  if (sinkType === undefined) {
    return { steps, outcome: { kind: 'failed', stage: 'route', error: `message routed to '${current.route}', which is not a declared route` } };
  }
  return { steps, outcome: { kind: 'routed', output: current.route, sinkType } };
}
