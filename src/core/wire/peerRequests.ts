// The blocks a peer asked of us that wait to be served, in the order asked: a cancel takes one
// back, our choke discards them all (BEP 3), and a peer may not queue without bound.
import { BLOCK_SIZE, type BlockRequest } from '../pieces';
import { ProtocolError } from './frameParser';

/** A request or cancel message's payload. A request (not a cancel) of 0 or over 16 KiB bytes, or beyond the last piece, is a ProtocolError. */
export function readRequest(p: Buffer, pieceCount: number, cancel: boolean): BlockRequest {
  const req = { index: p.readUInt32BE(0), begin: p.readUInt32BE(4), length: p.readUInt32BE(8) };
  if (cancel) return req;
  if (req.length === 0 || req.length > BLOCK_SIZE) throw new ProtocolError(`request of ${req.length} bytes (at most ${BLOCK_SIZE})`);
  if (req.index >= pieceCount) throw new ProtocolError(`request for piece ${req.index} of ${pieceCount}`);
  return req;
}

/** a peer queueing more than this is flooding us */
const MAX_QUEUED = 2000;

export class PeerRequests {
  private readonly queue: BlockRequest[] = [];

  get size(): number {
    return this.queue.length;
  }

  add(req: BlockRequest): void {
    if (this.queue.length >= MAX_QUEUED) throw new ProtocolError('too many outstanding requests');
    this.queue.push(req);
  }

  cancel(req: BlockRequest): void {
    const at = this.queue.findIndex((r) => r.index === req.index && r.begin === req.begin && r.length === req.length);
    if (at >= 0) this.queue.splice(at, 1);
  }

  /** The oldest request, taken off the queue. */
  next(): BlockRequest | undefined {
    return this.queue.shift();
  }

  clear(): void {
    this.queue.length = 0;
  }
}
