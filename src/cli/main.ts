// The `sta` executable (dist/cli.js): the command line in, an exit code out.
import { runSta } from './sta';

void runSta(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
  // forked by the extension: the IPC channel would keep the process alive
  if (process.connected) process.disconnect();
});
