// The `sta` executable (dist/cli.js): the command line in, an exit code out.
import { runSta } from './sta';

/** A command that has returned has closed what it opened; anything still open after this is a leak, not a reason to hang. */
const EXIT_GRACE_MS = 3000;

void runSta(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
  // forked by the extension: the IPC channel would keep the process alive
  if (process.connected) process.disconnect();
  // unref'd: fires only if something left open keeps the process alive past its end
  setTimeout(() => {
    if (process.env.STA_DEBUG) console.error(`sta: exiting with ${code}; still open: ${process.getActiveResourcesInfo().join(', ')}`);
    process.exit(code);
  }, EXIT_GRACE_MS).unref();
});
