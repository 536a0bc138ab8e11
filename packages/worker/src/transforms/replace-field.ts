// replaceField: keeps (`include`) or drops (`exclude`) fields, preserving nesting, then applies
// `renames` (`old.path:new.path`, nested on both sides; an existing target is overwritten; objects
// a move leaves empty are removed, so `key.sku:sku` turns {"key":{"sku":1}} into {"sku":1}). As in
// Kafka Connect's ReplaceField, include/exclude name the fields as they arrive, before renaming.
// At least one option is required; include and exclude are mutually exclusive. Missing fields are
// skipped; with include, a message holding none of them becomes `{}`. Non-JSON payloads and
// non-object roots pass through unchanged.
import type { PathSegment, RenameMapping } from '@dataflow/api';
import { RecordError } from '../errors.js';
import { deriveMessage, isJsonObject } from '../message.js';
import type { JsonValue, Message } from '../message.js';
import type { BuiltTransform, TransformBuildContext, TransformFactory } from '../plugin.js';
import { ConfigReader } from './config.js';
import { PayloadEditor, deletionOrder, isObject, valueAt } from './json.js';

export const REPLACE_FIELD_TYPE = 'replaceField';

/** After a move, drops the objects the move left empty (`key.sku:sku` leaves no `"key": {}`). */
function pruneEmptyParents(editor: PayloadEditor, segments: readonly PathSegment[]): void {
  for (let depth = segments.length - 1; depth > 0; depth -= 1) {
    const parent = segments.slice(0, depth);
    const value = valueAt(editor.value, parent);
    if (!isObject(value) || Object.keys(value).length > 0) return;
    editor.delete(parent);
  }
}

export const replaceFieldFactory: TransformFactory = {
  type: REPLACE_FIELD_TYPE,
  create(config: Record<string, unknown>, ctx: TransformBuildContext): BuiltTransform {
    const reader = new ConfigReader(config, ctx);
    reader.allowOnly(['renames', 'include', 'exclude']);
    if (!reader.has('renames') && !reader.has('include') && !reader.has('exclude')) {
      throw reader.error('', 'set at least one of renames, include, exclude');
    }
    if (reader.has('include') && reader.has('exclude')) throw reader.error('exclude', 'cannot be combined with include');
    const renames: RenameMapping[] = reader.has('renames')
      ? reader.stringList('renames', true).map((text, i) => reader.compileRename(text, `renames[${i}]`))
      : [];
    const include = reader.has('include') ? reader.pathList('include').map((p) => p.segments) : undefined;
    const exclude = reader.has('exclude') ? deletionOrder(reader.pathList('exclude').map((p) => p.segments)) : [];

    function keepOnly(root: JsonValue, paths: ReadonlyArray<readonly PathSegment[]>): JsonValue {
      const kept = new PayloadEditor({});
      for (const segments of paths) {
        const value = valueAt(root, segments);
        if (value !== undefined) kept.set(segments, value);
      }
      return kept.value;
    }

    return {
      type: REPLACE_FIELD_TYPE,
      apply(msg: Message): Message[] {
        if (!isJsonObject(msg.value)) return [msg];
        const editor = new PayloadEditor(include === undefined ? msg.value : keepOnly(msg.value, include));
        for (const segments of exclude) editor.delete(segments);
        for (const { from, to } of renames) {
          const value = valueAt(editor.value, from.segments);
          if (value === undefined) continue;
          editor.delete(from.segments);
          pruneEmptyParents(editor, from.segments);
          if (!editor.set(to.segments, value)) {
            throw new RecordError(`replaceField: cannot move ${from.text} to ${to.text}: a value on the way is not an object`);
          }
        }
        return include === undefined && !editor.changed ? [msg] : [deriveMessage(msg, editor.value)];
      },
    };
  },
};
