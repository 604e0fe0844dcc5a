// PeriodicJobs: named chores on one timer, each at its own period.
import assert from 'node:assert/strict';
import { PeriodicJobs } from '../../../../src/core/session/periodicJobs';
import { sleep, waitFor } from '../../../helpers/wait';

describe('PeriodicJobs', () => {
  it('runs each job at its own period, in the order given, until stopped', async () => {
    const ran: string[] = [];
    const jobs = new PeriodicJobs(10, { fast: { everyMs: 10, run: () => ran.push('fast') }, slow: { everyMs: 30, run: () => ran.push('slow') } });
    jobs.start();
    await waitFor('two runs of the slow job', () => ran.filter((j) => j === 'slow').length >= 2, 5000, 5);
    jobs.stop();
    const seen = ran.length;
    const expected = Array.from({ length: 20 }, (_, k) => ((k + 1) % 3 === 0 ? ['fast', 'slow'] : ['fast'])).flat();
    assert.deepEqual(ran, expected.slice(0, seen), 'slow runs on every third tick, after fast');
    await sleep(30);
    assert.equal(ran.length, seen, 'nothing after stop');
  });

  it('refuses a period that is not a multiple of the tick', () => {
    assert.throws(() => new PeriodicJobs(500, { odd: { everyMs: 750, run: () => undefined } }), /job odd every 750 ms is not a multiple of the 500 ms tick/);
  });
});
