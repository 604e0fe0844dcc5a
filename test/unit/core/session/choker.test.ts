// Choker: who gets the upload slots, and how a rechoke between rounds differs from a round.
import assert from 'node:assert/strict';
import { Choker, ChokerPeer } from '../../../../src/core/session/choker';
import { FakeConnection } from './fakeConnection';

function peers(rates: number[], interested = true): (ChokerPeer & { conn: FakeConnection })[] {
  return rates.map((rate, i) => {
    const conn = new FakeConnection(1, `10.0.0.${i + 1}:6881`);
    conn.peerInterested = interested;
    return { conn, downloadRate: rate, uploadRate: 1000 - rate };
  });
}

const names = (set: Set<unknown>) => [...set].map((c) => (c as FakeConnection).address).sort();

describe('Choker', () => {
  const random = Math.random;
  afterEach(() => (Math.random = random));

  it('unchokes every interested peer while there are slots, and never one that is not interested', () => {
    const list = [...peers([1, 2]), ...peers([3], false)];
    assert.deepEqual(names(new Choker(3).decide(list, false)), ['10.0.0.1:6881', '10.0.0.2:6881']);
  });

  it('leeching: the peers that give us most, plus one optimistic unchoke kept for 30 s, then drawn again', () => {
    const list = peers([50, 10, 40, 20, 30]);
    const choker = new Choker(3);
    Math.random = () => 0;
    const first = choker.decide(list, false, 0);
    assert.deepEqual(names(first), ['10.0.0.1:6881', '10.0.0.3:6881', '10.0.0.5:6881'], 'the two fastest, and the first of the rest');
    Math.random = () => 0.99;
    assert.deepEqual(names(choker.decide(list, false, 29_999)), names(first), 'the optimistic one keeps its slot');
    assert.deepEqual(names(choker.decide(list, false, 30_000)), ['10.0.0.1:6881', '10.0.0.2:6881', '10.0.0.3:6881'], 'another one gets a turn');
  });

  it('seeding: the peers that take most', () => {
    Math.random = () => 0;
    const list = peers([50, 10, 40, 20, 30]); // upload rates 950, 990, 960, 980, 970
    assert.deepEqual(names(new Choker(3).decide(list, true, 0)), ['10.0.0.2:6881', '10.0.0.4:6881', '10.0.0.5:6881']);
  });

  it('between rounds only free slots are filled and only peers that lost interest are choked; a round reshuffles', () => {
    const list = peers([10, 20, 30]);
    const [slow, mid, fast] = list.map((p) => p.conn);
    slow.amChoking = false;
    mid.amChoking = false;
    const choker = new Choker(2);
    Math.random = () => 0;
    choker.rechoke(list, false, false);
    assert.deepEqual([slow.amChoking, mid.amChoking, fast.amChoking], [false, false, true], 'no slot taken away, none free');
    mid.peerInterested = false;
    choker.rechoke(list, false, false);
    assert.deepEqual([slow.amChoking, mid.amChoking, fast.amChoking], [false, true, true], 'a peer that lost interest is choked');
    choker.rechoke(list, false, false);
    assert.deepEqual([slow.amChoking, mid.amChoking, fast.amChoking], [false, true, false], 'the freed slot is filled');
    mid.peerInterested = true;
    choker.rechoke(list, false, true);
    assert.deepEqual([slow.amChoking, mid.amChoking, fast.amChoking], [true, false, false], 'a round serves the best');
  });
});
