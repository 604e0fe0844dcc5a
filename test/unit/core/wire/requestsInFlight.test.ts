// RequestsInFlight: a block we asked for, one that crossed our cancel, and one nobody asked for.
import assert from 'node:assert/strict';
import { BLOCK_SIZE } from '../../../../src/core/pieces';
import { RequestsInFlight } from '../../../../src/core/wire/requestsInFlight';

const req = (index: number, b: number) => ({ index, begin: b * BLOCK_SIZE, length: BLOCK_SIZE });

describe('RequestsInFlight', () => {
  it('tells a block we asked for from a late one and an unsolicited one', () => {
    const r = new RequestsInFlight();
    r.add(req(3, 0), 0);
    r.add(req(3, 1), 0);
    assert.equal(r.arrived(3, 0, 100), 'unsolicited', 'another length than asked');
    assert.equal(r.arrived(3, 0, BLOCK_SIZE), 'asked');
    assert.equal(r.arrived(3, 0, BLOCK_SIZE), 'unsolicited', 'only once');
    assert.equal(r.cancel(3, BLOCK_SIZE), true);
    assert.equal(r.cancel(3, BLOCK_SIZE), false);
    assert.equal(r.arrived(3, BLOCK_SIZE, BLOCK_SIZE), 'late', 'it crossed our cancel');
    assert.equal(r.arrived(3, 5, 10), 'unsolicited', 'unaligned');
    assert.equal(r.size, 0);
  });

  it('a choke drops every request, and their blocks still count as late; a close forgets them', () => {
    const r = new RequestsInFlight();
    for (let b = 0; b < 3; b++) r.add(req(1, b), 0);
    assert.equal(r.takeAll(true).length, 3);
    assert.equal(r.arrived(1, 2 * BLOCK_SIZE, BLOCK_SIZE), 'late');
    r.add(req(2, 0), 0);
    assert.equal(r.takeAll(false).length, 1);
    assert.equal(r.arrived(2, 0, BLOCK_SIZE), 'unsolicited');
  });

  it('finds the requests sent before a time, and remembers a bounded number of cancels', () => {
    const r = new RequestsInFlight();
    r.add(req(0, 0), 100);
    r.add(req(0, 1), 200);
    assert.deepEqual(r.sentBefore(150).map((x) => x.begin), [0]);
    for (let i = 1; i <= 5000; i++) {
      r.add(req(i, 0), 0);
      r.cancel(i, 0);
    }
    assert.equal(r.arrived(1, 0, BLOCK_SIZE), 'unsolicited', 'the oldest cancels are forgotten');
    assert.equal(r.arrived(5000, 0, BLOCK_SIZE), 'late');
  });
});
