declare module 'bencode' {
  export function encode(data: unknown): Buffer;
  export function decode(data: Buffer | Uint8Array, start?: number, end?: number, encoding?: string): any;
  const bencode: { encode: typeof encode; decode: typeof decode };
  export default bencode;
}
