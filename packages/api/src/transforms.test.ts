import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import type { JsonSchema } from './json-schema.js';
import {
  TRANSFORM_TYPES,
  checkTransformConfig,
  isKnownTimestampFormat,
  isValidTimeZone,
  normalizeRouteName,
  transformSchemas,
} from './transforms.js';

const BASE = 'spec.transformations[2].config';

function check(type: string, config: Record<string, unknown>): string[] {
  return checkTransformConfig(type, config, BASE).map((issue) => `${issue.path}: ${issue.message}`);
}

function validator(type: keyof typeof transformSchemas): (config: unknown) => boolean {
  const ajv = new Ajv({ strict: false, allErrors: true, useDefaults: true });
  const validate = ajv.compile(transformSchemas[type]);
  return (config) => validate(config);
}

void describe('transform schemas', () => {
  void it('cover exactly the transform types', () => {
    assert.deepEqual([...TRANSFORM_TYPES].sort(), Object.keys(transformSchemas).sort());
    assert.equal(TRANSFORM_TYPES.length, 18);
  });

  void it('describe every field and close every object except the route sink config', () => {
    const walk = (schema: JsonSchema, where: string): void => {
      assert.ok(schema.description !== undefined && schema.description.length > 0, `${where} has no description`);
      if (schema.type === 'object' && schema.properties !== undefined && where !== 'router.routes[].sink') {
        assert.equal(schema.additionalProperties, false, `${where} is not closed`);
      }
      for (const [key, child] of Object.entries(schema.properties ?? {})) walk(child, `${where}.${key}`);
      if (schema.items !== undefined) walk(schema.items, `${where}[]`);
      if (typeof schema.additionalProperties === 'object') walk(schema.additionalProperties, `${where}{}`);
    };
    for (const type of TRANSFORM_TYPES) walk(transformSchemas[type], type);
  });

  void it('apply the documented defaults', () => {
    const cases: ReadonlyArray<readonly [keyof typeof transformSchemas, Record<string, unknown>]> = [
      ['timestamp', { fieldName: 'created_at', format: 'RFC3339' }],
      ['mask', { fields: ['a'], maskChar: '*', keepLength: false }],
      ['camelCase', { deep: false, style: 'pascal' }],
      ['snakeCase', { deep: false }],
      ['structFlatten', { delimiter: '.' }],
      ['timezone', { timezone: 'UTC', fields: ['a'], sourceTimezone: 'UTC', format: 'RFC3339Nano' }],
      [
        'debeziumUnwrap',
        {
          inferDeleteFromTombstone: false,
          includeSourceInMetadata: false,
          snapshotOperation: 'insert',
          addOperationFields: false,
          addSourceFields: [],
        },
      ],
    ];
    for (const [type, expected] of cases) {
      const config: Record<string, unknown> = type === 'mask' ? { fields: ['a'] } : type === 'timezone' ? { timezone: 'UTC', fields: ['a'] } : {};
      assert.equal(validator(type)(config), true, type);
      assert.deepEqual(config, expected, type);
    }
  });

  void it('reject wrong shapes', () => {
    assert.equal(validator('filter')({}), false);
    assert.equal(validator('filter')({ condition: 'a', extra: 1 }), false);
    assert.equal(validator('mask')({ fields: [] }), false);
    assert.equal(validator('structFlatten')({ delimiter: '' }), false);
    assert.equal(validator('hoistField')({ field: 'a.b' }), false);
    assert.equal(validator('cast')({ spec: {} }), false);
    assert.equal(validator('cast')({ spec: { a: 'int32' } }), false);
    assert.equal(validator('camelCase')({ style: 'kebab' }), false);
    assert.equal(validator('router')({ routes: [] }), false);
    assert.equal(validator('router')({ routes: [{ condition: 'a', sink: { config: {} } }] }), false);
    assert.equal(validator('router')({ routes: [{ name: 'Bad_Name', condition: 'a', sink: { type: 'kafka' } }] }), false);
    assert.equal(validator('router')({ routes: [{ name: 'eu-orders', condition: 'a', sink: { type: 'kafka', config: { x: 1 } } }] }), true);
    assert.equal(validator('insertField')({ fields: { a: 'x' } }), true);
    assert.equal(validator('insertField')({ fields: {} }), false);
  });
});

void describe('checkTransformConfig', () => {
  void it('accepts valid configs of every type', () => {
    const valid: Record<string, Record<string, unknown>> = {
      timestamp: { fieldName: 'meta.created_at', format: '2006-01-02 15:04:05' },
      flatten: { field: '$.items' },
      filter: { condition: "$.status == 'active' && amount > 10" },
      mask: { fields: ['card.number', 'ssn'] },
      router: {
        routes: [
          { name: 'eu', condition: "region == 'eu'", sink: { type: 'kafka', config: {} } },
          { condition: 'vip', sink: { type: 'stdout', config: {} } },
        ],
      },
      select: { fields: ['user.name', 'id'] },
      remove: { fields: ['a[0]'] },
      snakeCase: { deep: true },
      camelCase: { style: 'camel' },
      debeziumUnwrap: { addSourceFields: ['table'] },
      replaceField: { renames: ['a.b:c'], include: ['c'] },
      headersToPayload: { mappings: ['X-Id:meta.id'] },
      structFlatten: { delimiter: '_' },
      extractField: { field: 'payload.after' },
      hoistField: { field: 'data' },
      cast: { spec: { age: 'int64', 'user.active': 'bool' } },
      timezone: { timezone: 'Europe/Berlin', fields: ['ts'], sourceTimezone: '+05:30' },
      insertField: { fields: { source: '${metadata.topic}', 'flags.reprocessed': 'json:true', at: '${now}', note: 'x' } },
    };
    for (const type of TRANSFORM_TYPES) {
      assert.ok(valid[type] !== undefined, `no valid case for ${type}`);
      assert.deepEqual(check(type, valid[type] ?? {}), [], type);
    }
  });

  void it('names the bad path with the ExpressionError text', () => {
    assert.deepEqual(check('mask', { fields: ['ok', 'a..b'] }), [
      `${BASE}.fields[1]: invalid path: ".." (recursive descent) is not supported at 2 in "a..b"`,
    ]);
    assert.deepEqual(check('filter', { condition: 'status == active' }), [
      `${BASE}.condition: invalid condition: unquoted value "active": quote string literals, e.g. 'active' (comparing two fields is not supported) at 11 in "status == active"`,
    ]);
  });

  void it('rejects the bare root where a field is needed', () => {
    assert.deepEqual(check('remove', { fields: ['$'] }), [
      `${BASE}.fields[0]: the path "$" must name a field, not the whole message`,
    ]);
    assert.equal(check('timestamp', { fieldName: '$' }).length, 1);
    assert.equal(check('extractField', { field: '$' }).length, 1);
    assert.equal(check('flatten', { field: 'a.*' }).length, 1);
    assert.equal(check('select', { fields: ['a', 'b|c'] }).length, 1);
  });

  void it('checks router conditions and duplicate route names', () => {
    const issues = check('router', {
      routes: [
        { name: 'eu', condition: 'a ==', sink: { type: 'kafka' } },
        { name: 'eu', condition: 'b', sink: { type: 'kafka' } },
        { condition: 'c', sink: { type: 'kafka' } },
      ],
    });
    assert.equal(issues.length, 2);
    assert.match(issues[0] ?? '', /^spec\.transformations\[2\]\.config\.routes\[0\]\.condition: invalid condition: expected a value after "=="/);
    assert.equal(issues[1], `${BASE}.routes[1].name: duplicate route name "eu" (also routes[0])`);
  });

  void it('checks the replaceField option combination and rename format', () => {
    assert.deepEqual(check('replaceField', {}), [`${BASE}: set at least one of renames, include, exclude`]);
    assert.deepEqual(check('replaceField', { include: ['a'], exclude: ['b'] }), [
      `${BASE}: include and exclude are mutually exclusive`,
    ]);
    const issues = check('replaceField', { renames: ['a:b', 'nocolon', 'a:$'], exclude: ['x[', 'y'] });
    assert.equal(issues.length, 3);
    assert.match(issues[0] ?? '', /renames\[1\]: invalid rename: expected "old\.path:new\.path"/);
    assert.match(issues[1] ?? '', /renames\[2\]: invalid rename: the target path must name a field/);
    assert.match(issues[2] ?? '', /exclude\[0\]: invalid path: unterminated "\["/);
  });

  void it('checks headersToPayload mappings', () => {
    const issues = check('headersToPayload', { mappings: ['X-Id:id', 'X-Id', 'X Id:a', 'X-Id:a.*'] });
    assert.equal(issues.length, 3);
    assert.match(issues[0] ?? '', /mappings\[1\]: invalid mapping: expected "Header-Name:target\.path"/);
    assert.match(issues[1] ?? '', /mappings\[2\]: invalid mapping: a header name cannot contain whitespace/);
    assert.match(issues[2] ?? '', /mappings\[3\]: invalid mapping: wildcard/);
  });

  void it('checks timestamp formats', () => {
    assert.deepEqual(check('timestamp', { format: 'UnixMilli' }), []);
    assert.deepEqual(check('timestamp', { format: 'Jan _2 15:04:05' }), []);
    assert.match(check('timestamp', { format: 'unix' })[0] ?? '', /format: unknown format "unix": use RFC3339, /);
    assert.equal(check('timestamp', { format: 'yyyy-MM-dd' }).length, 1);
  });

  void it('checks time zones', () => {
    assert.deepEqual(check('timezone', { timezone: 'America/New_York', fields: ['t'], sourceTimezone: 'UTC' }), []);
    assert.deepEqual(check('timezone', { timezone: '-03:00', fields: ['t'] }), []);
    const issues = check('timezone', { timezone: 'Mars/Olympus', fields: ['t', ''], sourceTimezone: '+25:00' });
    assert.equal(issues.length, 3);
    assert.match(issues[0] ?? '', /\.timezone: unknown time zone "Mars\/Olympus"/);
    assert.match(issues[1] ?? '', /\.sourceTimezone: unknown time zone "\+25:00"/);
    assert.match(issues[2] ?? '', /\.fields\[1\]: invalid path: path is empty/);
  });

  void it('checks cast and insertField keys, json: values and placeholders', () => {
    assert.deepEqual(check('cast', { spec: { a: 'int64', '$.a': 'bool', 'b..c': 'bool' } }), [
      `${BASE}.spec["$.a"]: names the same field as "a"`,
      `${BASE}.spec["b..c"]: invalid path: ".." (recursive descent) is not supported at 2 in "b..c"`,
    ]);
    const issues = check('insertField', {
      fields: { a: 'json:{bad', b: '${metadata.}', c: 'at ${nowish}', d: 'json:"ok"', $: 'x' },
    });
    assert.equal(issues.length, 4);
    assert.match(issues[0] ?? '', /fields\["a"\]: invalid JSON after "json:"/);
    assert.match(issues[1] ?? '', /fields\["b"\]: unknown placeholder "\$\{metadata\.\}"/);
    assert.match(issues[2] ?? '', /fields\["c"\]: unknown placeholder "\$\{nowish\}"/);
    assert.match(issues[3] ?? '', /fields\["\$"\]: the path "\$" must name a field/);
  });

  void it('skips values of the wrong type and unknown transform types (the schema reports them)', () => {
    assert.deepEqual(check('mask', { fields: 'a' }), []);
    assert.deepEqual(check('mask', { fields: [1, 'a'] }), []);
    assert.deepEqual(check('router', { routes: [null, 'x'] }), []);
    assert.deepEqual(check('nope', { anything: 1 }), []);
    assert.deepEqual(check('toString', {}), []);
  });
});

void describe('helpers', () => {
  void it('normalizeRouteName uses the name or the index', () => {
    assert.equal(normalizeRouteName(0, { name: 'eu' }), 'eu');
    assert.equal(normalizeRouteName(3, {}), 'route[3]');
  });

  void it('isValidTimeZone accepts IANA names, UTC and offsets', () => {
    for (const zone of ['UTC', 'Europe/Berlin', 'Asia/Kolkata', '+00:00', '-12:00', '+14:00']) assert.ok(isValidTimeZone(zone), zone);
    for (const zone of ['', 'Nowhere/City', '+15:00', '+05:60', '0530', 'GMT+25']) assert.ok(!isValidTimeZone(zone), zone);
  });

  void it('isKnownTimestampFormat accepts names and Go layouts only', () => {
    for (const format of ['RFC3339', 'ISO8601', 'DateTime', 'UnixNano', '2006-01-02', '15:04']) assert.ok(isKnownTimestampFormat(format), format);
    for (const format of ['rfc3339', 'RFC3399', 'YYYY-MM-DD', 'epoch']) assert.ok(!isKnownTimestampFormat(format), format);
  });
});
