import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../errors.js';
import { INVALID_UTF8, build, message } from './test-support.js';

const kafka = (topic: string) => ({ type: 'kafka', config: { brokers: ['localhost:9092'], topic } });

void describe('router', () => {
  const router = build('router', {
    routes: [
      { condition: "$.level == 'error'", sink: kafka('error-topic') },
      { name: 'warnings', condition: '$.level == "warning"', sink: { type: 'postgresql', config: { table: 'warnings' } } },
    ],
  });

  void it('declares every route with its name, condition and sink', () => {
    assert.deepEqual(router.routes, [
      { name: 'route[0]', condition: "$.level == 'error'", sink: kafka('error-topic') },
      { name: 'warnings', condition: '$.level == "warning"', sink: { type: 'postgresql', config: { table: 'warnings' } } },
    ]);
  });

  void it('docs: first match sets the route and routed_condition; no match goes to the main sink unchanged', () => {
    const error = message({ level: 'error', message: 'Critical error' });
    const [routed] = router.apply(error);
    assert.equal(routed?.route, 'route[0]');
    assert.equal(routed?.meta['routed_condition'], "$.level == 'error'");
    assert.equal(routed?.meta['topic'], 'orders');
    assert.equal(routed?.value, error.value);
    // The parent's metadata (shared with siblings) is not touched.
    assert.equal(error.meta['routed_condition'], undefined);
    assert.equal(error.route, undefined);

    assert.equal(router.apply(message({ level: 'warning' }))[0]?.route, 'warnings');
    const info = message({ level: 'info' });
    assert.deepEqual(router.apply(info), [info]);
  });

  void it('docs: truthiness routes, first match wins', () => {
    const r = build('router', {
      routes: [
        { condition: '$.type', sink: kafka('events-topic') },
        { condition: '$.priority', sink: kafka('prio') },
      ],
    });
    assert.deepEqual(
      [{ type: 'event', priority: 'high' }, { priority: 'high' }, { data: '...' }].map((v) => r.apply(message(v))[0]?.route),
      ['route[0]', 'route[1]', undefined],
    );
  });

  void it('unquoted typed literals compare by type (upstream compared "== 5" against "")', () => {
    const r = build('router', { routes: [{ condition: 'code == 5', sink: kafka('five') }] });
    assert.equal(r.apply(message({ code: 5 }))[0]?.route, 'route[0]');
    assert.equal(r.apply(message({ code: '5' }))[0]?.route, undefined);
    assert.equal(r.apply(message({ code: '' }))[0]?.route, undefined);
  });

  void it('a message routed by an earlier router is not re-routed', () => {
    const second = build('router', { routes: [{ name: 'other', condition: 'level', sink: kafka('x') }] });
    const [first] = router.apply(message({ level: 'error' }));
    assert.equal(second.apply(first as NonNullable<typeof first>)[0]?.route, 'route[0]');
  });

  void it('raw payloads match only conditions that hold for "no fields"', () => {
    const r = build('router', { routes: [{ condition: 'level', sink: kafka('a') }, { condition: '!level', sink: kafka('b') }] });
    assert.equal(r.apply(message(INVALID_UTF8))[0]?.route, 'route[1]');
  });

  void it('config errors name the route', () => {
    assert.throws(() => build('router', { routes: [] }), /config\.routes: must be a non-empty list/);
    assert.throws(() => build('router', { routes: [{ condition: 'a ==', sink: kafka('a') }] }), (e: unknown) => e instanceof ConfigError && e.message.includes('config.routes[0].condition: invalid condition'));
    assert.throws(() => build('router', { routes: [{ condition: 'a' }] }), /config\.routes\[0\]\.sink: is required/);
    assert.throws(() => build('router', { routes: [{ condition: 'a', sink: { config: {} } }] }), /routes\[0\]\.sink\.type: is required/);
    assert.throws(
      () => build('router', { routes: [{ name: 'x', condition: 'a', sink: kafka('a') }, { name: 'x', condition: 'b', sink: kafka('b') }] }),
      /routes\[1\]\.name: duplicate route name "x" \(also routes\[0\]\)/,
    );
  });
});
