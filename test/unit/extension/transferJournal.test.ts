// The journal of unfinished downloads in workspaceState: what a reloaded window reads back.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as vscode from 'vscode';
import { createFolderTorrent, createTorrent, type Metainfo } from '../../../src/core/api';
import { StoreKeys } from '../../../src/extension/constants';
import { TransferJournal } from '../../../src/extension/model/transferJournal';

/** workspaceState as VS Code keeps it: JSON. */
function memento(): vscode.Memento & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    keys: () => [...data.keys()],
    get: <T>(key: string, fallback?: T) => (data.has(key) ? JSON.parse(data.get(key)!) : fallback),
    update: async (key: string, value: unknown) => void data.set(key, JSON.stringify(value)),
  } as vscode.Memento & { data: Map<string, string> };
}

describe('TransferJournal', () => {
  let dir: string;
  let a: Metainfo;
  let b: Metainfo;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sta-journal-'));
    writeFileSync(join(dir, 'a.bin'), Buffer.alloc(100_000, 1));
    writeFileSync(join(dir, 'b.bin'), Buffer.alloc(50_000, 2));
    a = await createTorrent(join(dir, 'a.bin'), { announce: 'http://127.0.0.1:1/announce' });
    b = await createTorrent(join(dir, 'b.bin'), { announce: 'http://127.0.0.1:1/announce' });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads back what it recorded, through JSON, in a new instance', () => {
    const state = memento();
    new TransferJournal(state).record({ meta: a, target: { folder: 'downloads', onExisting: 'suffix' }, paused: true, verifiedBytes: 32768 });
    const [e, ...rest] = new TransferJournal(state).entries();
    assert.equal(rest.length, 0);
    assert.equal(e.meta.infoHashHex, a.infoHashHex);
    assert.deepEqual(e.meta.torrent, a.torrent);
    assert.deepEqual(e.target, { folder: 'downloads', onExisting: 'suffix' });
    assert.equal(e.paused, true);
    assert.equal(e.verifiedBytes, 32768);
  });

  it('keeps the folder, the catalog path and an update\'s choice, so a reload resumes it at the same path the same way', () => {
    const state = memento();
    const relPath = 'data/train/a.bin';
    const target = { root: '/work/app', folder: 'incoming', relPath, catalogPath: `app/incoming/${relPath}`, onExisting: 'update' as const };
    new TransferJournal(state).record({ meta: a, target, paused: false, verifiedBytes: 0 });
    assert.deepEqual(new TransferJournal(state).entries()[0].target, target);
  });

  it('reads an entry written before catalog paths (no folder root, no path) as the first folder and the torrent\'s name', () => {
    const state = memento();
    const old = { torrent: a.torrent.toString('base64'), folder: '', onExisting: 'suffix', paused: false, verifiedBytes: 0 };
    const unknown = { ...old, torrent: b.torrent.toString('base64'), onExisting: 'overwrite' };
    void state.update(StoreKeys.transfers, { [a.infoHashHex]: old, [b.infoHashHex]: unknown });
    const entries = new TransferJournal(state).entries();
    assert.deepEqual(entries.find((e) => e.meta.name === 'a.bin')!.target, { folder: '', onExisting: 'suffix' });
    assert.deepEqual(entries.find((e) => e.meta.name === 'b.bin')!.target, { folder: '', onExisting: 'refuse' }, 'an unknown choice is refuse');
  });

  it('keeps one entry per info-hash; remove forgets it', () => {
    const j = new TransferJournal(memento());
    j.record({ meta: a, target: { folder: '', onExisting: 'refuse' }, paused: false, verifiedBytes: 0 });
    j.record({ meta: b, target: { folder: '', onExisting: 'refuse' }, paused: false, verifiedBytes: 0 });
    j.record({ meta: a, target: { folder: '', onExisting: 'refuse' }, paused: true, verifiedBytes: 16384 });
    assert.deepEqual(j.entries().map((e) => [e.meta.name, e.paused]).sort(), [['a.bin', true], ['b.bin', false]]);
    j.remove(a.infoHashHex);
    assert.deepEqual(j.entries().map((e) => e.meta.name), ['b.bin']);
  });

  it('leaves out an entry that does not read back, and keeps the others', () => {
    const state = memento();
    const j = new TransferJournal(state);
    j.record({ meta: a, target: { folder: '', onExisting: 'refuse' }, paused: false, verifiedBytes: 1e12 });
    const stored = state.get<Record<string, unknown>>(StoreKeys.transfers)!;
    const good = stored[a.infoHashHex] as { torrent: string };
    void state.update(StoreKeys.transfers, {
      ...stored,
      [b.infoHashHex]: { ...good }, // a's torrent under b's hash
      ['0'.repeat(40)]: { torrent: 'not base64 bencode', folder: '' },
      ['1'.repeat(40)]: 'garbage',
    });
    const entries = j.entries();
    assert.deepEqual(entries.map((e) => e.meta.infoHashHex), [a.infoHashHex]);
    assert.equal(entries[0].verifiedBytes, a.length, 'never more than the file');
    void state.update(StoreKeys.transfers, ['not', 'a', 'record']);
    assert.deepEqual(j.entries(), []);
  });

  it('keeps the files picked of a folder torrent, so a reload resumes the same selection; files no longer in it are dropped', async () => {
    const folder = join(dir, 'album');
    mkdirSync(join(folder, 'disc 1'), { recursive: true });
    for (const n of ['a[1].flac', 'disc 1/b.flac', 'c.flac']) writeFileSync(join(folder, n), Buffer.alloc(20_000, n.length));
    const album = await createFolderTorrent(folder, { announce: 'http://127.0.0.1:1/announce' });
    const state = memento();
    const target = { folder: '', onExisting: 'refuse' as const, ownTrackers: true, select: ['a[1].flac', 'disc 1/b.flac'] };
    new TransferJournal(state).record({ meta: album, target, paused: false, verifiedBytes: 0 });
    assert.deepEqual(new TransferJournal(state).entries()[0].target, target);
    const stored = state.get<Record<string, { select: string[] }>>(StoreKeys.transfers)!;
    stored[album.infoHashHex].select = ['c.flac', 'gone.flac'];
    await state.update(StoreKeys.transfers, stored);
    assert.deepEqual(new TransferJournal(state).entries()[0].target.select, ['c.flac']);
    stored[album.infoHashHex].select = ['gone.flac'];
    await state.update(StoreKeys.transfers, stored);
    assert.deepEqual(new TransferJournal(state).entries(), [], 'not resumed as every file');
  });
});
