export * from './message.js';
export * from './errors.js';
export * from './plugin.js';
