// Announces per address: a burst, then the rate; addresses apart; 0 is no limit.
import assert from 'node:assert/strict';
import { AddressRate } from '../../../../src/core/tracker/addressRate';

describe('AddressRate', () => {
  it('a burst, then tokens at the rate; another address has its own bucket', () => {
    const r = new AddressRate(10, 3);
    for (let i = 0; i < 3; i++) assert.equal(r.take('a', 0), true);
    assert.equal(r.take('a', 0), false);
    assert.equal(r.take('b', 0), true);
    assert.equal(r.take('a', 99), false);
    assert.equal(r.take('a', 100), true);
  });

  it('takeUpTo: as many of n as the bucket holds, whole tokens only; what is left refills at the rate', () => {
    const r = new AddressRate(10, 5);
    assert.equal(r.take('a', 0), true);
    assert.equal(r.takeUpTo('a', 0, 10), 4);
    assert.equal(r.takeUpTo('a', 0, 10), 0);
    assert.equal(r.take('a', 0), false);
    assert.equal(r.takeUpTo('a', 250, 10), 2, '2.5 tokens: 2 whole ones');
    assert.equal(r.takeUpTo('a', 300, 1), 1, 'the half left plus 50 ms');
    assert.equal(r.takeUpTo('b', 0, 3), 3);
    assert.equal(new AddressRate(0, 1).takeUpTo('a', 0, 1000), 1000, 'no limit');
  });

  it('0 per second is no limit', () => {
    const r = new AddressRate(0, 1);
    for (let i = 0; i < 100; i++) assert.equal(r.take('a', 0), true);
  });

  it('remembers at most maxAddresses: refilled buckets go first, else the oldest half', () => {
    const r = new AddressRate(1, 1, 4);
    for (const a of ['a', 'b', 'c', 'd']) r.take(a, 0);
    assert.equal(r.take('e', 0), true);
    assert.equal(r.take('a', 0), true, 'a was forgotten, so it starts with a full bucket');
    assert.equal(r.take('d', 0), false, 'd is still known and spent');
  });
});
