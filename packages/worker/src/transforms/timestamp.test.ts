import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, RecordError } from '../errors.js';
import { INVALID_UTF8, build, message, run } from './test-support.js';
import { compileLayout, utcWallTime } from './time-format.js';

void describe('timestamp', () => {
  void it('adds RFC3339 (seconds, Z) under created_at by default', () => {
    assert.deepEqual(run(build('timestamp', {}), { id: 1 }), [{ id: 1, created_at: '2024-01-15T10:30:00Z' }]);
  });

  void it('docs: fieldName processed_at', () => {
    assert.deepEqual(run(build('timestamp', { fieldName: 'processed_at' }), { id: 1, name: 'Test' }), [
      { id: 1, name: 'Test', processed_at: '2024-01-15T10:30:00Z' },
    ]);
  });

  void it('docs: custom Go layout "2006-01-02 15:04:05"', () => {
    const t = build('timestamp', { fieldName: 'timestamp', format: '2006-01-02 15:04:05' });
    assert.deepEqual(run(t, { id: 1 }), [{ id: 1, timestamp: '2024-01-15 10:30:00' }]);
  });

  void it('docs: Unix is epoch seconds — a number (upstream printed the literal text "Unix")', () => {
    assert.deepEqual(run(build('timestamp', { fieldName: 'unix_time', format: 'Unix' }), { id: 1 }), [{ id: 1, unix_time: 1705314600 }]);
  });

  void it('named and epoch formats', () => {
    const cases: Array<[string, unknown]> = [
      ['RFC3339', '2024-01-15T10:30:00Z'],
      ['RFC3339Nano', '2024-01-15T10:30:00.123Z'],
      ['ISO8601', '2024-01-15T10:30:00.123Z'],
      ['DateTime', '2024-01-15 10:30:00'],
      ['UnixMilli', 1705314600123],
      ['UnixMicro', 1705314600123000],
      ['UnixNano', '1705314600123000000'],
      ['Kitchen', '10:30AM'],
      ['RFC1123', 'Mon, 15 Jan 2024 10:30:00 UTC'],
    ];
    for (const [format, expected] of cases) {
      assert.deepEqual(run(build('timestamp', { fieldName: 't', format }), {}), [{ t: expected }], format);
    }
  });

  void it('writes nested paths ($. prefix optional), overwriting an existing value, without touching the input', () => {
    const input = message({ meta: { at: 'old', keep: true }, other: { x: 1 } });
    const [out] = build('timestamp', { fieldName: '$.meta.at' }).apply(input);
    assert.deepEqual(out?.value, { meta: { at: '2024-01-15T10:30:00Z', keep: true }, other: { x: 1 } });
    assert.deepEqual(input.value, { meta: { at: 'old', keep: true }, other: { x: 1 } });
    // Untouched subtrees are shared, not copied.
    assert.equal((out?.value as { other: unknown }).other, (input.value as { other: unknown }).other);
  });

  void it('passes raw bytes and non-object roots through unchanged', () => {
    const t = build('timestamp', {});
    for (const value of [INVALID_UTF8, [1, 2], 'text', 7, null]) {
      const msg = message(value);
      assert.deepEqual(t.apply(msg), [msg]);
    }
  });

  void it('a path through a scalar is a record error', () => {
    assert.throws(() => run(build('timestamp', { fieldName: 'id.at' }), { id: 5 }), RecordError);
  });

  void it('rejects unknown formats, bad paths and unknown fields with the field path', () => {
    assert.throws(() => build('timestamp', { format: 'Unixx' }), (e: unknown) => e instanceof ConfigError && /spec\.transformations\[0\]\.config\.format/.test(e.message));
    assert.throws(() => build('timestamp', { fieldName: 'a[*]' }), /config\.fieldName: invalid path/);
    assert.throws(() => build('timestamp', { fieldname: 'x' }), /config\.fieldname: unknown field/);
  });
});

void describe('Go layouts', () => {
  const t = utcWallTime(Date.UTC(2006, 0, 2, 15, 4, 5, 120));
  const cases: Array<[string, string]> = [
    ['2006-01-02T15:04:05Z07:00', '2006-01-02T15:04:05Z'],
    ['Monday, January 2 2006 3:04:05 PM MST', 'Monday, January 2 2006 3:04:05 PM UTC'],
    ['Mon Jan _2 06 03 pm', 'Mon Jan  2 06 03 pm'],
    ['15:04:05.000', '15:04:05.120'],
    ['15:04:05.999999', '15:04:05.12'],
    ['15:04:05,000000000', '15:04:05,120000000'],
    ['-07:00 -0700 -07 Z0700', '+00:00 +0000 +00 Z'],
    ['002 __2', '002   2'],
    ['_2006', '_2006'],
    ['Janet 1', 'Janet 1'],
  ];
  for (const [layout, expected] of cases) {
    void it(`${layout} → ${expected}`, () => {
      assert.equal(compileLayout(layout)?.(t), expected);
    });
  }

  void it('trims a .999 fraction away entirely at whole seconds', () => {
    assert.equal(compileLayout('RFC3339Nano')?.(utcWallTime(Date.UTC(2024, 0, 1))), '2024-01-01T00:00:00Z');
  });

  void it('returns undefined for text without any time element', () => {
    assert.equal(compileLayout('hello'), undefined);
  });
});
