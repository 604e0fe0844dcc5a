// `sta share` failing while it shares (here: an --exclude pattern the matcher refuses) ends with its
// exit code and leaves nothing open: the engine's listener is closed, not left to keep the process alive.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { runSta } from '../../../src/cli/sta';
import { isolateCliEnv } from '../../helpers/cliEnv';

/** Whether anything accepts a connection on 127.0.0.1:port. */
const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => (s.destroy(), resolve(false)));
  });

describe('sta share failing inside its share loop', () => {
  isolateCliEnv();
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'sta-share-fail-'));
    writeFileSync(join(dir, 'a.txt'), 'some bytes\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const watch of [[], ['--no-watch']]) {
    it(`returns exit code 1 with the reason and closes the engine${watch.length ? ' (--no-watch)' : ''}`, async () => {
      const err: string[] = [];
      const { error } = console;
      console.error = (...a: unknown[]) => void err.push(a.join(' '));
      let code: number;
      try {
        const argv = ['share', dir, '--tracker', 'http://127.0.0.1:9/announce', '--host', '127.0.0.1', '--exclude', '', ...watch];
        code = await runSta(argv);
      } finally {
        console.error = error;
      }
      assert.equal(code, 1, err.join('\n'));
      const port = Number(/listening: host=127\.0\.0\.1 port=(\d+)/.exec(err.join('\n'))?.[1]);
      assert.ok(port > 0, `the engine was listening when the loop failed: ${err.join('\n')}`);
      assert.match(err.at(-1)!, /^sta: .*pattern/);
      assert.equal(await accepts(port), false, 'the peer listener is closed');
    });
  }
});
