// SHA-1 off the main thread. On a 2-core machine hashing on the event loop costs ~0.7 CPU-s/GiB
// and delays every socket; a worker lets libuv and the kernel use the other core meanwhile.
import { Worker } from 'node:worker_threads';

// Inline so it works unchanged when bundled by esbuild and when run from .ts under tsx.
const WORKER_CODE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
parentPort.on('message', (m) => {
  const digest = createHash('sha1').update(new Uint8Array(m.ab, 0, m.len)).digest();
  // A fresh 20-byte ArrayBuffer: cloning a pooled Buffer would copy its whole pool.
  const d = new Uint8Array(20);
  d.set(digest);
  if (m.giveBack) parentPort.postMessage({ id: m.id, digest: d.buffer, ab: m.ab }, [d.buffer, m.ab]);
  else parentPort.postMessage({ id: m.id, digest: d.buffer }, [d.buffer]);
});
`;

export interface Sha1Result {
  digest: Buffer;
  /** The bytes that were hashed, usable again: the caller's Buffer, or a new view over it after a transfer. */
  buf: Buffer;
}

interface Job {
  resolve: (r: Sha1Result) => void;
  reject: (e: Error) => void;
  /** set when the caller's memory went to the worker and comes back in the reply */
  transferred: boolean;
  original: Buffer;
  /** taken at submit time: a transferred `original` reads as length 0 afterwards */
  length: number;
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
   * SHA-1 of `buf`. When `buf` owns its whole ArrayBuffer (e.g. Buffer.allocUnsafeSlow, or
   * Buffer.alloc of ≥ 4 KiB) the memory is moved to the worker and back without copying, which
   * leaves `buf` itself detached (length 0): use the returned `buf` from then on. Any other
   * Buffer (a pooled or sliced one) is copied and stays untouched; `result.buf` is then `buf`.
   */
  sha1(buf: Buffer): Promise<Sha1Result> {
    if (this.closed) return Promise.reject(new Error('hasher is closed'));
    const lane = this.pickLane();
    const id = this.nextId++;
    const transfer = buf.buffer instanceof ArrayBuffer && buf.byteOffset === 0 && buf.byteLength === buf.buffer.byteLength;
    let ab: ArrayBuffer;
    if (transfer) {
      ab = buf.buffer as ArrayBuffer;
    } else {
      ab = new ArrayBuffer(buf.length);
      new Uint8Array(ab).set(buf);
    }
    return new Promise<Sha1Result>((resolve, reject) => {
      if (lane.jobs.size === 0) lane.worker.ref(); // keep the process alive only while work is owed
      lane.jobs.set(id, { resolve, reject, transferred: transfer, original: buf, length: buf.length });
      lane.worker.postMessage({ id, ab, len: buf.length, giveBack: transfer }, [ab]);
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
    worker.on('message', (m: { id: number; digest: ArrayBuffer; ab?: ArrayBuffer }) => {
      const job = lane.jobs.get(m.id);
      if (!job) return;
      lane.jobs.delete(m.id);
      if (lane.jobs.size === 0) worker.unref();
      const buf = job.transferred && m.ab ? Buffer.from(m.ab, 0, job.length) : job.original;
      job.resolve({ digest: Buffer.from(m.digest), buf });
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
