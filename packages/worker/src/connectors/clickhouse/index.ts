// ClickHouse connectors (HTTP interface): polling source and batching sink.
export { ClickHouseSource, clickhouseSourceFactory } from './source.js';
export type { ClickHouseSourceOptions } from './source.js';
export { ClickHouseSink, clickhouseSinkFactory } from './sink.js';
export type { ClickHouseSinkOptions } from './sink.js';
export { parseClickHouseSinkConfig, parseClickHouseSourceConfig } from './config.js';
export type { ClickHouseSinkSettings, ClickHouseSourceSettings } from './config.js';
