// The tracker probe before STA starts, and how catalog errors are told apart, against real HTTP answers.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isWithoutCatalog, needsTeamKey, probeTracker } from '../../../src/extension/model/trackerProbe';
import { fetchCatalog, TrackerError } from '../../../src/core/api';

/** A tracker that answers every request with `status` and `body`. */
async function trackerAnswering(status: number, body: string): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => res.writeHead(status, { 'Content-Type': 'application/json' }).end(body));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/announce`, server };
}

describe('trackerProbe', () => {
  const servers: Server[] = [];
  const tracker = async (status: number, body: string) => {
    const t = await trackerAnswering(status, body);
    servers.push(t.server);
    return t.url;
  };
  after(() => servers.forEach((s) => s.close()));

  it('finds STA\'s catalog on an STA tracker', async () => {
    assert.deepEqual(await probeTracker(await tracker(200, '{"files":[]}')), { hasCatalog: true });
  });

  it('takes a tracker that answers 404 (or anything unexpected) as one without a catalog', async () => {
    assert.deepEqual(await probeTracker(await tracker(404, 'not found')), { hasCatalog: false });
    assert.deepEqual(await probeTracker(await tracker(500, 'oops')), { hasCatalog: false });
    assert.deepEqual(await probeTracker(await tracker(200, 'not json')), { hasCatalog: false });
  });

  it('rejects when the tracker wants a team key (HTTP 403), so Start can say so instead of "no catalog"', async () => {
    const url = await tracker(403, '{"error":"this tracker needs its team key"}');
    await assert.rejects(probeTracker(url), (e: unknown) => needsTeamKey(e));
  });

  it('rejects when nobody listens at the tracker URL', async () => {
    const url = await tracker(200, '{"files":[]}');
    await new Promise((r) => servers.pop()!.close(r));
    await assert.rejects(probeTracker(url), (e: unknown) => e instanceof TrackerError && e.kind === 'unreachable');
  });

  it('tells a missing catalog (HTTP 404) from other catalog errors', async () => {
    const errorOf = (url: string) => fetchCatalog(url).then(() => assert.fail('no error'), (e: unknown) => e);
    assert.equal(isWithoutCatalog(await errorOf(await tracker(404, ''))), true);
    assert.equal(isWithoutCatalog(await errorOf(await tracker(503, ''))), false);
    assert.equal(isWithoutCatalog(await errorOf(await tracker(200, '[]'))), false);
  });
});
