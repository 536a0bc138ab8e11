import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from './logger.js';
import { redactUrl } from './redact.js';

function memoryStream() {
  const chunks: string[] = [];
  return {
    chunks,
    write(chunk: string) {
      chunks.push(chunk);
    },
    lines(): Record<string, unknown>[] {
      return chunks.join('').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    },
  };
}

const SECRETS = ['hunter2', 's3cr3t-token', 'client-secret-value', 'sasl-pass', 'Bearer abc.def', 'pg-pass', 'ssl-key-pass', 'deep-pass'];

void describe('createLogger', () => {
  void it('puts the flow on every line, child loggers included', () => {
    const out = memoryStream();
    const log = createLogger({ level: 'info', flow: { namespace: 'shop', name: 'orders' }, destination: out });
    log.info({ sink: 'main' }, 'connector opened');
    log.child({ component: 'source' }).warn({}, 'retrying');
    const lines = out.lines();
    assert.equal(lines.length, 2);
    for (const line of lines) assert.deepEqual(line['flow'], { namespace: 'shop', name: 'orders' });
    assert.equal(lines[0]?.['level'], 'info');
    assert.equal(lines[1]?.['component'], 'source');
    assert.equal(typeof lines[0]?.['time'], 'string');
  });

  void it('respects the level', () => {
    const out = memoryStream();
    const log = createLogger({ level: 'warn', flow: { namespace: 'a', name: 'b' }, destination: out });
    log.info({}, 'hidden');
    log.debug({}, 'hidden');
    log.warn({}, 'shown');
    assert.deepEqual(
      out.lines().map((l) => l['msg']),
      ['shown'],
    );
  });

  void it('rejects an unknown level, naming it', () => {
    assert.throws(() => createLogger({ level: 'verbose', flow: { namespace: 'a', name: 'b' } }), /level "verbose"/);
  });

  void it('never writes a secret value, wherever it sits', () => {
    const out = memoryStream();
    const log = createLogger({ level: 'debug', flow: { namespace: 'a', name: 'b' }, destination: out });
    log.info(
      {
        password: 'hunter2',
        token: 's3cr3t-token',
        keycloak: { clientSecret: 'client-secret-value', realm: 'kept' },
        config: { sasl: { mechanism: 'plain', username: 'svc', password: 'sasl-pass' } },
        request: { headers: { authorization: 'Bearer abc.def', accept: 'json' } },
        sink: { config: { connectionString: 'postgres://app:pg-pass@db:5432/shop?sslpassword=ssl-key-pass' } },
        a: { b: { c: { password: 'deep-pass' } } },
      },
      'settings',
    );
    log.child({ password: 'hunter2' }).error({ err: new Error('connect to postgres://app:pg-pass@db failed') }, 'failed');

    const text = out.chunks.join('');
    for (const secret of SECRETS) assert.ok(!text.includes(secret), `"${secret}" leaked: ${text}`);
    const [settings, failure] = out.lines();
    assert.deepEqual(settings?.['keycloak'], { clientSecret: '[REDACTED]', realm: 'kept' });
    assert.deepEqual(settings?.['config'], {
      sasl: { mechanism: '[REDACTED]', username: '[REDACTED]', password: '[REDACTED]' },
    });
    assert.deepEqual(settings?.['request'], { headers: { authorization: '[REDACTED]', accept: 'json' } });
    assert.deepEqual(settings?.['sink'], {
      config: { connectionString: 'postgres://app:***@db:5432/shop?sslpassword=***' },
    });
    assert.match(JSON.stringify(failure?.['err']), /postgres:\/\/app:\*\*\*@db failed/);
  });
});

void describe('redactUrl', () => {
  const cases: Array<[string, string]> = [
    ['postgres://app:s3cret@db:5432/shop', 'postgres://app:***@db:5432/shop'],
    ['postgresql://app:p@ss@word@db/x', 'postgresql://app:***@db/x'],
    ['clickhouse://default:@ch:9000/db', 'clickhouse://default:***@ch:9000/db'],
    ['http://ch:8123/db?user=u&password=pw&x=1', 'http://ch:8123/db?user=u&password=***&x=1'],
    ["host=db user=app password='a b c' dbname=shop", 'host=db user=app password=*** dbname=shop'],
    ['host=db password=plain sslmode=require', 'host=db password=*** sslmode=require'],
    ['kafka-0:9092,kafka-1:9092', 'kafka-0:9092,kafka-1:9092'],
    ['https://trino.example.com/v1/statement', 'https://trino.example.com/v1/statement'],
    ['dial postgres://u:x@a and postgres://v:y@b', 'dial postgres://u:***@a and postgres://v:***@b'],
  ];
  for (const [input, expected] of cases) {
    void it(`masks ${input}`, () => assert.equal(redactUrl(input), expected));
  }
});
