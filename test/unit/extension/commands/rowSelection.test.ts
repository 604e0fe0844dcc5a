// Pause, Resume and Cancel on several selected Transfers rows: which rows a command acts on.
import assert from 'node:assert/strict';
import { rowsToActOn } from '../../../../src/extension/commands/rowSelection';

interface Row {
  id: string;
}
const isRow = (x: unknown): x is Row => !!x && typeof x === 'object' && 'id' in x;
const act = (clicked: Row | undefined, selection?: unknown[]) => rowsToActOn(clicked, selection, isRow, (r) => r.id).map((r) => r.id);

describe('rowsToActOn', () => {
  const [a, b, c] = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];

  it('acts on the whole selection when the clicked row is in it', () => {
    assert.deepEqual(act(b, [a, b, c]), ['a', 'b', 'c']);
  });

  it('acts on the clicked row alone when it is outside the selection (its inline button)', () => {
    assert.deepEqual(act(c, [a, b]), ['c']);
  });

  it('acts on the clicked row when there is no selection, on the selection when nothing was clicked', () => {
    assert.deepEqual(act(a), ['a']);
    assert.deepEqual(act(undefined, [b, c]), ['b', 'c']);
    assert.deepEqual(act(undefined), []);
  });

  it('each row once; what is not a row is ignored', () => {
    assert.deepEqual(act(a, [a, { id: 'a' }, 'x', undefined, b]), ['a', 'b']);
  });
});
