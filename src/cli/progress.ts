// Terminal rendering of engine events: a one-line progress bar on a TTY, or one JSON
// object per line (--json) for scripts and benchmarks.
import { formatBytes, formatEta, type SessionProgress, type TorrentSession } from '../core/api';

export function progressLine(p: SessionProgress, width = 24): string {
  const frac = p.length > 0 ? p.verifiedBytes / p.length : 0;
  const filled = Math.round(frac * width);
  const bar = '#'.repeat(filled) + '.'.repeat(width - filled);
  const rates = `${formatBytes(p.downloadRate)}/s down  ${formatBytes(p.uploadRate)}/s up`;
  return `${p.name.slice(0, 28)} [${bar}] ${(frac * 100).toFixed(1).padStart(5)}%  ${rates}  ETA ${formatEta(p.eta)}  peers ${p.peers}  ${p.state}`;
}

export interface Reporter {
  event(type: string, data: Record<string, unknown>): void;
  progress(p: SessionProgress): void;
  done(): void;
}

export function makeReporter(json: boolean): Reporter {
  const tty = process.stderr.isTTY && !json;
  let last = 0;
  return {
    event(type, data) {
      if (json) console.log(JSON.stringify({ type, time: new Date().toISOString(), ...data }));
      else {
        if (tty) process.stderr.write('\r\x1b[K');
        const text = Object.entries(data)
          .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
          .join(' ');
        console.error(`${type}: ${text}`);
      }
    },
    progress(p) {
      const now = Date.now();
      if (json) {
        if (now - last < 1000 && p.state === 'downloading') return;
        console.log(JSON.stringify({ type: 'progress', time: new Date(now).toISOString(), ...p }));
      } else if (tty) {
        process.stderr.write(`\r\x1b[K${progressLine(p)}`);
      } else if (now - last >= 5000) {
        console.error(progressLine(p));
      } else return;
      last = now;
    },
    done() {
      if (tty) process.stderr.write('\n');
    },
  };
}

/**
 * Wires a session's events to a reporter, for the session's life. (No unsubscribe handle: one kept in the
 * closures' shared context would keep seven more functions alive per session, and `sta share` has thousands.)
 */
export function report(session: TorrentSession, r: Reporter): void {
  session.on('progress', (p) => r.progress(p));
  session.on('state', (state, reason) => r.event('state', { name: session.meta.name, infoHash: session.infoHashHex, state, ...(reason ? { reason } : {}) }));
  session.on('peerAdded', (address) => r.event('peer-added', { address }));
  session.on('peerRemoved', (address, reason) => r.event('peer-removed', { address, reason }));
  session.on('peerBanned', (address, reason) => r.event('peer-banned', { address, reason }));
  session.on('warning', (message) => r.event('warning', { message }));
  session.on('done', (path) => r.event('done', { name: session.meta.name, infoHash: session.infoHashHex, path }));
}

/**
 * Progress of checking data already on disk (a partial file, or the older copy an update reuses):
 * a `checking` event at most once a second with --json, every 5 s otherwise, and the last one.
 */
export function checkReporter(r: Reporter, name: string, json: boolean): (checkedBytes: number, total: number) => void {
  const everyMs = json ? 1000 : 5000;
  let last = Date.now();
  return (checkedBytes, total) => {
    const now = Date.now();
    if (now - last < everyMs && checkedBytes < total) return;
    last = now;
    r.event('checking', { name, checkedBytes, total });
  };
}
