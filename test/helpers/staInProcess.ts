// `sta ARGV...` run in the test's own process (no build needed), its console output captured.
import { runSta } from '../../src/cli/sta';

export interface StaRun {
  code: number;
  out: string;
  err: string;
}

/** Runs `sta ARGV...` to its end with console.log and console.error captured. */
export async function staInProcess(...argv: string[]): Promise<StaRun> {
  const out: string[] = [];
  const err: string[] = [];
  const { log, error } = console;
  console.log = (...a: unknown[]) => void out.push(a.join(' '));
  console.error = (...a: unknown[]) => void err.push(a.join(' '));
  try {
    const code = await runSta(argv);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    console.log = log;
    console.error = error;
  }
}
