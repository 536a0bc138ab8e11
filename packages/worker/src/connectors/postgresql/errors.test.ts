import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DatabaseError } from 'pg';
import { ConfigError, ConnectionError, ErrorCode, RecordError } from '../../errors.js';
import { classifySqlState, isConnectionLoss, isRecordLevel, translatePgError } from './errors.js';

function dbError(code: string, message = 'server says no'): DatabaseError {
  const error = new DatabaseError(message, message.length, 'error');
  error.code = code;
  return error;
}

void describe('postgresql error classification', () => {
  void it('classifies SQLSTATEs by class', () => {
    for (const state of ['08006', '08001', '57P01', '57P02', '57P03', '53300', '53100']) assert.equal(classifySqlState(state), 'connection', state);
    for (const state of ['40001', '40P01']) assert.equal(classifySqlState(state), 'conflict', state);
    assert.equal(classifySqlState('57014'), 'timeout');
    for (const state of ['23502', '23505', '23503', '22001', '22P02', '22007', '42703', '42804']) assert.equal(classifySqlState(state), 'record', state);
    for (const state of ['28P01', '28000', '3D000', '42P01', '42501', '42P10']) assert.equal(classifySqlState(state), 'config', state);
    assert.equal(classifySqlState('XX000'), 'other');
  });

  void it('makes connection states retriable and record states record errors in a sink', () => {
    const lost = translatePgError(dbError('57P01'), 'sink write');
    assert.ok(lost instanceof ConnectionError);
    assert.equal(lost.retriable, true);
    const timeout = translatePgError(dbError('57014'), 'sink write');
    assert.equal(timeout.code, ErrorCode.timeout);
    assert.equal(timeout.retriable, true);
    const row = translatePgError(dbError('23502', 'null value in column "name"'), 'sink write', { recordLevel: true });
    assert.ok(row instanceof RecordError);
    assert.match(row.message, /null value in column "name" \(23502\)/);
  });

  void it('treats record states as configuration problems for a source', () => {
    assert.ok(translatePgError(dbError('42703', 'column "updated_at" does not exist'), 'source poll') instanceof ConfigError);
  });

  void it('explains authentication and missing-database failures', () => {
    const auth = translatePgError(dbError('28P01', 'password authentication failed for user "postgres"'), 'sink cannot connect');
    assert.ok(auth instanceof ConfigError);
    assert.equal(auth.retriable, false);
    assert.match(auth.message, /password authentication failed.*check the user and password/);
    assert.match(translatePgError(dbError('3D000'), 'x').message, /database named in the connection string does not exist/);
  });

  void it('recognises driver and network failures without SQLSTATE', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    assert.equal(isConnectionLoss(refused), true);
    assert.ok(translatePgError(refused, 'x') instanceof ConnectionError);
    assert.equal(isConnectionLoss(new Error('Connection terminated unexpectedly')), true);
    assert.equal(isConnectionLoss(new TypeError('Cannot read properties of undefined')), false);
    assert.equal(translatePgError(new TypeError('bug'), 'x').retriable, false);
    assert.equal(isRecordLevel(dbError('22001')), true);
    assert.equal(isRecordLevel(dbError('57P01')), false);
    assert.equal(isRecordLevel(new Error('Connection terminated')), false);
  });
});
