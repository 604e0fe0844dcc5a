// Names and paths others will see: the downloader's rule, the path ending in the name, no control characters.
import assert from 'node:assert/strict';
import { HttpError } from '../../../../src/core/tracker/httpError';
import { catalogPathOf, checkName, printable } from '../../../../src/core/tracker/publishedNames';

const refused = (f: () => unknown) => assert.throws(f, (e: Error) => e instanceof HttpError && e.status === 400);

describe('published names and catalog paths', () => {
  it('catalogPathOf keeps relative paths ending in the name, reads \\ as /, and falls back to the name when none is given', () => {
    assert.equal(catalogPathOf('docs/a b/ü.txt', 'ü.txt'), 'docs/a b/ü.txt');
    assert.equal(catalogPathOf('docs\\win\\x.bin', 'x.bin'), 'docs/win/x.bin');
    assert.equal(catalogPathOf(undefined, 'x.bin'), 'x.bin');
    assert.equal(catalogPathOf('', 'x.bin'), 'x.bin');
    assert.equal(catalogPathOf(`${'d'.repeat(200)}/x.bin`, 'x.bin').length, 206);
  });

  it('catalogPathOf refuses unsafe parts, control characters, and a last part that is not the name', () => {
    const bad = ['/etc/x', 'C:/x', 'c:x', 'a//x', 'a/./x', '../x', 'a/../x', 'x/', 'nul\0/x', 'd\u202e/x', 'd\x85/x', 'd\x1b/x', 'y', 'd/y'];
    bad.push(`${'d/'.repeat(600)}x`);
    for (const raw of bad) refused(() => catalogPathOf(raw, 'x'));
  });

  it('checkName: one plain component, no C0, C1, DEL or bidi controls', () => {
    checkName('report 2024 (final).pdf');
    const bad = ['', '.', '..', 'a/b', 'a\\b', 'C:x', 'a\nb', 'a\x7fb', 'a\x9bb', 'evil\u202egnp.exe', 'a\u2066b', 'x'.repeat(256)];
    for (const n of bad) refused(() => checkName(n));
  });

  it('printable replaces control characters, keeps everything else', () => {
    assert.equal(printable('a\x1b[31mb\u202ec\x85d\ne ü'), 'a?[31mb?c?d?e ü');
  });
});
