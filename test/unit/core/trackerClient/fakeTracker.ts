// A stand-in HTTP tracker on 127.0.0.1 for the client's tests: records each request and
// answers what the test says.
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';

export interface FakeTracker {
  url: string;
  /** the query of every request so far, each value percent-decoded to latin1 text (bytes as they came) */
  requests: Record<string, string>[];
  /** every request so far as `METHOD /path content-type` */
  lines: string[];
  /** the body of every request so far */
  bodies: Buffer[];
  /** how to answer each request: a status (200 unless given) and a body */
  answer: (req: IncomingMessage) => { status?: number; body: Buffer | string };
  close: () => Promise<void>;
}

export async function fakeTracker(answer: FakeTracker['answer']): Promise<FakeTracker> {
  const fake: FakeTracker = { url: '', requests: [], lines: [], bodies: [], answer, close: async () => undefined };
  const server: Server = createServer((req, res) => {
    const [path, query = ''] = (req.url ?? '').split('?');
    fake.lines.push(`${req.method} ${path} ${req.headers['content-type'] ?? ''}`.trim());
    fake.requests.push(Object.fromEntries(query.split('&').map((part) => part.split('=').map(latin1) as [string, string])));
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      fake.bodies.push(Buffer.concat(chunks));
      const { status = 200, body } = fake.answer(req);
      res.writeHead(status, { 'Content-Type': 'text/plain' });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/announce`;
  fake.close = () => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
  return fake;
}

const latin1 = (s: string) => s.replace(/%([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));

/** A URL on 127.0.0.1 where nothing listens (connections are refused at once). */
export async function deadUrl(): Promise<string> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return `http://127.0.0.1:${port}/announce`;
}
