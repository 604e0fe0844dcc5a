// What a session tells those who watch it: its progress (twice a second, but an idle seed
// stays quiet) and how each connected peer is doing. A seed that never had a peer has no
// swarm, downloader or uploader yet (TorrentSession makes them on demand): all zeros then.
import type { Metainfo } from '../metainfo';
import { bytesVerified } from '../pieces';
import type { PieceStore } from '../storage/pieceStore';
import type { ReadyConnection } from '../wire/peerConnection';
import type { Downloader } from './downloader';
import { clientName, PeerStats, SessionProgress, SessionState } from './sessionTypes';
import type { Uploader } from './uploader';

/** The parts of a session that move bytes. */
export interface ReportParts {
  peers: ReadonlySet<ReadyConnection>;
  downloader: Pick<Downloader, 'downloaded' | 'downloadRate' | 'rate'>;
  uploader: Pick<Uploader, 'uploaded' | 'uploadRate' | 'rate'>;
}

export interface ReportSources {
  meta: Metainfo;
  store: Pick<PieceStore, 'have' | 'complete' | 'reusedBytes'>;
  state: () => SessionState;
  /** undefined while the session has none (a seed nobody asked for yet) */
  parts: () => ReportParts | undefined;
}

export class SessionReport {
  private last?: SessionProgress;

  constructor(private readonly s: ReportSources) {}

  progress(): SessionProgress {
    const { meta, store } = this.s;
    const parts = this.s.parts();
    const verifiedBytes = bytesVerified(meta, store.have);
    const downloadRate = parts?.downloader.downloadRate() ?? 0;
    return {
      infoHash: meta.infoHashHex,
      name: meta.name,
      state: this.s.state(),
      length: meta.length,
      verifiedBytes,
      reusedBytes: store.reusedBytes,
      pieces: store.have.count,
      piecesTotal: meta.pieceCount,
      downloaded: parts?.downloader.downloaded ?? 0,
      uploaded: parts?.uploader.uploaded ?? 0,
      downloadRate,
      uploadRate: parts?.uploader.uploadRate() ?? 0,
      peers: parts?.peers.size ?? 0,
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
    const parts = this.s.parts();
    if (!parts) return [];
    return [...parts.peers].map((conn) => ({
      address: conn.address,
      client: clientName(conn.peerId),
      downloaded: conn.downloaded,
      uploaded: conn.uploaded,
      downloadRate: parts.downloader.rate(conn),
      uploadRate: parts.uploader.rate(conn),
      seeder: conn.have.complete,
    }));
  }
}
