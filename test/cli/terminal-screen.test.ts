import { test } from 'node:test';
import assert from 'node:assert/strict';
import { terminalScreen } from './terminal-screen.js';

test('the terminal model: overwrite, erase, cursor up, deferred wrap', () => {
  assert.deepEqual(terminalScreen('abc\rX\n', 10), ['Xbc']);
  assert.deepEqual(terminalScreen('one\r\ntwo\r\nbar 1\r\n\u001b[1A\r\u001b[Jbar 2\r\n', 10), ['one', 'two', 'bar 2']);
  assert.deepEqual(terminalScreen('l1\nl2\nl3\n\u001b[2A\r\u001b[Jnew\n', 10), ['l1', 'new']);
  assert.deepEqual(terminalScreen('helloworld\u001b[K', 5), ['hello', 'world']);
  assert.deepEqual(terminalScreen('12345\r\n', 5), ['12345'], 'a full line does not wrap before the newline');
  assert.deepEqual(terminalScreen('abcdef\u001b[3D\u001b[K', 10), ['abc']);
  assert.deepEqual(terminalScreen('\u001b[?25l█░\u001b[?25h\u001b[31mx\u001b[0m', 10), ['█░x']);
  assert.deepEqual(terminalScreen('bar\r\n^C', 10), ['bar', '^C']);
  assert.deepEqual(terminalScreen('helloworld!\r\nab', 5, { join: true }), ['helloworld!', 'ab'], 'wrapped rows joined back');
  assert.deepEqual(terminalScreen('helloworld\r\u001b[1A\u001b[J', 5, { join: true }), [], 'erased');
  assert.deepEqual(terminalScreen('\u001b[?7lhelloworld\u001b[?7h\r\nab', 5), ['helld', 'ab'], 'no wrap: the last column is overwritten');
  assert.throws(() => terminalScreen('\u001b[5;5H', 10), /unsupported escape sequence ESC\[5;5H/);
});
