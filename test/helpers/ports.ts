// Waiting for a TCP port on loopback to be taken (a server is up) or released (it is gone).
import { connect, createServer } from 'node:net';
import { waitFor } from './wait';

/** Resolves once something accepts TCP connections on host:port. */
export function waitForPort(port: number, timeoutMs = 10_000, host = '127.0.0.1'): Promise<boolean> {
  const tryOnce = () =>
    new Promise<boolean>((r) => {
      const s = connect({ host, port });
      s.once('connect', () => (s.destroy(), r(true)));
      s.once('error', () => (s.destroy(), r(false)));
    });
  return waitFor(`port ${port}`, tryOnce, timeoutMs);
}

/** Resolves once nothing accepts TCP connections on host:port any more. */
export function waitForPortFree(port: number, timeoutMs = 10_000, host = '127.0.0.1'): Promise<boolean> {
  const tryOnce = () =>
    new Promise<boolean>((r) => {
      const srv = createServer();
      srv.once('error', () => r(false));
      srv.listen(port, host, () => srv.close(() => r(true)));
    });
  return waitFor(`port ${port} to be free`, tryOnce, timeoutMs, 200);
}
