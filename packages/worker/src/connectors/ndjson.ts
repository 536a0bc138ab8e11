// One line per message for byte-oriented local sinks: JSON payloads serialised once, raw payload
// bytes written exactly as they arrived (so a non-JSON line read from a file is copied unchanged).
import type { Message } from '../message.js';
import { isRaw } from '../message.js';

const NEWLINE = Buffer.from('\n');

export function encodeLines(batch: readonly Message[], pretty = false): Buffer {
  const chunks: Buffer[] = [];
  let text = '';
  for (const message of batch) {
    const value = message.value;
    if (isRaw(value)) {
      if (text !== '') chunks.push(Buffer.from(text));
      text = '';
      chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength), NEWLINE);
    } else {
      text += (pretty ? JSON.stringify(value, null, 2) : JSON.stringify(value)) + '\n';
    }
  }
  if (chunks.length === 0) return Buffer.from(text);
  if (text !== '') chunks.push(Buffer.from(text));
  return Buffer.concat(chunks);
}
