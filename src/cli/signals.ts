// Resolves on SIGINT, SIGTERM, or the parent (the extension) going away.
export function waitForSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (s: string) => () => resolve(s);
    process.once('SIGINT', on('SIGINT'));
    process.once('SIGTERM', on('SIGTERM'));
    if (process.send) process.once('disconnect', on('disconnect'));
  });
}
