// Files in tests: a temp dir that cleans up after itself, random content, SHA-256 of a file, what a folder holds.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh directory under the OS temp dir, and a function that removes it. */
export async function makeTempDir(prefix = 'sta-test-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await fsp.mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => fsp.rm(dir, { recursive: true, force: true }) };
}

/** Writes `size` random bytes to `path` (in 1 MiB slices). */
export async function writeRandomFile(path: string, size: number): Promise<void> {
  const fh = await fsp.open(path, 'w');
  try {
    for (let off = 0; off < size; off += 1 << 20) await fh.write(randomBytes(Math.min(1 << 20, size - off)));
  } finally {
    await fh.close();
  }
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(path)) h.update(c as Buffer);
  return h.digest('hex');
}

/** Every file and folder under `dir`, as sorted forward-slash relative paths. */
export async function listTree(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fsp.readdir(dir, { withFileTypes: true })) {
    out.push(e.name);
    if (e.isDirectory()) out.push(...(await listTree(join(dir, e.name))).map((n) => `${e.name}/${n}`));
  }
  return out.sort();
}

interface Stoppable {
  stop: () => Promise<void>;
}

/**
 * Mocha hooks for a suite whose tests each get a fresh temp folder (`dir`) and start processes in it:
 * those passed to `track` are stopped newest first (clients before trackers) after each test, then the
 * folder goes.
 */
export function scratchPerTest(prefix: string): { readonly dir: string; track: <T extends Stoppable>(p: T) => T } {
  let dir = '';
  let cleanup: (() => Promise<void>) | undefined;
  let procs: Stoppable[] = [];
  beforeEach(async () => {
    ({ dir, cleanup } = await makeTempDir(prefix));
    procs = [];
  });
  afterEach(async function () {
    this.timeout(60_000);
    for (const p of procs.reverse()) await p.stop().catch(() => undefined);
    procs = [];
    await cleanup?.();
    cleanup = undefined;
  });
  return {
    get dir() {
      return dir;
    },
    track: (p) => (procs.push(p), p),
  };
}
