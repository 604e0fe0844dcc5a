// The marks of Tracker Files: in workspace, update available, not here — and that each is told in words too.
import assert from 'node:assert/strict';
import { type LocalFiles, MARK_LOOK, markOf } from '../../../../src/extension/model/catalogMarks';

const H = (c: string) => c.repeat(40);

/** A workspace sharing `docs/a.md` (content a) and holding download content d somewhere. */
const local: LocalFiles = {
  hasContent: (h) => h === H('a') || h === H('d'),
  infoHashAt: (p) => (p === 'docs/a.md' ? H('a') : undefined),
};

describe('catalog marks', () => {
  it('✓ when this workspace has the path with the same content, or that content anywhere', () => {
    assert.equal(markOf({ infoHash: H('a') }, 'docs/a.md', local), 'inWorkspace');
    assert.equal(markOf({ infoHash: H('d') }, 'elsewhere/d.bin', local), 'inWorkspace');
  });

  it('↻ when the path exists here with different content', () => {
    assert.equal(markOf({ infoHash: H('b') }, 'docs/a.md', local), 'updateAvailable');
  });

  it('not here when the path is not in the workspace, or cannot land anywhere', () => {
    assert.equal(markOf({ infoHash: H('c') }, 'docs/c.md', local), 'missing');
    assert.equal(markOf({ infoHash: H('c') }, undefined, local), 'missing');
  });

  it('each mark has its own icon, its own words and a spoken label', () => {
    const looks = Object.values(MARK_LOOK);
    assert.equal(new Set(looks.map((l) => l.icon)).size, 3);
    assert.equal(new Set(looks.map((l) => l.text)).size, 3);
    assert.ok(looks.every((l) => l.spoken.length > 0));
    assert.match(MARK_LOOK.inWorkspace.text, /✓ in workspace/);
    assert.match(MARK_LOOK.updateAvailable.text, /↻ update available/);
    assert.doesNotMatch(MARK_LOOK.missing.text, /✓|↻/);
  });
});
