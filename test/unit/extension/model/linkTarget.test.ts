// Links from outside: the magnet box's messages, the vscode:// URI's one accepted form, and the confirmation's words.
import assert from 'node:assert/strict';
import { type Metainfo } from '../../../../src/core/api';
import { confirmationOf, describeTorrent, linkCatalogPath, magnetOf, magnetOfUri, magnetProblem } from '../../../../src/extension/model/linkTarget';

const HASH = 'ab'.repeat(20);
const MAGNET = `magnet:?xt=urn:btih:${HASH}&dn=report.pdf&tr=${encodeURIComponent('http://127.0.0.1:7070/announce')}`;

const meta = (over: Partial<Metainfo>): Metainfo =>
  ({ name: 'report.pdf', length: 2 * 1024 * 1024, files: [], multiFile: false, infoHashHex: HASH, ...over }) as Metainfo;

describe('links: magnets typed, pasted or opened from a vscode:// URI', () => {
  it('says what is wrong with a link as it is typed', () => {
    assert.equal(magnetProblem(MAGNET), undefined);
    assert.equal(magnetProblem(`  ${MAGNET}\n`), undefined);
    assert.equal(magnetProblem(''), 'Paste a magnet link (magnet:?xt=urn:btih:…)');
    assert.equal(magnetProblem('https://example.com/x.torrent'), 'A magnet link starts with "magnet:?"');
    assert.match(magnetProblem('magnet:?xt=urn:btih:1234&dn=x')!, /no BitTorrent v1 info-hash/);
    assert.match(magnetProblem('magnet:?dn=x')!, /no BitTorrent v1 info-hash/);
  });

  it('reads the magnet: info-hash (hex or base32), name and trackers', () => {
    const m = magnetOf(MAGNET);
    assert.equal(m.infoHashHex, HASH);
    assert.equal(m.name, 'report.pdf');
    assert.deepEqual(m.trackers, ['http://127.0.0.1:7070/announce']);
    assert.equal(magnetOf('magnet:?xt=urn:btih:VMVKXK5KVMVKXK5KVMVKXK5KVMVKXK5K').infoHashHex.length, 40);
    assert.throws(() => magnetOf('magnet:?xt=urn:btih:zz'), /no BitTorrent v1 info-hash/);
  });

  it('takes vscode://…/get?magnet=<encoded magnet>, as VS Code hands over its path and query', () => {
    // Uri.query is decoded once: the magnet's own & parameters are inside it
    assert.equal(magnetOfUri('/get', `magnet=${MAGNET}`), MAGNET);
    // a link encoded twice (some chat apps) reads the same
    assert.equal(magnetOfUri('/get', `magnet=${encodeURIComponent(MAGNET)}`), MAGNET);
  });

  it('refuses any other path, parameter or link, saying which form it accepts', () => {
    const form = /STA opens only links of the form vscode:\/\/…\/get\?magnet=<url-encoded magnet link>/;
    assert.throws(() => magnetOfUri('/get', 'torrent=http://127.0.0.1/x.torrent'), form);
    assert.throws(() => magnetOfUri('/download', `magnet=${MAGNET}`), /this one asks for \/download/);
    assert.throws(() => magnetOfUri('/', ''), form);
    assert.throws(() => magnetOfUri('/get', 'magnet=https://example.com/'), /A magnet link starts with "magnet:\?"/);
    assert.throws(() => magnetOfUri('/get', 'magnet=magnet:?xt=urn:btih:123'), /no BitTorrent v1 info-hash/);
    assert.throws(() => magnetOfUri('/get', 'magnet=magnet%3A%E0%A4%A'), /not url-encoded properly/);
  });

  it('names a file with its size, a folder with its file count, and where it lands', () => {
    assert.equal(describeTorrent(meta({})), 'report.pdf (2.0 MiB)');
    const folder = meta({ name: 'photos', multiFile: true, files: [{}, {}, {}] as Metainfo['files'], length: 3 * 1024 });
    assert.equal(describeTorrent(folder), 'the folder photos (3 files, 3.0 KiB)');
    const single = confirmationOf(meta({}), 'downloads/report.pdf', false);
    assert.equal(single.message, 'Download report.pdf (2.0 MiB) to downloads/report.pdf?');
    assert.doesNotMatch(single.detail, /outside VS Code/);
    const fromChat = confirmationOf(folder, 'photos', true);
    assert.equal(fromChat.message, 'Download the folder photos (3 files, 3.0 KiB) to photos/?');
    assert.match(fromChat.detail, /opened from outside VS Code/);
    assert.match(fromChat.detail, new RegExp(`Info-hash ${HASH}`));
  });

  it('words every message through the l10n it is given (vscode.l10n in the extension), placeholders filled', () => {
    const seen: string[] = [];
    const l10n = { t: (m: string, ...args: (string | number)[]) => (seen.push(m), `«${m.replace(/\{(\d+)\}/g, (_, i: string) => String(args[Number(i)]))}»`) };
    assert.equal(magnetProblem('', l10n), '«Paste a magnet link (magnet:?xt=urn:btih:…)»');
    assert.throws(() => magnetOfUri('/open', 'x=1', l10n), /^Error: ««STA opens only links of the form vscode:\/\/…\/get\?magnet=<url-encoded magnet link>»; this one asks for \/open\.»$/);
    const folder = meta({ name: 'photos', multiFile: true, files: [{ path: 'a', length: 1024 }, { path: 'b', length: 1024 }] as Metainfo['files'], length: 2048 });
    const asked = confirmationOf(folder, 'photos', true, ['a'], l10n);
    assert.equal(asked.message, '«Download «1 of the 2 files of the folder photos (1.0 KiB)» to photos/?»');
    assert.match(asked.detail, /^«This link was opened from outside VS Code.*»\n«Info-hash (ab)+\. STA never overwrites/);
    assert.equal(describeTorrent(meta({ name: 'one', multiFile: true, files: [{}] as Metainfo['files'], length: 10 }), l10n), '«the folder one (1 file, 10 B)»');
    assert.ok(seen.every((m) => !/\$\{/.test(m)), 'messages are templates with {n} placeholders, not pre-filled strings');
  });

  it('lands at the catalog path when it ends in the torrent\'s name, else at the name', () => {
    assert.equal(linkCatalogPath(meta({}), 'docs/q3/report.pdf'), 'docs/q3/report.pdf');
    assert.equal(linkCatalogPath(meta({}), 'docs/other.pdf'), 'report.pdf');
    assert.equal(linkCatalogPath(meta({}), undefined), 'report.pdf');
  });
});
