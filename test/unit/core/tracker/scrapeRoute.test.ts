// GET /scrape without HTTP: counts per info-hash, binary keys in byte order, and the caps.
import assert from 'node:assert/strict';
import { QueryError } from '../../../../src/core/tracker/query';
import { AnswerCache } from '../../../../src/core/tracker/answerCache';
import { fullScrape, scrapeAnswer } from '../../../../src/core/tracker/scrapeRoute';
import { SwarmTable } from '../../../../src/core/tracker/swarmTable';

const pct = (b: Buffer) => [...b].map((c) => '%' + c.toString(16).padStart(2, '0')).join('');
const hash = (byte: number) => Buffer.alloc(20, byte);

function table() {
  const t = new SwarmTable();
  const s = t.getOrCreate(hash(0xee).toString('hex'))!;
  s.announce('started', 0, 'seed', '10.0.0.1', 1, 0);
  s.announce('started', 5, 'leech', '10.0.0.2', 1, 0);
  s.announce('completed', 0, 'done', '10.0.0.3', 1, 0);
  t.getOrCreate(hash(0x01).toString('hex'))!.announce('started', 5, 'x', '10.0.0.4', 1, 0);
  return t;
}

const entry = (h: Buffer, complete: number, downloaded: number, incomplete: number) =>
  Buffer.concat([Buffer.from('20:'), h, Buffer.from(`d8:completei${complete}e10:downloadedi${downloaded}e10:incompletei${incomplete}ee`)]);
const full = (t: SwarmTable) => new AnswerCache(() => fullScrape(t));
const files = (...entries: Buffer[]) => Buffer.concat([Buffer.from('d5:filesd'), ...entries, Buffer.from('ee')]);

describe('scrape route', () => {
  it('the asked hashes, sorted as bytes, unknown ones as zeros', () => {
    const body = scrapeAnswer(table(), `info_hash=${pct(hash(0xee))}&info_hash=${pct(hash(0x7f))}`, 64, full(table()));
    assert.deepEqual(body, files(entry(hash(0x7f), 0, 0, 0), entry(hash(0xee), 2, 1, 1)));
  });

  it('no info_hash: a full scrape of every swarm', () => {
    const t = table();
    assert.deepEqual(scrapeAnswer(t, '', 64, full(t)), files(entry(hash(0x01), 0, 0, 1), entry(hash(0xee), 2, 1, 1)));
    const empty = new SwarmTable();
    assert.deepEqual(scrapeAnswer(empty, '', 64, full(empty)), Buffer.from('d5:filesdee'));
  });

  it('refuses more hashes than the cap, and hashes that are not 20 bytes', () => {
    const three = [1, 2, 3].map((b) => `info_hash=${pct(hash(b))}`).join('&');
    assert.equal(scrapeAnswer(table(), three, 3, full(table())).subarray(0, 9).toString(), 'd5:filesd');
    const tooMany = (e: Error) => e instanceof QueryError && /more than 2 info_hash values/.test(e.message);
    assert.throws(() => scrapeAnswer(table(), three, 2, full(table())), tooMany);
    assert.throws(() => scrapeAnswer(table(), `info_hash=${pct(hash(1).subarray(2))}`, 64, full(table())), /info_hash is 18 bytes, not 20/);
  });
});
