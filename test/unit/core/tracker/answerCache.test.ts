// Big answers built at most once a period: counts may lag, a change to what is listed is waited for.
import assert from 'node:assert/strict';
import { AnswerCache } from '../../../../src/core/tracker/answerCache';

describe('AnswerCache', () => {
  it('current(): rebuilt only when older than the period', () => {
    let builds = 0;
    const c = new AnswerCache(() => Buffer.from(String(++builds)), () => 0, 1000);
    assert.equal(c.current(0).toString(), '1');
    assert.equal(c.current(999).toString(), '1');
    assert.equal(c.current(1000).toString(), '2');
  });

  it('whenFresh(): from the cache when nothing changed, after the next build when something did', async () => {
    let builds = 0;
    let version = 0;
    const c = new AnswerCache(() => Buffer.from(`${++builds}@${version}`), () => version, 50);
    const got: string[] = [];
    const t0 = Date.now();
    c.whenFresh((b) => got.push(b.toString()), t0);
    c.whenFresh((b) => got.push(b.toString()), t0 + 10);
    version++;
    c.whenFresh((b) => got.push(b.toString()), Date.now());
    c.whenFresh((b) => got.push(b.toString()), Date.now());
    assert.deepEqual(got, ['1@0', '1@0']);
    await new Promise((r) => setTimeout(r, 80));
    assert.deepEqual(got, ['1@0', '1@0', '2@1', '2@1'], 'one build for both waiting answers');
    c.close();
  });
});
