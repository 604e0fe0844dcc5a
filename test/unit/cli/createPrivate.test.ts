// `sta create` for a tracker URL with a team key writes a private torrent (BEP 27), as the
// engine and the repository do: a team's torrent must not leak to DHT, PEX or local discovery.
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCommand } from '../../../src/cli/createCommand';
import { parseTorrent } from '../../../src/core/metainfo';
import { isolateCliEnv } from '../../helpers/cliEnv';

describe('sta create for a keyed tracker', () => {
  isolateCliEnv();
  let dir: string;
  before(async () => {
    dir = await fsp.mkdtemp(join(tmpdir(), 'sta-create-'));
    await fsp.writeFile(join(dir, 'data.bin'), Buffer.alloc(100_000, 7));
  });
  after(() => fsp.rm(dir, { recursive: true, force: true }));

  const create = async (tracker: string, out: string, extra: string[] = []) => {
    const log = console.log;
    console.log = () => undefined;
    try {
      assert.equal(await createCommand([join(dir, 'data.bin'), '--tracker', tracker, '-o', join(dir, out), ...extra]), 0);
    } finally {
      console.log = log;
    }
    return parseTorrent(await fsp.readFile(join(dir, out)));
  };

  it('marks the torrent private when the announce URL carries a team key', async () => {
    const meta = await create(`http://127.0.0.1:7070/${'k'.repeat(32)}/announce`, 'keyed.torrent');
    assert.equal(meta.private, true);
  });

  it('leaves an unkeyed tracker\'s torrent public unless --private is given', async () => {
    assert.equal((await create('http://127.0.0.1:7070/announce', 'open.torrent')).private, false);
    assert.equal((await create('http://127.0.0.1:7070/announce', 'asked.torrent', ['--private'])).private, true);
  });
});
