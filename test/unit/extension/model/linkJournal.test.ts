// A link's download (magnet or .torrent) in the journal of unfinished downloads: a torrent rebuilt from a peer's
// info dict reads back with the same info-hash and trackers, and stays marked to announce to its own trackers.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as vscode from 'vscode';
import { createTorrent } from '../../../../src/core/api';
import { infoDictOf, torrentFromInfoDict } from '../../../../src/core/magnet/infoDict';
import { TransferJournal } from '../../../../src/extension/model/transferJournal';

function memento(): vscode.Memento {
  const data = new Map<string, string>();
  return {
    keys: () => [...data.keys()],
    get: <T>(key: string, fallback?: T) => (data.has(key) ? JSON.parse(data.get(key)!) : fallback),
    update: async (key: string, value: unknown) => void data.set(key, JSON.stringify(value)),
  } as vscode.Memento;
}

describe('links in the transfer journal', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'sta-link-journal-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a magnet-derived torrent comes back after a reload: same info-hash, its trackers, ownTrackers kept', async () => {
    writeFileSync(join(dir, 'x.bin'), Buffer.alloc(200_000, 7));
    const original = await createTorrent(join(dir, 'x.bin'), { announce: 'http://127.0.0.1:1/announce' });
    const fromPeers = torrentFromInfoDict(infoDictOf(original)!, ['http://127.0.0.1:6969/announce', 'udp://127.0.0.1:6969']);
    assert.equal(fromPeers.infoHashHex, original.infoHashHex);
    const state = memento();
    const target = { root: dir, folder: '', relPath: 'x.bin', catalogPath: 'x.bin', onExisting: 'refuse' as const, ownTrackers: true };
    new TransferJournal(state).record({ meta: fromPeers, target, paused: false, verifiedBytes: 16384 });
    const [e] = new TransferJournal(state).entries();
    assert.equal(e.meta.infoHashHex, original.infoHashHex);
    assert.deepEqual(e.meta.announceList, [['http://127.0.0.1:6969/announce'], ['udp://127.0.0.1:6969']]);
    assert.deepEqual(e.target, target);
    assert.equal(e.verifiedBytes, 16384);
  });

  it('a catalog download is not marked: it announces to the configured tracker only', async () => {
    writeFileSync(join(dir, 'y.bin'), Buffer.alloc(50_000, 3));
    const meta = await createTorrent(join(dir, 'y.bin'), { announce: 'http://127.0.0.1:1/announce' });
    const state = memento();
    new TransferJournal(state).record({ meta, target: { folder: 'dl', onExisting: 'refuse' }, paused: true, verifiedBytes: 0 });
    assert.equal(new TransferJournal(state).entries()[0].target.ownTrackers, undefined);
  });
});
