// What a screen reader says for a row or the status bar: words, not symbols ("45 percent, 2.0 MB per second,
// 3 peers" rather than "45.0% · 2.0 MiB/s · 3 peers"), and never an absolute path or a 40-character hash.
// Callers pass `vscode.l10n` (English by default: unit tests).
import { displayText, formatBytes, type SessionProgress } from '../core/api';
import { englishL10n, type L10n } from './plainL10n';

/** "2.0 MB" for 2 MiB: a screen reader says "megabytes"; "MiB" it spells out. */
export function spokenSize(bytes: number, l10n: L10n = englishL10n): string {
  const [n, unit] = formatBytes(bytes).split(' ');
  switch (unit) {
    case 'B':
      return l10n.t('{0} bytes', n);
    case 'KiB':
      return l10n.t('{0} KB', n);
    case 'MiB':
      return l10n.t('{0} MB', n);
    case 'GiB':
      return l10n.t('{0} GB', n);
    default:
      return l10n.t('{0} TB', n);
  }
}

export const spokenRate = (bytesPerSecond: number, l10n: L10n = englishL10n): string => l10n.t('{0} per second', spokenSize(bytesPerSecond, l10n));

export const spokenPeers = (n: number, l10n: L10n = englishL10n): string => (n === 1 ? l10n.t('1 peer') : l10n.t('{0} peers', n));

export const spokenFiles = (n: number, l10n: L10n = englishL10n): string => (n === 1 ? l10n.t('1 file') : l10n.t('{0} files', n));

export const spokenDownloads = (n: number, l10n: L10n = englishL10n): string => (n === 1 ? l10n.t('1 download') : l10n.t('{0} downloads', n));

export const spokenPercent = (have: number, total: number, l10n: L10n = englishL10n): string =>
  l10n.t('{0} percent', total > 0 ? Math.floor((100 * have) / total) : 0);

/** "1 minute 15 seconds left" (a screen reader reads "1:15" as a time of day). */
export function spokenEta(eta: number | undefined, l10n: L10n = englishL10n): string | undefined {
  if (eta === undefined || !Number.isFinite(eta)) return undefined;
  const s = Math.max(0, Math.round(eta));
  const [h, m, sec] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  const parts = [
    h > 0 ? (h === 1 ? l10n.t('1 hour') : l10n.t('{0} hours', h)) : '',
    m > 0 ? (m === 1 ? l10n.t('1 minute') : l10n.t('{0} minutes', m)) : '',
    sec > 0 ? (sec === 1 ? l10n.t('1 second') : l10n.t('{0} seconds', sec)) : '',
  ].filter(Boolean);
  return parts.length ? l10n.t('{0} left', parts.slice(0, 2).join(' ')) : l10n.t('less than a second left');
}

/** A Transfers row: "report.bin, 45 percent, 2.0 MB per second, 3 peers". */
export function spokenTransfer(
  t: { name: string; kind: 'download' | 'upload'; progress: SessionProgress; error?: string },
  l10n: L10n = englishL10n,
): string {
  const p = t.progress;
  const name = displayText(t.name);
  const pct = spokenPercent(p.verifiedBytes, p.length, l10n);
  const peers = spokenPeers(p.peers, l10n);
  switch (p.state) {
    case 'downloading':
      return [name, pct, spokenRate(p.downloadRate, l10n), spokenEta(p.eta, l10n), peers].filter(Boolean).join(', ');
    case 'seeding': {
      const seeding = l10n.t('seeding, {0} up, {1} sent, {2}', spokenRate(p.uploadRate, l10n), spokenSize(p.uploaded, l10n), peers);
      return t.kind === 'download' ? l10n.t('{0}, downloaded, {1}', name, seeding) : `${name}, ${seeding}`;
    }
    case 'failed':
      return l10n.t('{0}, failed: {1}', name, displayText(t.error ?? l10n.t('unknown error')));
    case 'checking':
      return l10n.t('{0}, {1}, checking', name, pct);
    case 'paused':
      return l10n.t('{0}, {1}, paused', name, pct);
    default:
      return l10n.t('{0}, {1}, stopped', name, pct);
  }
}
