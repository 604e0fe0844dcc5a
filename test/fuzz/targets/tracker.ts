// tracker: mutated raw HTTP requests over raw sockets to the live `sta tracker`: request lines,
// binary query strings, numwant/port/event/compact, scrape with many info_hash, catalog paths,
// headers, methods, pipelining, partial requests. No 5xx, no garbage answers, no stalls.
import { connect } from 'node:net';
import { Ctx, note, pool, Target } from '../core';
import { Env, HOST, sleep } from '../live';
import { bparse } from '../mutate';
import { INTERESTING_NUMBERS, mutateBytes } from '../mutate';
import { Rng } from '../rng';

const pct = (b: Buffer) => [...b].map((c) => '%' + c.toString(16).padStart(2, '0')).join('');

function hashParam(rng: Rng, env: Env): string {
  switch (rng.weighted([60, 8, 6, 5, 5, 4, 4, 4, 4])) {
    case 0:
      return pct(rng.chance(0.2) ? env.infoHash : rng.bytes(20));
    case 1:
      return pct(rng.bytes(rng.pick([0, 1, 19, 21, 40])));
    case 2: // printable bytes left unescaped, as some clients do
      return rng.bytes(20).toString('hex').slice(0, 20).replace(/[0-9]/g, 'a');
    case 3:
      return rng.bytes(20).toString('hex');
    case 4:
      return rng.pick(['%zz', '%', '%2', '%%', '%u1234', '%00'.repeat(20), '+'.repeat(20)]);
    case 5: // raw bytes, unescaped (may contain spaces, CR, LF)
      return rng.bytes(20).toString('latin1');
    case 6:
      return pct(rng.bytes(20)).replace(/%/g, '%25');
    case 7:
      return '';
    default:
      return pct(rng.bytes(20)).toUpperCase();
  }
}

function num(rng: Rng): string {
  return rng.chance(0.6) ? String(rng.int(100000)) : rng.pick(INTERESTING_NUMBERS);
}

function announceQuery(rng: Rng, env: Env): string {
  const params: [string, string][] = [
    ['info_hash', hashParam(rng, env)],
    ['peer_id', hashParam(rng, env)],
    ['port', rng.chance(0.7) ? String(rng.range(1, 65535)) : num(rng)],
    ['uploaded', num(rng)],
    ['downloaded', num(rng)],
    ['left', num(rng)],
  ];
  if (rng.chance(0.8)) params.push(['compact', rng.pick(['1', '0', '2', '', 'yes', '-1'])]);
  if (rng.chance(0.6)) params.push(['event', rng.pick(['started', 'completed', 'stopped', '', 'empty', 'paused', 'STARTED', 'started\0'])]);
  if (rng.chance(0.5)) params.push(['numwant', num(rng)]);
  if (rng.chance(0.3)) params.push(['key', rng.bytes(4).toString('hex')]);
  if (rng.chance(0.2)) params.push(['ip', rng.pick(['127.0.0.1', '::1', '0.0.0.0', '256.1.1.1', 'localhost', '', '1.2.3.4.5', '[::1]'])]);
  if (rng.chance(0.1)) params.push(['no_peer_id', '1']);
  if (rng.chance(0.1)) params.push(['trackerid', rng.bytes(8).toString('hex')]);
  // drop, duplicate, shuffle
  if (rng.chance(0.15)) params.splice(rng.int(params.length), 1);
  if (rng.chance(0.15)) params.push([rng.pick(params)[0], hashParam(rng, env)]);
  if (rng.chance(0.2)) params.reverse();
  const sep = rng.chance(0.95) ? '&' : rng.pick(['&&', ';', '&=&']);
  return params.map(([k, v]) => (rng.chance(0.98) ? `${k}=${v}` : k)).join(sep);
}

function scrapeQuery(rng: Rng, env: Env): string {
  const n = rng.pick([0, 1, 1, 2, 5, 63, 64, 65, 200, 1000]);
  const parts: string[] = [];
  for (let k = 0; k < n; k++) parts.push(`info_hash=${rng.chance(0.9) ? pct(rng.chance(0.1) ? env.infoHash : rng.bytes(20)) : hashParam(rng, env)}`);
  return parts.join('&');
}

interface Req {
  bytes: Buffer;
  route: string;
  /** framing a server may legitimately wait on or refuse silently (odd version, body headers…) */
  odd: boolean;
}

function genRequest(rng: Rng, env: Env, last: boolean): Req {
  const method = rng.chance(0.78) ? 'GET' : rng.pick(['POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'CONNECT', 'TRACE', 'get', 'G ET', 'PATCH', 'BREW', '']);
  let route = rng.pick(['/announce', '/announce', '/announce', '/scrape', '/scrape', '/catalog', '/catalog/x', '/', '/other']);
  let target: string;
  if (route === '/announce') target = `/announce?${announceQuery(rng, env)}`;
  else if (route === '/scrape') target = `/scrape?${scrapeQuery(rng, env)}`;
  else if (route === '/catalog') target = rng.chance(0.5) ? '/catalog' : `/catalog?path=${rng.pick(['a.bin', '../x', '%00', 'x'.repeat(2000), ''])}`;
  else if (route === '/catalog/x') {
    const hex = rng.chance(0.5) ? env.infoHash.toString('hex') : rng.bytes(20).toString('hex');
    target = `/catalog/${rng.chance(0.3) ? hex.toUpperCase() : hex}${rng.pick(['', '.torrent', '.torrent.torrent', '/', '%00', '?x=1'])}`;
  } else {
    target = rng.pick([
      '/',
      '//announce',
      '/announce/../catalog',
      '/ANNOUNCE',
      '/announce%3Fx',
      '*',
      'http://127.0.0.1/announce?info_hash=1',
      '/' + 'a'.repeat(rng.pick([100, 9000, 20000])),
      '/scrape?',
      '/announce#frag',
    ]);
  }
  if (rng.chance(0.02)) target += '&pad=' + 'x'.repeat(rng.pick([8000, 8200, 17000]));
  const version = rng.chance(0.9) ? 'HTTP/1.1' : rng.pick(['HTTP/1.0', 'HTTP/2.0', 'HTTP/1.2', 'HTTP/0.9', '', 'http/1.1', 'HTTP/1.1 x', 'HTTP/11']);
  const headers: string[] = [];
  if (rng.chance(0.92)) headers.push(`Host: ${HOST}:${env.trackerPort}`);
  if (rng.chance(0.05)) headers.push(`Host: other`);
  headers.push(...(last ? ['Connection: close'] : rng.chance(0.5) ? ['Connection: keep-alive'] : []));
  if (rng.chance(0.2)) headers.push(`User-Agent: ${rng.pick(['fuzz/1', 'x'.repeat(rng.pick([10, 1000, 17000]))])}`);
  let odd = !['HTTP/1.1', 'HTTP/1.0'].includes(version);
  if (rng.chance(0.05)) {
    odd = true;
    headers.push(
      rng.pick([
        'Connection: upgrade',
        'Upgrade: websocket',
        'Expect: 100-continue',
        'Transfer-Encoding: chunked',
        'Content-Length: -1',
        'Content-Length: 1',
        'Content-Length: 0',
        'Content-Length: 0\r\nContent-Length: 5',
        ' folded',
        'NoColonHeader',
        'X-Nul: a\0b',
        'Accept-Encoding: gzip',
      ]),
    );
  }
  if (rng.chance(0.02)) for (let k = 0; k < rng.pick([50, 200, 2001]); k++) headers.push(`X-H${k}: ${k}`);
  let body: Buffer = Buffer.alloc(0);
  if (method !== 'GET') odd = true;
  if (method === 'POST' && rng.chance(0.7)) {
    body = rng.chance(0.5) ? env.torrent : rng.bytes(rng.range(0, 300));
    if (rng.chance(0.1)) headers.push('Transfer-Encoding: chunked');
    else headers.push(`Content-Length: ${rng.chance(0.9) ? body.length : rng.pick(['0', '-5', '99999999', String(body.length + 1), 'abc'])}`);
    if (headers.includes('Transfer-Encoding: chunked')) {
      body = Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')]);
    }
  }
  const eol = rng.chance(0.97) ? '\r\n' : '\n';
  if (eol !== '\r\n') odd = true;
  const head = `${method} ${target}${version ? ' ' + version : ''}${eol}${headers.map((h) => h + eol).join('')}${eol}`;
  return { bytes: Buffer.concat([Buffer.from(head, 'latin1'), body]), route: route === '/announce' || route === '/scrape' ? route : 'other', odd };
}

interface Answer {
  status: number;
  body: Buffer;
}

/** Splits what came back into HTTP responses; `error` when it is not HTTP. */
function parseResponses(buf: Buffer): { answers: Answer[]; error?: string } {
  const answers: Answer[] = [];
  let at = 0;
  while (at < buf.length) {
    const end = buf.indexOf('\r\n\r\n', at);
    if (end < 0) return { answers, error: answers.length ? undefined : 'an incomplete response head' };
    const head = buf.toString('latin1', at, end);
    const m = /^HTTP\/1\.[01] (\d{3}) /.exec(head);
    if (!m) return { answers, error: `not an HTTP response: ${JSON.stringify(head.slice(0, 80))}` };
    const cl = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    const chunked = /\r\ntransfer-encoding:\s*chunked/i.test(head);
    let bodyEnd: number;
    // an answer to HEAD (or a 1xx) has no body even with a Content-Length: the next answer follows
    if (buf.subarray(end + 4, end + 11).toString('latin1') === 'HTTP/1.' || /^HTTP\/1\.[01] 1/.test(head)) bodyEnd = end + 4;
    else if (cl) bodyEnd = end + 4 + Number(cl[1]);
    else if (chunked) {
      const z = buf.indexOf('\r\n0\r\n\r\n', end);
      bodyEnd = z < 0 ? buf.length : z + 7;
    } else bodyEnd = buf.length;
    answers.push({ status: Number(m[1]), body: buf.subarray(end + 4, Math.min(bodyEnd, buf.length)) });
    at = bodyEnd;
  }
  return { answers };
}

export const trackerTarget: Target = {
  name: 'tracker',
  runBatch: (ctx: Ctx, from, to) =>
    pool(ctx, from, to, 6, async (i) => {
      const env = ctx.env();
      const rng = new Rng(ctx.seed, 'tracker', i);
      const n = rng.chance(0.75) ? 1 : rng.range(2, 6);
      const reqs = Array.from({ length: n }, (_, k) => genRequest(rng, env, k === n - 1));
      let bytes: Buffer = Buffer.concat(reqs.map((r) => r.bytes));
      const mutated = rng.chance(0.25);
      if (mutated) bytes = mutateBytes(bytes, rng, reqs.map((r) => r.bytes), 3);
      const partial = rng.chance(0.08);
      const cut = partial ? rng.int(bytes.length) : bytes.length;
      const split = rng.chance(0.15);
      // a plain single request (no byte mutation, not partial) must be answered promptly
      const plain = !mutated && !partial && n === 1 && !reqs[0].odd;
      ctx.stats.connections++;
      const got: Buffer[] = [];
      const outcome = await new Promise<'closed' | 'quiet' | 'timeout'>((resolve) => {
        const sock = connect({ host: HOST, port: env.trackerPort });
        let settled = false;
        const done = (r: 'closed' | 'quiet' | 'timeout') => {
          if (settled) return;
          settled = true;
          clearTimeout(hard);
          clearTimeout(quiet);
          sock.destroy();
          resolve(r);
        };
        const hard = setTimeout(() => done(plain ? 'timeout' : 'quiet'), plain ? 5000 : 400);
        let quiet: NodeJS.Timeout | undefined;
        sock.on('error', () => {});
        sock.on('close', () => done('closed'));
        sock.on('data', (c: Buffer) => {
          got.push(c);
          if (!plain) {
            clearTimeout(quiet);
            quiet = setTimeout(() => done('quiet'), 60);
          }
        });
        sock.on('connect', async () => {
          const data = bytes.subarray(0, cut);
          if (split && data.length > 1) {
            const k = rng.range(1, data.length - 1);
            sock.write(data.subarray(0, k));
            await sleep(rng.range(0, 30));
            if (!settled) sock.write(data.subarray(k));
          } else sock.write(data);
          if (partial && rng.chance(0.3)) sock.end(); // half-close after a partial request
        });
      });
      note(ctx, `socket ${outcome}`);
      const all = Buffer.concat(got);
      const { answers, error } = parseResponses(all);
      for (const a of answers) note(ctx, `HTTP ${a.status}`);
      if (outcome === 'timeout' && answers.length === 0) {
        const message = `no answer to a plain request within 5 s: ${JSON.stringify(bytes.subarray(0, 160).toString('latin1'))}`;
        return ctx.report({ kind: 'hang', message, from: i, count: 1, index: i });
      }
      const detail = () =>
        `request:  ${JSON.stringify(bytes.subarray(0, 600).toString('latin1'))}\n` +
        `response: ${JSON.stringify(all.subarray(0, 1500).toString('latin1'))}`;
      if (error && all.length > 0) {
        return ctx.report({ kind: 'protocol', message: `tracker answered ${error}`, from: i, count: 1, index: i, detail: detail(), input: bytes });
      }
      const bad = answers.find((a) => a.status >= 500 && !(a.status === 507 && /full/.test(a.body.toString())));
      if (bad) {
        const message =
          `tracker answered HTTP ${bad.status}: ${bad.body.toString('latin1').slice(0, 300)}` +
          ` to ${JSON.stringify(bytes.subarray(0, 200).toString('latin1'))}`;
        return ctx.report({ kind: 'http-5xx', message, from: i, count: 1, index: i, input: bytes });
      }
      if (plain && answers.length === 0 && !env.tracker.exited) {
        const message = `tracker closed without answering a plain request: ${JSON.stringify(bytes.subarray(0, 160).toString('latin1'))}`;
        return ctx.report({ kind: 'protocol', message, from: i, count: 1, index: i });
      }
      if (
        plain &&
        answers.length > 0 &&
        reqs[0].route !== 'other' &&
        answers[0].status < 300 &&
        /^GET \/(announce|scrape)\?/.test(reqs[0].bytes.toString('latin1', 0, 20))
      ) {
        const b = bparse(answers[0].body);
        if (!b || b.t !== 'd') {
          const message =
            `${reqs[0].route} answered ${answers[0].status} with a body that is not a bencoded dict: ` +
            JSON.stringify(answers[0].body.toString('latin1').slice(0, 120));
          return ctx.report({ kind: 'protocol', message, from: i, count: 1, index: i });
        }
      }
    }),
};
