export * from './group.js';
export * from './naming.js';
export * from './issues.js';
export * from './json-schema.js';
export * from './dataflow.js';
