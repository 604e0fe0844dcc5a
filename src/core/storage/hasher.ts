// SHA-1 off the main thread. On a 2-core machine hashing on the event loop costs ~0.7 CPU-s/GiB
// and delays every socket; a worker lets libuv and the kernel use the other core meanwhile.
// A small file is read and hashed in the worker whole (hashFile): one message instead of five
// file-system promises on the main thread, which for a folder of 10,000 files is most of its cost.
import { Worker } from 'node:worker_threads';

// Inline so it works unchanged when bundled by esbuild and when run from .ts under tsx.
const WORKER_CODE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
function sha1(m) {
  const view = new Uint8Array(m.ab, m.off || 0, m.len);
  const digest = createHash('sha1').update(view).digest();
  // A fresh 20-byte ArrayBuffer: cloning a pooled Buffer would copy its whole pool.
  const d = new Uint8Array(20);
  d.set(digest);
  const r = { id: m.id, digest: d.buffer };
  // verified, then written here: one message each way per piece, no trip through the thread pool
  if (m.expect && (r.written = digest.equals(m.expect))) {
    try {
      for (let off = 0; off < m.len; ) off += fs.writeSync(m.fd, view, off, m.len - off, m.position + off);
    } catch (e) {
      r.error = { message: e.message, code: e.code };
    }
  }
  if (m.giveBack) r.ab = m.ab;
  parentPort.postMessage(r, m.giveBack ? [d.buffer, m.ab] : [d.buffer]);
}
// Blocking calls, in the worker only: the file is read whole, its pieces hashed, looked at again.
function hashFile(m, transfer) {
  let fd;
  try {
    fd = fs.openSync(m.path, 'r');
    const st = fs.fstatSync(fd);
    const base = { id: m.id, file: st.isFile(), size: st.size, mtimeMs: st.mtimeMs };
    if (!st.isFile() || st.size === 0 || st.size > m.maxBytes) return base;
    const buf = Buffer.allocUnsafe(st.size);
    let read = 0;
    for (let n = 1; read < st.size && n > 0; read += n) n = fs.readSync(fd, buf, read, st.size - read, read);
    const count = Math.ceil(read / m.pieceLength);
    const hashes = new Uint8Array(count * 20);
    for (let i = 0; i < count; i++) {
      hashes.set(createHash('sha1').update(buf.subarray(i * m.pieceLength, Math.min(read, (i + 1) * m.pieceLength))).digest(), i * 20);
    }
    const after = fs.fstatSync(fd);
    transfer.push(hashes.buffer);
    return { ...base, read, hashes: hashes.buffer, afterSize: after.size, afterMtimeMs: after.mtimeMs };
  } catch (e) {
    return { id: m.id, error: { message: e.message, code: e.code } };
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
parentPort.on('message', (m) => {
  if (!m.files) return sha1(m);
  const transfer = [];
  parentPort.postMessage({ replies: m.files.map((f) => hashFile(f, transfer)) }, transfer);
});
`;

export interface Sha1Result {
  digest: Buffer;
  /** with a `write` request: the digest matched and the bytes are in the file */
  written?: boolean;
  /** The bytes that were hashed, usable again: the caller's Buffer, or a new view over it after a transfer. */
  buf: Buffer;
}

/** A file read and hashed by the worker, or only looked at (not a file, empty, or larger than asked). */
export interface HashedSmallFile {
  /** a regular file */
  file: boolean;
  size: number;
  mtimeMs: number;
  /** HASH_SIZE bytes per piece; undefined when the file was not read */
  hashes?: Buffer;
  /** bytes read: less than `size` when the file shrank meanwhile */
  read?: number;
  /** size and mtime once read: different when it was written to meanwhile */
  afterSize?: number;
  afterMtimeMs?: number;
}

/** a hashFile request waiting for the batch it goes out in */
interface FileRequest {
  path: string;
  pieceLength: number;
  maxBytes: number;
  resolve: (reply: Reply) => void;
  reject: (e: Error) => void;
}

interface Reply {
  id: number;
  /** a batch of hashFile replies */
  replies?: Reply[];
  digest?: ArrayBuffer;
  written?: boolean;
  ab?: ArrayBuffer;
  hashes?: ArrayBuffer;
  error?: { message: string; code?: string };
}

interface Job {
  resolve: (reply: Reply) => void;
  reject: (e: Error) => void;
}

interface Lane {
  worker: Worker;
  jobs: Map<number, Job>;
}

export interface HasherOptions {
  /** worker threads in the pool; 1 leaves a core for sockets and disk, 2 for a bulk recheck */
  workers?: number;
}

export class Hasher {
  readonly size: number;
  private readonly lanes: (Lane | undefined)[];
  private nextId = 1;
  private closed = false;
  private files: FileRequest[] = [];

  constructor(opts: HasherOptions = {}) {
    this.size = Math.max(1, Math.min(opts.workers ?? 1, 8));
    this.lanes = new Array<Lane | undefined>(this.size).fill(undefined);
  }

  /** Hashes waiting for or running in a worker. */
  get pending(): number {
    let n = 0;
    for (const lane of this.lanes) n += lane?.jobs.size ?? 0;
    return n;
  }

  /**
   * SHA-1 of `buf`. A Buffer over a SharedArrayBuffer (PieceBuffers') is read by the worker in place
   * and stays usable; it must not change until the promise settles. When `buf` owns its whole ArrayBuffer (e.g. Buffer.allocUnsafeSlow, or
   * Buffer.alloc of ≥ 4 KiB) the memory is moved to the worker and back without copying, which
   * leaves `buf` itself detached (length 0): use the returned `buf` from then on. Any other
   * Buffer (a pooled or sliced one) is copied and stays untouched; `result.buf` is then `buf`.
   * With `write`, the worker also writes the bytes at `position` of the open file `fd` if, and only
   * if, their SHA-1 is `expect` (`written`); a failed write rejects. `fd` must stay open until then.
   */
  async sha1(buf: Buffer, write?: { expect: Buffer; fd: number; position: number }): Promise<Sha1Result> {
    // the expected hash in its own 20 bytes: a view of the torrent's hashes would be cloned whole
    const w = write && { expect: Uint8Array.from(write.expect), fd: write.fd, position: write.position };
    // taken now: a transferred `buf` reads as length 0 afterwards
    const length = buf.length;
    // shared memory is only lent (no copy, no transfer, no new ArrayBuffer per round trip);
    // memory the Buffer owns whole is moved there and back; anything else is copied
    const shared = buf.buffer instanceof SharedArrayBuffer;
    const transfer = !shared && buf.byteOffset === 0 && buf.byteLength === buf.buffer.byteLength;
    let ab = buf.buffer;
    if (!shared && !transfer) {
      ab = new ArrayBuffer(length);
      new Uint8Array(ab).set(buf);
    }
    const message = { ab, off: shared ? buf.byteOffset : 0, len: length, giveBack: transfer, ...w };
    const m = await this.post(message, shared ? [] : [ab as ArrayBuffer]);
    if (m.error) throw Object.assign(new Error(m.error.message), { code: m.error.code });
    return { digest: Buffer.from(m.digest!), written: m.written, buf: transfer && m.ab ? Buffer.from(m.ab, 0, length) : buf };
  }

  /**
   * Reads the file at `path` in the worker and hashes its pieces of `pieceLength` bytes, if it is a
   * regular file of 1 to `maxBytes` bytes (it is read whole); otherwise only its size and mtime come
   * back. Errors (a missing file: code ENOENT) reject with their code.
   */
  async hashFile(path: string, pieceLength: number, maxBytes: number): Promise<HashedSmallFile> {
    if (this.closed) throw new Error('hasher is closed');
    const m = (await new Promise<Reply>((resolve, reject) => {
      // the requests of one turn of the event loop go in one message: a message costs more than a small file
      if (this.files.length === 0) setImmediate(() => this.sendFiles());
      this.files.push({ path, pieceLength, maxBytes, resolve, reject });
    })) as Reply & HashedSmallFile;
    if (m.error) throw Object.assign(new Error(m.error.message), { code: m.error.code });
    return { ...m, hashes: m.hashes ? Buffer.from(m.hashes) : undefined };
  }

  private sendFiles(): void {
    const batch = this.files.splice(0);
    if (batch.length === 0) return;
    if (this.closed) return batch.forEach((f) => f.reject(new Error('hasher is closed')));
    const lane = this.pickLane();
    if (lane.jobs.size === 0) lane.worker.ref();
    const files = batch.map(({ path, pieceLength, maxBytes, resolve, reject }) => {
      const id = this.nextId++;
      lane.jobs.set(id, { resolve, reject });
      return { id, path, pieceLength, maxBytes };
    });
    lane.worker.postMessage({ files });
  }

  private post(message: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<Reply> {
    if (this.closed) return Promise.reject(new Error('hasher is closed'));
    const lane = this.pickLane();
    const id = this.nextId++;
    return new Promise<Reply>((resolve, reject) => {
      if (lane.jobs.size === 0) lane.worker.ref(); // keep the process alive only while work is owed
      lane.jobs.set(id, { resolve, reject });
      lane.worker.postMessage({ ...message, id }, transfer);
    });
  }

  /** Terminates the workers; hashes still pending are rejected. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const stops: Promise<number>[] = [];
    for (let i = 0; i < this.lanes.length; i++) {
      const lane = this.lanes[i];
      if (!lane) continue;
      this.lanes[i] = undefined;
      this.failAll(lane, new Error('hasher closed while hashing'));
      stops.push(lane.worker.terminate());
    }
    await Promise.all(stops);
  }

  /** The least busy worker, started on first use so an idle Hasher costs nothing. */
  private pickLane(): Lane {
    let best: Lane | undefined;
    let empty = -1;
    for (let i = 0; i < this.lanes.length; i++) {
      const lane = this.lanes[i];
      if (!lane) {
        if (empty < 0) empty = i;
      } else if (!best || lane.jobs.size < best.jobs.size) {
        best = lane;
      }
    }
    if (best && (best.jobs.size === 0 || empty < 0)) return best;
    return (this.lanes[empty] = this.startLane(empty));
  }

  private startLane(slot: number): Lane {
    const worker = new Worker(WORKER_CODE, { eval: true });
    worker.unref(); // never keep a process alive while idle
    const lane: Lane = { worker, jobs: new Map() };
    worker.on('message', (m: Reply) => {
      for (const r of m.replies ?? [m]) {
        const job = lane.jobs.get(r.id);
        if (!job) continue;
        lane.jobs.delete(r.id);
        job.resolve(r);
      }
      if (lane.jobs.size === 0) worker.unref();
    });
    const fail = (err: Error) => {
      // A dead worker takes its jobs with it; the next sha1() starts a fresh one in this slot.
      if (this.lanes[slot] === lane) this.lanes[slot] = undefined;
      this.failAll(lane, err);
    };
    worker.on('error', (err) => fail(new Error(`hash worker failed: ${err.message}`)));
    worker.on('exit', (code) => fail(new Error(`hash worker exited with code ${code}`)));
    return lane;
  }

  private failAll(lane: Lane, err: Error): void {
    const jobs = [...lane.jobs.values()];
    lane.jobs.clear();
    for (const job of jobs) job.reject(err);
  }
}
