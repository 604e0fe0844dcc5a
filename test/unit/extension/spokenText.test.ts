// What a screen reader says for rows and the status bar: words, no symbols, no paths or hashes.
import assert from 'node:assert/strict';
import type { SessionProgress } from '../../../src/core/api';
import { spokenEta, spokenPeers, spokenPercent, spokenRate, spokenSize, spokenTransfer } from '../../../src/extension/spokenText';

const MiB = 1024 * 1024;

const progress = (p: Partial<SessionProgress>): SessionProgress => ({
  infoHash: 'ab'.repeat(20),
  name: 'report.bin',
  state: 'downloading',
  length: 100 * MiB,
  verifiedBytes: 45 * MiB,
  reusedBytes: 0,
  pieces: 45,
  piecesTotal: 100,
  downloaded: 45 * MiB,
  uploaded: 0,
  downloadRate: 2 * MiB,
  uploadRate: 0,
  peers: 3,
  ...p,
});

describe('spoken text', () => {
  it('says sizes, rates, counts and percentages in words', () => {
    assert.equal(spokenSize(3 * MiB), '3.0 MB');
    assert.equal(spokenSize(12), '12 bytes');
    assert.equal(spokenRate(2 * MiB), '2.0 MB per second');
    assert.equal(spokenPeers(1), '1 peer');
    assert.equal(spokenPeers(3), '3 peers');
    assert.equal(spokenEta(3725), '1 hour 2 minutes left');
    assert.equal(spokenEta(0.2), 'less than a second left');
    assert.equal(spokenPercent(45, 100), '45 percent');
    assert.equal(spokenPercent(0, 0), '0 percent');
  });

  it('reads a download as "report.bin, 45 percent, 2.0 MB per second, 3 peers" (no hash, no path)', () => {
    const label = spokenTransfer({ name: 'report.bin', kind: 'download', progress: progress({}) });
    assert.equal(label, 'report.bin, 45 percent, 2.0 MB per second, 3 peers');
    const withEta = spokenTransfer({ name: 'report.bin', kind: 'download', progress: progress({ eta: 75 }) });
    assert.equal(withEta, 'report.bin, 45 percent, 2.0 MB per second, 1 minute 15 seconds left, 3 peers');
    assert.doesNotMatch(label, /[0-9a-f]{40}/);
  });

  it('reads seeding, failed and paused rows', () => {
    const seeding = progress({ state: 'seeding', verifiedBytes: 100 * MiB, uploadRate: MiB, uploaded: 5 * MiB, peers: 1 });
    assert.equal(
      spokenTransfer({ name: 'report.bin', kind: 'download', progress: seeding }),
      'report.bin, downloaded, seeding, 1.0 MB per second up, 5.0 MB sent, 1 peer',
    );
    assert.equal(spokenTransfer({ name: 'x.bin', kind: 'download', progress: progress({ state: 'failed' }), error: 'disk full' }), 'x.bin, failed: disk full');
    assert.equal(spokenTransfer({ name: 'x.bin', kind: 'download', progress: progress({ state: 'paused' }) }), 'x.bin, 45 percent, paused');
  });

  it('speaks a hostile name without its control or bidi characters', () => {
    assert.equal(spokenTransfer({ name: 'a\u202Eb.bin', kind: 'download', progress: progress({ state: 'paused' }) }).includes('\u202E'), false);
  });
});
