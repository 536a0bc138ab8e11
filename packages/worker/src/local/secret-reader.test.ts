import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { LocalSecretReader, secretEnvName } from './secret-reader.js';

const tmp = mkdtempSync(join(tmpdir(), 'dataflow-secrets-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
mkdirSync(join(tmp, 'pg-credentials'));
writeFileSync(join(tmp, 'pg-credentials', 'url'), 'postgres://u:p@db/app');

void describe('LocalSecretReader', () => {
  void it('maps a ref to its environment variable name', () => {
    assert.equal(secretEnvName({ name: 'pg-credentials', key: 'url' }), 'DATAFLOW_SECRET_PG_CREDENTIALS_URL');
    assert.equal(secretEnvName({ name: 'kafka.sasl', key: 'pass-word_1' }), 'DATAFLOW_SECRET_KAFKA_SASL_PASS_WORD_1');
  });

  void it('reads the mounted file exactly, before the environment', async () => {
    const reader = new LocalSecretReader({ secretsDir: tmp, env: { DATAFLOW_SECRET_PG_CREDENTIALS_URL: 'from-env' } });
    assert.equal(await reader.read({ name: 'pg-credentials', key: 'url' }), 'postgres://u:p@db/app');
  });

  void it('falls back to the environment, and works without a secrets directory', async () => {
    const env = { DATAFLOW_SECRET_KAFKA_PASSWORD: 's3cret' };
    assert.equal(await new LocalSecretReader({ secretsDir: tmp, env }).read({ name: 'kafka', key: 'password' }), 's3cret');
    assert.equal(await new LocalSecretReader({ env }).read({ name: 'kafka', key: 'password' }), 's3cret');
  });

  void it('says where it looked when the secret is missing, without any value', async () => {
    const reader = new LocalSecretReader({ secretsDir: tmp, env: { OTHER: 'x' } });
    await assert.rejects(reader.read({ name: 'pg-credentials', key: 'password' }), (error: Error) => {
      assert.match(error.message, /secret pg-credentials\/password not found/);
      assert.match(error.message, /file .*pg-credentials\/password and env DATAFLOW_SECRET_PG_CREDENTIALS_PASSWORD/);
      return true;
    });
  });

  void it('refuses names that would leave the secrets directory', async () => {
    const reader = new LocalSecretReader({ secretsDir: join(tmp, 'pg-credentials'), env: {} });
    await assert.rejects(reader.read({ name: '..', key: 'pg-credentials' }), /must be plain names/);
    await assert.rejects(reader.read({ name: 'a/b', key: 'c' }), /must be plain names/);
  });
});
