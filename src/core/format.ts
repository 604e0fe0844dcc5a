// Human-readable sizes, rates and durations, for the CLI and the editor alike.
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

export const formatRate = (bytesPerSecond: number): string => `${formatBytes(bytesPerSecond)}/s`;

export function formatEta(s: number | undefined): string {
  if (s === undefined || !Number.isFinite(s)) return '--:--';
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = Math.floor(s % 60);
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}` : `${m}:${String(sec).padStart(2, '0')}`;
}

// C0/C1 controls, and the marks that reorder text (U+202E shows `exe.txt` as `txt.exe`)
// eslint-disable-next-line no-control-regex
const UNSAFE_CHARS = /[\u0000-\u001f\u007f-\u009f\u061c\u200b\u200e\u200f\u2028-\u202e\u2060-\u206f\ufeff]/g;

/** A name from the network as it may be shown: no control characters, no bidi or invisible marks (joiners stay: scripts need them). */
export function displayText(s: string): string {
  return s.replace(UNSAFE_CHARS, (c) => (/[\t\n\r\u2028\u2029]/.test(c) ? ' ' : ''));
}

/** `text` with every occurrence of each secret (team keys) replaced, for logs people paste into issues. */
export function redact(text: string, secrets: readonly string[]): string {
  return secrets.reduce((t, s) => (s ? t.split(s).join('<key>') : t), text);
}
