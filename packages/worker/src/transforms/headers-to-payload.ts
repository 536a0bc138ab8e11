// headersToPayload: copies message headers into the payload, each mapping `Header-Name:target.path`
// (nesting created as needed, values are strings). Headers are looked up in the message's headers,
// then in a `headers` metadata map; the name matches exactly, or else ignoring case (Kafka header
// names are case-sensitive, HTTP-style names usually are not meant to be). A missing header is
// skipped; non-JSON payloads and non-object roots pass through unchanged.
import type { HeaderMapping } from '@dataflow/api';
import { RecordError } from '../errors.js';
import { deriveMessage, isJsonObject } from '../message.js';
import type { Message } from '../message.js';
import type { BuiltTransform, TransformBuildContext, TransformFactory } from '../plugin.js';
import { ConfigReader } from './config.js';
import { PayloadEditor } from './json.js';

export const HEADERS_TO_PAYLOAD_TYPE = 'headersToPayload';

function lookup(headers: Readonly<Record<string, unknown>>, name: string, lower: string): string | undefined {
  if (Object.hasOwn(headers, name)) {
    const value = headers[name];
    return typeof value === 'string' ? value : undefined;
  }
  for (const key of Object.keys(headers)) {
    const value = headers[key];
    if (key.toLowerCase() === lower && typeof value === 'string') return value;
  }
  return undefined;
}

export function headerValue(msg: Message, name: string, lower = name.toLowerCase()): string | undefined {
  const direct = lookup(msg.headers, name, lower);
  if (direct !== undefined) return direct;
  const fromMeta = msg.meta['headers'];
  return fromMeta !== null && typeof fromMeta === 'object' ? lookup(fromMeta, name, lower) : undefined;
}

export const headersToPayloadFactory: TransformFactory = {
  type: HEADERS_TO_PAYLOAD_TYPE,
  create(config: Record<string, unknown>, ctx: TransformBuildContext): BuiltTransform {
    const reader = new ConfigReader(config, ctx);
    reader.allowOnly(['mappings']);
    const mappings = reader.stringList('mappings', true).map((text, i) => {
      const mapping: HeaderMapping = reader.compileHeaderMapping(text, `mappings[${i}]`);
      return { ...mapping, lower: mapping.header.toLowerCase() };
    });

    return {
      type: HEADERS_TO_PAYLOAD_TYPE,
      apply(msg: Message): Message[] {
        if (!isJsonObject(msg.value)) return [msg];
        const editor = new PayloadEditor(msg.value);
        for (const { header, lower, path } of mappings) {
          const value = headerValue(msg, header, lower);
          if (value === undefined) continue;
          if (!editor.set(path.segments, value)) {
            throw new RecordError(`headersToPayload: cannot write header ${header} to ${path.text}: a value on the way is not an object`);
          }
        }
        return editor.changed ? [deriveMessage(msg, editor.value)] : [msg];
      },
    };
  },
};
