// What a session tells those who watch it: its progress (twice a second, but an idle seed
// stays quiet) and how each connected peer is doing.
import type { Metainfo } from '../metainfo';
import { bytesVerified } from '../pieces';
import type { PieceStore } from '../storage/pieceStore';
import type { ReadyConnection } from '../wire/peerConnection';
import type { Downloader } from './downloader';
import { clientName, PeerStats, SessionProgress, SessionState } from './sessionTypes';
import type { Uploader } from './uploader';

export interface ReportSources {
  meta: Metainfo;
  store: Pick<PieceStore, 'have' | 'complete'>;
  state: () => SessionState;
  peers: ReadonlySet<ReadyConnection>;
  downloader: Pick<Downloader, 'downloaded' | 'downloadRate' | 'rate'>;
  uploader: Pick<Uploader, 'uploaded' | 'uploadRate' | 'rate'>;
}

export class SessionReport {
  private last?: SessionProgress;

  constructor(private readonly s: ReportSources) {}

  progress(): SessionProgress {
    const { meta, store, downloader, uploader } = this.s;
    const verifiedBytes = bytesVerified(meta, store.have);
    const downloadRate = downloader.downloadRate();
    return {
      infoHash: meta.infoHashHex,
      name: meta.name,
      state: this.s.state(),
      length: meta.length,
      verifiedBytes,
      pieces: store.have.count,
      piecesTotal: meta.pieceCount,
      downloaded: downloader.downloaded,
      uploaded: uploader.uploaded,
      downloadRate,
      uploadRate: uploader.uploadRate(),
      peers: this.s.peers.size,
      eta: store.complete ? 0 : downloadRate > 0 ? Math.ceil((meta.length - verifiedBytes) / downloadRate) : undefined,
    };
  }

  /** The progress to emit now; undefined when nothing moved since the last one, whose rates were already 0. */
  due(): SessionProgress | undefined {
    const p = this.progress();
    const last = this.last;
    const still = last && p.downloaded === last.downloaded && p.uploaded === last.uploaded && p.peers === last.peers && p.pieces === last.pieces;
    // a workspace may share thousands of files: their idle seeds must not chatter
    if (still && last.downloadRate === 0 && last.uploadRate === 0) return undefined;
    this.last = p;
    return p;
  }

  peerStats(): PeerStats[] {
    return [...this.s.peers].map((conn) => ({
      address: conn.address,
      client: clientName(conn.peerId),
      downloaded: conn.downloaded,
      uploaded: conn.uploaded,
      downloadRate: this.s.downloader.rate(conn),
      uploadRate: this.s.uploader.rate(conn),
      seeder: conn.have.complete,
    }));
  }
}
