// Fields and rules shared by the SQL connectors (PostgreSQL, ClickHouse, Trino): incremental
// polling sources and batch sinks with rawMode (upstream-reference.md §1.4.2, §1.5.2, §1.5.7).
// Defaults differ per system, so the schema fragments take them as arguments.
import { bool, int, num, str } from '../json-schema.js';
import type { JsonSchema } from '../json-schema.js';
import { checkBatchFlushable, checkColumnName } from './rules.js';
import type { ConfigCheck } from './rules.js';

/** Polling-source fields common to every SQL source. */
export interface PollingSourceConfig {
  query?: string;
  pollInterval?: number;
  readBatchSize?: number;
  changeTrackingColumn?: string;
  orderByColumn?: string;
}

/** rawMode fields common to every SQL sink. */
export interface RawModeSinkConfig {
  rawMode?: boolean;
  flattenMetadataColumns?: boolean;
  flattenMetadataColumnsPrefix?: string;
}

export function pollingSourceProperties(opts: { changeTrackingColumnDefault?: string }): Record<string, JsonSchema> {
  const tracking = opts.changeTrackingColumnDefault;
  return {
    query: str(
      'Custom SELECT read instead of the whole table. It is wrapped in a subquery with the same incremental filter and order, ' +
        'so it must return orderByColumn (and changeTrackingColumn when one is used); no trailing semicolon.',
      { minLength: 1 },
    ),
    pollInterval: int('Seconds between two polls.', { minimum: 1, default: 5 }),
    readBatchSize: int('Rows read per poll at most (SQL LIMIT); 0 = no limit.', { minimum: 0, default: 0 }),
    changeTrackingColumn: str(
      'Column whose growing value (e.g. a modification time) marks new and changed rows. The read position is the pair ' +
        '(changeTrackingColumn, orderByColumn), checkpointed after the sink acknowledged the rows.' +
        (tracking === undefined ? ' Absent: rows are tracked by orderByColumn alone.' : ''),
      tracking === undefined ? { minLength: 1 } : { minLength: 1, default: tracking },
    ),
    orderByColumn: str('Unique, growing column that orders rows with equal changeTrackingColumn values; its value becomes metadata id.', {
      minLength: 1,
      default: 'id',
    }),
  };
}

export function batchSinkProperties(opts: { batchSizeDefault: number; batchSizeMinimum: 0 | 1; flushIntervalDefault?: number }): Record<string, JsonSchema> {
  return {
    batchSize: int(
      opts.batchSizeMinimum === 0
        ? 'Rows written in one statement at most; 0 = flush on batchFlushIntervalSeconds only.'
        : 'Rows written in one statement at most.',
      { minimum: opts.batchSizeMinimum, default: opts.batchSizeDefault },
    ),
    batchFlushIntervalSeconds: num('Longest time in seconds a row waits for its batch to fill; 0 = no timer, flush on batchSize only.', {
      minimum: 0,
      default: opts.flushIntervalDefault ?? 10,
    }),
  };
}

export function rawModeProperties(): Record<string, JsonSchema> {
  return {
    rawMode: bool(
      'Store each message whole: the payload in column data and the message metadata in column _metadata. ' +
        'A payload shaped {"value": X, "_metadata": M} is unwrapped into X and M. Without rawMode each top-level payload key is a column.',
      { default: false },
    ),
    flattenMetadataColumns: bool('With rawMode: write each metadata key into its own column <prefix><key> instead of _metadata.', {
      default: false,
    }),
    flattenMetadataColumnsPrefix: str('Column name prefix of flattened metadata columns (with flattenMetadataColumns).', { default: '' }),
  };
}

export function checkPollingSource(c: ConfigCheck): void {
  if (!c.hasValue('table') && !c.has('query')) c.report('table', 'set table (or tableSecretRef) or query');
  const query = c.string('query');
  if (query !== undefined && /;\s*$/.test(query)) {
    c.report('query', 'remove the trailing semicolon: the query is wrapped in a subquery');
  }
  checkColumnName(c, 'changeTrackingColumn');
  checkColumnName(c, 'orderByColumn');
}

export function checkRawMode(c: ConfigCheck): void {
  if (c.isTrue('flattenMetadataColumns') && !c.isTrue('rawMode')) {
    c.report('flattenMetadataColumns', 'flattenMetadataColumns works only with rawMode: set rawMode: true, or remove flattenMetadataColumns');
  }
  if (c.has('flattenMetadataColumnsPrefix') && !c.isTrue('flattenMetadataColumns')) {
    c.report('flattenMetadataColumnsPrefix', 'flattenMetadataColumnsPrefix is used only with flattenMetadataColumns: true');
  }
}

export function checkBatchSink(c: ConfigCheck): void {
  checkBatchFlushable(c);
  checkRawMode(c);
}
