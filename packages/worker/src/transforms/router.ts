// router: tries `routes` in order; the first whose condition holds sends the message to that
// route's sink: the output is a copy with `route` = the route name (`name`, default `route[<i>]`)
// and metadata `routed_condition` = the condition text (metadata is copied, never mutated — the
// parent shares it). No match → the message continues to the main sink unchanged. A message that
// an earlier router already routed is left alone. Every route is declared in `routes`, so the
// runtime opens all route sinks before data flows. Non-JSON payloads see every field as missing.
import { normalizeRouteName } from '@dataflow/api';
import type { CompiledCondition } from '@dataflow/api';
import { deriveMessage } from '../message.js';
import type { Message } from '../message.js';
import type { BuiltTransform, RouteDeclaration, TransformBuildContext, TransformFactory } from '../plugin.js';
import { ConfigReader } from './config.js';
import { conditionRoot } from './filter.js';

export const ROUTER_TYPE = 'router';
export const ROUTED_CONDITION_META = 'routed_condition';

interface CompiledRoute {
  readonly name: string;
  readonly condition: CompiledCondition;
}

function readRoutes(reader: ConfigReader): { compiled: CompiledRoute[]; declared: RouteDeclaration[] } {
  const routes = reader.raw('routes');
  if (routes === undefined) throw reader.error('routes', 'is required (a non-empty list)');
  if (!Array.isArray(routes) || routes.length === 0) throw reader.error('routes', 'must be a non-empty list of routes');
  const compiled: CompiledRoute[] = [];
  const declared: RouteDeclaration[] = [];
  const seen = new Map<string, number>();
  routes.forEach((route: unknown, i) => {
    const at = `routes[${i}]`;
    if (typeof route !== 'object' || route === null || Array.isArray(route)) throw reader.error(at, 'must be an object');
    const { name, condition, sink, ...rest } = route as Record<string, unknown>;
    const unknown = Object.keys(rest)[0];
    if (unknown !== undefined) throw reader.error(`${at}.${unknown}`, 'unknown field (allowed: name, condition, sink)');
    if (name !== undefined && (typeof name !== 'string' || name === '')) throw reader.error(`${at}.name`, 'must be a non-empty string');
    if (typeof condition !== 'string' || condition === '') throw reader.error(`${at}.condition`, 'is required (a non-empty string)');
    if (typeof sink !== 'object' || sink === null || Array.isArray(sink)) throw reader.error(`${at}.sink`, 'is required ({ type, config })');
    const { type, config } = sink as Record<string, unknown>;
    if (typeof type !== 'string' || type === '') throw reader.error(`${at}.sink.type`, 'is required (a sink type)');
    if (config !== undefined && (typeof config !== 'object' || config === null || Array.isArray(config))) {
      throw reader.error(`${at}.sink.config`, 'must be an object');
    }
    const routeName = normalizeRouteName(i, typeof name === 'string' ? { name } : {});
    const earlier = seen.get(routeName);
    if (earlier !== undefined) throw reader.error(`${at}.name`, `duplicate route name "${routeName}" (also routes[${earlier}])`);
    seen.set(routeName, i);
    compiled.push({ name: routeName, condition: reader.compileCondition(condition, `${at}.condition`) });
    declared.push({ name: routeName, condition, sink: { type, config: (config ?? {}) as Record<string, unknown> } });
  });
  return { compiled, declared };
}

export const routerFactory: TransformFactory = {
  type: ROUTER_TYPE,
  create(config: Record<string, unknown>, ctx: TransformBuildContext): BuiltTransform {
    const reader = new ConfigReader(config, ctx);
    reader.allowOnly(['routes']);
    const { compiled, declared } = readRoutes(reader);

    return {
      type: ROUTER_TYPE,
      routes: declared,
      apply(msg: Message): Message[] {
        if (msg.route !== undefined) return [msg];
        const root = conditionRoot(msg.value);
        for (const route of compiled) {
          if (!route.condition.evaluate(root)) continue;
          const routed = deriveMessage(msg, msg.value);
          routed.route = route.name;
          routed.meta = { ...msg.meta, [ROUTED_CONDITION_META]: route.condition.text };
          return [routed];
        }
        return [msg];
      },
    };
  },
};
