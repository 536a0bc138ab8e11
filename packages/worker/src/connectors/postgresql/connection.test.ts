import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../errors.js';
import { connectionUrl, describeTarget, parseDsn } from './connection.js';

void describe('postgresql connection strings', () => {
  void it('passes URLs through', () => {
    assert.equal(connectionUrl('postgres://u:p@db:5432/app?sslmode=require'), 'postgres://u:p@db:5432/app?sslmode=require');
  });

  void it('parses key=value DSNs with quoted values and escapes', () => {
    const pairs = parseDsn(`host=db port = 5433 dbname='my app' user=bob password='it\\'s \\\\ secret' sslmode=require`);
    assert.deepEqual(Object.fromEntries(pairs), { host: 'db', port: '5433', dbname: 'my app', user: 'bob', password: "it's \\ secret", sslmode: 'require' });
  });

  void it('turns a DSN into an equivalent URL', () => {
    const url = new URL(connectionUrl(`host=db port=5433 dbname='my app' user=bob password='p@ss:word' sslmode=require application_name=x`));
    assert.equal(url.hostname, 'db');
    assert.equal(url.port, '5433');
    assert.equal(decodeURIComponent(url.pathname), '/my app');
    assert.equal(decodeURIComponent(url.username), 'bob');
    assert.equal(decodeURIComponent(url.password), 'p@ss:word');
    assert.equal(url.searchParams.get('sslmode'), 'require');
    assert.equal(url.searchParams.get('application_name'), 'x');
  });

  void it('keeps a socket directory as the host parameter', () => {
    const url = new URL(connectionUrl('host=/var/run/postgresql dbname=app'));
    assert.equal(url.searchParams.get('host'), '/var/run/postgresql');
  });

  void it('refuses malformed DSNs with a config error', () => {
    assert.throws(() => parseDsn('host'), ConfigError);
    assert.throws(() => parseDsn("password='open"), /unterminated/);
    assert.throws(() => connectionUrl('host=db port=abc'), /port must be a number/);
  });

  void it('describes the target without credentials', () => {
    assert.equal(describeTarget('postgresql://u:secret@db:5432/app'), 'db:5432/app');
    assert.equal(describeTarget('host=db user=u password=secret dbname=app'), 'db/app');
    assert.ok(!describeTarget('host=db password=secret').includes('secret'));
  });
});
