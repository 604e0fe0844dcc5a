// The hand-built compact announce answer is byte for byte what the generic encoder makes.
import assert from 'node:assert/strict';
import { encode } from '../../../../src/core/bencode';
import { compactAnnounceBody } from '../../../../src/core/tracker/compactAnswer';
import { prng } from '../../../helpers/prng';

describe('compact announce answer', () => {
  it('the exact bytes of a small answer', () => {
    const v4 = Buffer.from([10, 0, 0, 1, 0x1a, 0xe1, 0xff]);
    const counts = { complete: 1, incomplete: 2, interval: 60, minInterval: 30, staCatalog: 1 as const };
    const body = compactAnnounceBody({ ...counts, v4, v4Bytes: 6, v6: Buffer.alloc(18), v6Bytes: 0 });
    const want = Buffer.concat([
      Buffer.from('d8:completei1e10:incompletei2e8:intervali60e12:min intervali30e5:peers6:'),
      v4.subarray(0, 6),
      Buffer.from('11:sta catalogi1ee'),
    ]);
    assert.deepEqual(body, want);
  });

  it('equals encode() of the same dict, with and without peers6, over random inputs', () => {
    const r = prng(0xc0de);
    for (let i = 0; i < 300; i++) {
      const v4Bytes = 6 * r.int(0, 50);
      const v6Bytes = 18 * r.int(0, i % 2 === 0 ? 0 : 20);
      const v4 = r.bytes(v4Bytes + 6 * r.int(0, 3));
      const v6 = r.bytes(v6Bytes + 18 * r.int(0, 3));
      const a = { complete: r.int(0, 1e6), incomplete: r.int(0, 1e6), interval: r.int(1, 86400), minInterval: r.int(1, 86400) };
      const staCatalog = r.pick([0, 1] as const);
      const dict: Record<string, unknown> = {
        complete: a.complete,
        incomplete: a.incomplete,
        interval: a.interval,
        'min interval': a.minInterval,
        peers: v4.subarray(0, v4Bytes),
        'sta catalog': staCatalog,
      };
      if (v6Bytes > 0) dict.peers6 = v6.subarray(0, v6Bytes);
      assert.deepEqual(compactAnnounceBody({ ...a, staCatalog, v4, v4Bytes, v6, v6Bytes }), encode(dict));
    }
  });
});
