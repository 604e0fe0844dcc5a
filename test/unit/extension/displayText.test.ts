// Names from a catalog or a .torrent as the views, notifications and logs show them.
import assert from 'node:assert/strict';
import { displayText, redact } from '../../../src/core/api';

describe('displayText', () => {
  it('drops the right-to-left override (U+202E) that makes invoice<RLO>fdp.exe read as invoiceexe.pdf', () => {
    assert.equal(displayText('invoice\u202Efdp.exe'), 'invoicefdp.exe');
  });

  it('drops every bidi embedding, isolate and mark, zero-width and BOM character', () => {
    const marks = '\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069\u200E\u200F\u061C\u200B\uFEFF';
    assert.equal(displayText(`a${marks}b`), 'ab');
  });

  it('turns line breaks and tabs into spaces and drops other control characters, C0 and C1', () => {
    assert.equal(displayText('line1\nline2\r\tend'), 'line1 line2  end');
    assert.equal(displayText('bell\u0007esc\u001b[31mred\u007fdel\u0085nel\u009bcsi'), 'bellesc[31mreddelnelcsi');
  });

  it('keeps ordinary text of every script as it is', () => {
    const joiners = ['family 👨\u200D👩\u200D👧.jpg', 'می\u200Cخواهم.txt'];
    const names = ['report 2026.pdf', 'Übersicht_ä.md', 'ملف.txt', '数据集.bin', 'emoji 🎉.png', ...joiners];
    for (const s of names) assert.equal(displayText(s), s);
  });
});

describe('redact', () => {
  it('replaces each secret wherever it appears, and ignores empty ones', () => {
    const key = '0123456789abcdef0123456789abcdef';
    assert.equal(redact(`published a to http://h:1/${key}/catalog (${key})`, [key, '']), 'published a to http://h:1/<key>/catalog (<key>)');
  });
});
