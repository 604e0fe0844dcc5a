// Every contributed string can be translated (package.nls.json holds the English), and the English is what users
// and tests match on: command titles such as "STA: Start" are contracts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

const root = path.join(__dirname, '..', '..', '..');
const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const nls: Record<string, string> = JSON.parse(readFileSync(path.join(root, 'package.nls.json'), 'utf8'));

/** Every `%key%` string anywhere in `v`. */
function keysIn(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') {
    const m = /^%(.+)%$/.exec(v);
    if (m) out.push(m[1]);
  } else if (Array.isArray(v)) v.forEach((x) => keysIn(x, out));
  else if (v && typeof v === 'object') Object.values(v).forEach((x) => keysIn(x, out));
  return out;
}

const shown = (s: string) => s.replace(/^%(.+)%$/, (_, k: string) => nls[k]);

describe('package.nls.json', () => {
  it('has the text of every %key% package.json uses, and no text nothing uses', () => {
    const used = keysIn(manifest);
    assert.deepEqual(used.filter((k) => typeof nls[k] !== 'string'), [], 'keys without text');
    assert.deepEqual(Object.keys(nls).filter((k) => !used.includes(k)), [], 'texts without a key');
  });

  it('the palette titles stay what users and tests type', () => {
    const titles = new Map<string, string>(manifest.contributes.commands.map((c: any) => [c.command, `${shown(c.category)}: ${shown(c.title)}`]));
    for (const [id, title] of [
      ['sta.start', 'STA: Start'],
      ['sta.stop', 'STA: Stop'],
      ['sta.update', 'STA: Update'],
      ['sta.request', 'STA: Request'],
      ['sta.startLocalTracker', 'STA: Start Local Tracker'],
      ['sta.stopLocalTracker', 'STA: Stop Local Tracker'],
      ['sta.copyInvite', 'STA: Copy Invite'],
      ['sta.joinTeam', 'STA: Join Team'],
      ['sta.showLog', 'STA: Show Log'],
    ]) {
      assert.equal(titles.get(id), title);
    }
  });
});
