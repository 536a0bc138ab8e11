export * from './errors.js';
export * from './path.js';
export * from './condition.js';
export * from './mapping.js';
