import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConnectionError, ErrorCode, RecordError } from '../../errors.js';
import { classifyError, serverErrorCode, translateClickHouseError } from './errors.js';

const server = (code: number, text = 'DB::Exception: something'): Error => new Error(`Code: ${code}, e.displayText() = ${text}, e.what() = DB::Exception\n`);

void describe('clickhouse errors', () => {
  void it('reads the server code from 18.16 and modern messages', () => {
    assert.equal(serverErrorCode(server(252)), 252);
    assert.equal(serverErrorCode(new Error('Code: 241. DB::Exception: Memory limit (MEMORY_LIMIT_EXCEEDED)')), 241);
    assert.equal(serverErrorCode(new Error('socket hang up')), undefined);
  });

  void it('retries overload, too many parts, memory limit and network failures', () => {
    for (const code of [202, 252, 241, 159]) {
      const error = translateClickHouseError(server(code), 'insert');
      assert.ok(error instanceof ConnectionError, String(code));
      assert.equal(error.retriable, true);
    }
    assert.equal(translateClickHouseError(server(252), 'insert').code, ErrorCode.overload);
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:18123'), { code: 'ECONNREFUSED' });
    assert.equal(translateClickHouseError(refused, 'insert').retriable, true);
    assert.equal(classifyError(new Error('<html>502 Bad Gateway</html>')), 'retriable');
  });

  void it('marks bad values as record errors and everything else with a code as fatal', () => {
    for (const code of [6, 26, 27, 38, 41, 53, 72, 117]) assert.ok(translateClickHouseError(server(code), 'insert') instanceof RecordError, String(code));
    const unknownTable = translateClickHouseError(server(60, 'DB::Exception: Table default.x doesn\'t exist.'), 'insert');
    assert.equal(unknownTable.retriable, false);
    assert.ok(!(unknownTable instanceof RecordError));
    assert.match(unknownTable.message, /^insert: Code: 60/);
    assert.equal(classifyError(new TypeError('bug')), 'fatal');
  });
});
