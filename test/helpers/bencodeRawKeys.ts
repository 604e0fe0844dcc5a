// Decoding bencoded tracker replies in tests without losing the bytes of binary dict keys.
/**
 * A small bencode decoder for tests that keeps dict keys byte-exact (latin1 strings):
 * `bencode@2` turns keys into UTF-8 strings, which mangles a scrape's raw info-hash keys.
 * Strings come back as Buffers, dicts as null-prototype objects. Input must be valid.
 */
export function bdecodeRawKeys(buf: Buffer): any {
  let pos = 0;
  const str = (): Buffer => {
    const colon = buf.indexOf(0x3a, pos);
    const len = Number(buf.toString('latin1', pos, colon));
    pos = colon + 1 + len;
    return buf.subarray(colon + 1, pos);
  };
  const value = (): any => {
    const c = buf[pos];
    if (c === 0x69) {
      const end = buf.indexOf(0x65, pos);
      const n = Number(buf.toString('latin1', pos + 1, end));
      pos = end + 1;
      return n;
    }
    if (c === 0x6c) {
      pos++;
      const list: any[] = [];
      while (buf[pos] !== 0x65) list.push(value());
      pos++;
      return list;
    }
    if (c === 0x64) {
      pos++;
      const dict: Record<string, any> = Object.create(null);
      while (buf[pos] !== 0x65) {
        const k = str().toString('latin1');
        dict[k] = value();
      }
      pos++;
      return dict;
    }
    return str();
  };
  const v = value();
  if (pos !== buf.length) throw new Error('trailing bytes');
  return v;
}
