// Which changed settings need STA restarted: those the running engine was made with.
import assert from 'node:assert/strict';
import { changedSinceStart } from '../../../src/extension/restartSettings';
import type { StaSettings } from '../../../src/extension/settings';

const running: StaSettings = {
  trackerUrl: 'http://127.0.0.1:7070/announce',
  listenPort: 6881,
  bindAddress: '0.0.0.0',
  downloadFolder: '',
  exclude: [],
  maxPeersPerFile: 50,
  uploadSlots: 8,
  maxUploadRateKiB: 0,
  maxDownloadRateKiB: 0,
  seedRatioLimit: 0,
  seedTimeMinutes: 0,
  autoStart: false,
  localTrackerPort: 7070,
  localTrackerOnLan: false,
  catalogRefreshSeconds: 15,
};

describe('changedSinceStart', () => {
  it('names nothing while the settings are those STA runs with, or ones applied live', () => {
    assert.deepEqual(changedSinceStart(running, { ...running }), []);
    assert.deepEqual(changedSinceStart(running, { ...running, catalogRefreshSeconds: 2, exclude: ['*.log'], downloadFolder: 'in' }), []);
    assert.deepEqual(changedSinceStart(running, { ...running, seedRatioLimit: 2, seedTimeMinutes: 30 }), [], 'seeding limits apply as they change');
  });

  it('names the port, bind address, tracker and limits, as Settings shows them', () => {
    assert.deepEqual(changedSinceStart(running, { ...running, listenPort: 7000 }), ['sta.listenPort']);
    assert.deepEqual(changedSinceStart(running, { ...running, bindAddress: '127.0.0.1', trackerUrl: 'http://h:1/announce' }), [
      'sta.trackerUrl',
      'sta.bindAddress',
    ]);
    assert.deepEqual(changedSinceStart(running, { ...running, maxUploadRateKiB: 100 }), ['sta.maxUploadRate']);
    assert.deepEqual(changedSinceStart(running, { ...running, maxDownloadRateKiB: 100 }), ['sta.maxDownloadRate']);
  });

  it('a port of 0 (any free port) is satisfied by the port STA has', () => {
    assert.deepEqual(changedSinceStart(running, { ...running, listenPort: 0 }), []);
  });
});
