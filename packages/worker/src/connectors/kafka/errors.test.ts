import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import kafkajs from 'kafkajs';
import { ConnectionError, DataflowError, ErrorCode, RecordError } from '../../errors.js';
import { isRecordLevelError, translateKafkaError } from './errors.js';

const { KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError, KafkaJSSASLAuthenticationError, KafkaJSNonRetriableError } = kafkajs;
const context = { owner: 'kafka source', brokers: ['127.0.0.1:19094'], username: 'alice' };

/** A kafkajs protocol error as the broker client builds it (type, code, retriable). */
function protocolError(type: string, retriable: boolean): Error {
  return new KafkaJSProtocolError({ type, code: 10, retriable, message: `broker says ${type}` } as unknown as Error);
}

void describe('translateKafkaError', () => {
  void it('reports failed SASL authentication as a non-retriable config error naming the user', () => {
    const Sasl = KafkaJSSASLAuthenticationError as unknown as new (message: string) => Error;
    const error = translateKafkaError(new Sasl('SASL PLAIN authentication failed: Authentication failed: Invalid username or password'), context);
    assert.equal(error.retriable, false);
    assert.equal(error.code, ErrorCode.config);
    assert.match(error.message, /^kafka source: SASL authentication failed for user alice: SASL PLAIN authentication failed: .*Invalid username or password/);
  });

  void it('finds an untrusted certificate below kafkajs wrappers', () => {
    const socket = Object.assign(new Error('self-signed certificate in certificate chain'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' });
    const connection = new KafkaJSConnectionError('Connection error: self-signed certificate in certificate chain', { code: 'SELF_SIGNED_CERT_IN_CHAIN' });
    const wrapped = new KafkaJSNumberOfRetriesExceeded(Object.assign(connection, { cause: socket }), { retryCount: 5, retryTime: 1000 });
    const error = translateKafkaError(wrapped, context);
    assert.equal(error.retriable, false);
    assert.equal(error.code, ErrorCode.config);
    assert.match(error.message, /TLS certificate of the brokers 127\.0\.0\.1:19094 was not accepted \(SELF_SIGNED_CERT_IN_CHAIN/);
    assert.match(error.message, /caFile/);
  });

  void it('treats connection trouble and retriable broker answers as retriable', () => {
    const refused = translateKafkaError(new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:1'), context);
    assert.ok(refused instanceof ConnectionError);
    assert.match(refused.message, /ECONNREFUSED/);
    const leader = translateKafkaError(protocolError('LEADER_NOT_AVAILABLE', true), context);
    assert.equal(leader.retriable, true);
    const exhausted = translateKafkaError(new KafkaJSNumberOfRetriesExceeded(new Error('The group is rebalancing'), { retryCount: 5, retryTime: 100 }), context);
    assert.equal(exhausted.retriable, true);
  });

  void it('reports denied access as non-retriable, other kafkajs failures by their retriable flag', () => {
    const denied = translateKafkaError(protocolError('TOPIC_AUTHORIZATION_FAILED', false), context);
    assert.equal(denied.retriable, false);
    assert.match(denied.message, /refused access \(TOPIC_AUTHORIZATION_FAILED\)/);
    const bug = translateKafkaError(new KafkaJSNonRetriableError('Invalid partition'), context);
    assert.equal(bug.retriable, false);
  });

  void it('passes DataflowErrors through', () => {
    const original = new RecordError('bad');
    assert.equal(translateKafkaError(original, context), original);
    assert.ok(translateKafkaError(new Error('x'), context) instanceof DataflowError);
  });
});

void describe('isRecordLevelError', () => {
  void it('recognises record-level produce errors anywhere in the chain', () => {
    assert.equal(isRecordLevelError(protocolError('MESSAGE_TOO_LARGE', false)), true);
    assert.equal(isRecordLevelError(new KafkaJSNumberOfRetriesExceeded(protocolError('INVALID_RECORD', false), { retryCount: 0, retryTime: 0 })), true);
    assert.equal(isRecordLevelError(protocolError('NOT_LEADER_FOR_PARTITION', true)), false);
    assert.equal(isRecordLevelError(new Error('plain')), false);
  });
});
