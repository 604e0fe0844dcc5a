// The one throttle the views and the status bar redraw through.
import assert from 'node:assert/strict';
import { Throttle } from '../../../src/extension/throttle';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Throttle', () => {
  it('runs once for a burst of schedules, after the delay', async () => {
    let runs = 0;
    const t = new Throttle(() => runs++, 20);
    for (let i = 0; i < 10; i++) t.schedule();
    assert.equal(runs, 0);
    await sleep(40);
    assert.equal(runs, 1);
    t.schedule();
    await sleep(40);
    assert.equal(runs, 2, 'a later schedule runs again');
  });

  it('runs nothing once cancelled or disposed', async () => {
    let runs = 0;
    const t = new Throttle(() => runs++, 10);
    t.schedule();
    t.cancel();
    await sleep(30);
    t.schedule();
    t.dispose();
    await sleep(30);
    assert.equal(runs, 0);
  });
});
