import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, RecordError } from '../errors.js';
import { INVALID_UTF8, build, message, run } from './test-support.js';

function convert(config: Record<string, unknown>, value: unknown): unknown {
  const [out] = run(build('timezone', { fields: ['t'], ...config }), { t: value } as never);
  return (out as Record<string, unknown>)['t'];
}

void describe('timezone', () => {
  void it('RFC 3339 input to an IANA zone (winter and summer offsets), nanoseconds kept', () => {
    assert.equal(convert({ timezone: 'Europe/Berlin' }, '2024-01-15T10:30:00Z'), '2024-01-15T11:30:00+01:00');
    assert.equal(convert({ timezone: 'Europe/Berlin' }, '2024-07-01T10:30:00.123456789Z'), '2024-07-01T12:30:00.123456789+02:00');
    assert.equal(convert({ timezone: 'Asia/Tokyo' }, '2024-01-15T10:30:00+02:00'), '2024-01-15T17:30:00+09:00');
  });

  void it('epoch seconds, milliseconds (|n| ≥ 1e12) and numeric strings', () => {
    assert.equal(convert({ timezone: 'Europe/Berlin' }, 1705314600), '2024-01-15T11:30:00+01:00');
    assert.equal(convert({ timezone: 'Europe/Berlin' }, 1705314600123), '2024-01-15T11:30:00.123+01:00');
    assert.equal(convert({ timezone: 'Europe/Berlin' }, '1705314600'), '2024-01-15T11:30:00+01:00');
    assert.equal(convert({ timezone: 'UTC' }, 1705314600.5), '2024-01-15T10:30:00.5Z');
  });

  void it('fixed offsets; a zero offset prints Z', () => {
    assert.equal(convert({ timezone: '+05:30' }, '2024-01-15T10:30:00Z'), '2024-01-15T16:00:00+05:30');
    assert.equal(convert({ timezone: '-03:00' }, '2024-01-15T01:30:00Z'), '2024-01-14T22:30:00-03:00');
    assert.equal(convert({ timezone: 'UTC' }, '2024-01-15T10:30:00+01:00'), '2024-01-15T09:30:00Z');
  });

  void it('offset-less input is read in sourceTimezone', () => {
    assert.equal(convert({ timezone: 'UTC', sourceTimezone: 'America/New_York' }, '2024-01-15 10:30:00'), '2024-01-15T15:30:00Z');
    assert.equal(convert({ timezone: 'UTC', sourceTimezone: 'America/New_York' }, '2024-07-15T10:30:00'), '2024-07-15T14:30:00Z');
    assert.equal(convert({ timezone: 'UTC' }, '2024-01-15T10:30:00'), '2024-01-15T10:30:00Z');
  });

  void it('formats RFC3339 (whole seconds) and UnixMilli (number)', () => {
    assert.equal(convert({ timezone: 'Europe/Berlin', format: 'RFC3339' }, '2024-01-15T10:30:00.999Z'), '2024-01-15T11:30:00+01:00');
    assert.equal(convert({ timezone: 'Europe/Berlin', format: 'UnixMilli' }, '2024-01-15T10:30:00.123Z'), 1705314600123);
  });

  void it('missing and null fields are skipped; several fields; raw payloads pass through', () => {
    const t = build('timezone', { timezone: '+01:00', fields: ['a', 'b.c', 'n', 'missing'] });
    assert.deepEqual(run(t, { a: '2024-01-15T10:30:00Z', b: { c: 0 }, n: null }), [{ a: '2024-01-15T11:30:00+01:00', b: { c: '1970-01-01T01:00:00+01:00' }, n: null }]);
    const raw = message(INVALID_UTF8);
    assert.deepEqual(t.apply(raw), [raw]);
  });

  void it('unparsable values are record errors naming the field', () => {
    for (const value of ['yesterday', '2024-13-01T00:00:00Z', '2024-02-30T00:00:00Z', true, { a: 1 }]) {
      assert.throws(() => convert({ timezone: 'UTC' }, value), (e: unknown) => e instanceof RecordError && e.message.startsWith('timezone: t = '), JSON.stringify(value));
    }
  });

  void it('unknown zones and formats are config errors', () => {
    assert.throws(() => build('timezone', { timezone: 'Mars/Olympus', fields: ['t'] }), (e: unknown) => e instanceof ConfigError && e.message.includes('config.timezone: unknown time zone'));
    assert.throws(() => build('timezone', { timezone: 'UTC', sourceTimezone: '+25:00', fields: ['t'] }), /config\.sourceTimezone: unknown time zone/);
    assert.throws(() => build('timezone', { timezone: 'UTC', fields: ['t'], format: 'Unix' }), /config\.format: must be one of/);
    assert.throws(() => build('timezone', { timezone: 'UTC' }), /config\.fields: is required/);
  });
});
