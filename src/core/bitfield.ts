// A piece bitfield as BEP 3 lays it out: bit 7 of byte 0 is piece 0; spare bits are zero.
export class Bitfield {
  readonly buffer: Buffer;
  private setCount = 0;

  constructor(readonly length: number, from?: Buffer) {
    const bytes = Math.ceil(length / 8);
    if (from) {
      if (from.length !== bytes) throw new RangeError(`bitfield of ${from.length} bytes for ${length} pieces (expected ${bytes})`);
      this.buffer = Buffer.from(from);
      for (let i = 0; i < length; i++) if (this.has(i)) this.setCount++;
    } else {
      this.buffer = Buffer.alloc(bytes);
    }
  }

  /** True when `buf` is exactly the right size for `length` pieces with spare bits clear. */
  static isValid(buf: Buffer, length: number): boolean {
    if (buf.length !== Math.ceil(length / 8)) return false;
    const spare = buf.length * 8 - length;
    return spare === 0 || (buf[buf.length - 1] & ((1 << spare) - 1)) === 0;
  }

  has(i: number): boolean {
    return (this.buffer[i >> 3] & (0x80 >> (i & 7))) !== 0;
  }

  set(i: number): boolean {
    if (i < 0 || i >= this.length) throw new RangeError(`piece ${i} out of range 0..${this.length - 1}`);
    if (this.has(i)) return false;
    this.buffer[i >> 3] |= 0x80 >> (i & 7);
    this.setCount++;
    return true;
  }

  get count(): number {
    return this.setCount;
  }

  get complete(): boolean {
    return this.setCount === this.length;
  }

  setAll(): void {
    for (let i = 0; i < this.length; i++) this.set(i);
  }
}
