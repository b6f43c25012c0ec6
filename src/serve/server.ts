/**
 * `ccost serve`'s HTTP side on node:http: the page's files (a fixed list: no path is made from the
 * URL), the JSON API, the stream of responses and summaries (server-sent events), and /metrics.
 * Guarded against other sites and other hosts: the Host header must name this server (DNS
 * rebinding), no CORS headers are sent, a Content-Security-Policy keeps the page to its own files,
 * and off loopback every request needs the token (Bearer, or `?token=` once, exchanged for a cookie).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { ApiError, breakdown, efficiencyQuery, parseQuery, series, session, sessions, summary } from './query.js';
import type { ServeFollower } from './follower.js';
import type { Metrics } from './metrics.js';
import type { AlertRules } from '../live/alerts.js';
import type { CostMode } from '../usage/types.js';
import type { TailEvent } from '../live/tail-feed.js';
import { isGuardDoc } from '../live/guard.js';
import { defaultGuardPath } from '../live/guard-state.js';
import { peekStateFile } from '../live/state-file.js';

/** The page's files: URL path → file and type. Nothing else is served from disk. */
export interface StaticFile {
  path: string;
  type: string;
}

export interface ServeOptions {
  port: number;
  bind: string;
  /** Required off loopback. */
  token: string | null;
  zone: string;
  mode: CostMode;
  rules: AlertRules | null;
  files: ReadonlyMap<string, StaticFile>;
  /** The stream's record of one response (the `ccost tail --json` object). */
  record: (t: TailEvent) => Record<string, unknown>;
  /** Server-sent-event clients at once. */
  maxStreams: number;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
export const isLoopback = (bind: string) => LOOPBACK.has(bind) || bind.startsWith('127.');
const COOKIE = 'ccost_token';
const SESSION_PATH = '/api/v1/sessions/';
const SECURITY_HEADERS = {
  'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

const digest = (s: string) => createHash('sha256').update(s).digest();

export class ServeServer {
  private readonly server: Server;
  private readonly streams = new Set<ServerResponse>();
  private readonly pages = new Map<string, Buffer>();
  private lastSummary = 0;
  private summaryTimer: NodeJS.Timeout | null = null;
  private readonly pings: NodeJS.Timeout;
  private readonly tokenDigest: Buffer | null;

  constructor(
    /** Replaced when its ledger fails (replaceFollower). */
    private follower: ServeFollower,
    private readonly metrics: Metrics,
    private readonly opts: ServeOptions,
  ) {
    this.tokenDigest = opts.token === null ? null : digest(opts.token);
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => this.fail(res, err));
    });
    this.pings = setInterval(() => this.send('ping', null, ''), 15_000);
  }

  listen(): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.port, this.opts.bind, () => resolve(this.server.address() as AddressInfo));
    });
  }

  close(): Promise<void> {
    clearInterval(this.pings);
    if (this.summaryTimer) clearTimeout(this.summaryTimer);
    for (const s of this.streams) s.end();
    return new Promise((done) => this.server.close(() => done()));
  }

  /**
   * Stream event ids are ledger generations plus this: after a switch to a temporary ledger (whose
   * generations start again from 1) ids go on growing, so a client coming back is never taken to be
   * ahead of the server.
   */
  private idBase = 0;
  private lastGeneration = 0;

  /** Follows on with another follower (on a temporary ledger, after a ledger fault). */
  replaceFollower(follower: ServeFollower): void {
    // The last generation any client may have seen as an id: published, or the one a stream began at.
    let seen = this.lastGeneration;
    try {
      seen = Math.max(seen, this.follower.state().generation);
    } catch {
      // the failed follower never started: no id was given out from it
    }
    this.idBase += seen;
    this.lastGeneration = 0;
    this.follower = follower;
  }

  /** After a round: its responses to every stream, and a summary at most once a second. */
  published(events: readonly TailEvent[], generation: number): void {
    this.lastGeneration = generation;
    for (const t of events) this.send('usage', this.idBase + generation, JSON.stringify(this.opts.record(t)));
    if (events.length === 0 || this.streams.size === 0 || this.summaryTimer) return;
    const wait = Math.max(0, this.lastSummary + 1000 - Date.now());
    this.summaryTimer = setTimeout(() => {
      this.summaryTimer = null;
      this.lastSummary = Date.now();
      try {
        this.send('summary', this.idBase + this.follower.state().generation, JSON.stringify(this.summaryOf(new URLSearchParams())));
      } catch {
        // a summary that cannot be made now comes with the next change
      }
    }, wait);
  }

  private send(event: string, id: number | null, data: string): void {
    const text = event === 'ping' ? ': ping\n\n' : `${id !== null ? `id: ${id}\n` : ''}event: ${event}\ndata: ${data}\n\n`;
    for (const s of this.streams) s.write(text);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    if (!this.hostAllowed(req.headers.host)) throw new ApiError(403, 'bad_host', 'this server answers only to its own address (the Host header names another)');
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new ApiError(405, 'bad_method', 'only GET');
    const raw = req.url ?? '/';
    // The path as sent: anything that could name another place is refused before any decoding. A
    // session's id is the one part taken from a path (it names no file: it is compared with the rows'
    // session ids), so it may be percent-encoded (ids of transcripts without one are their paths).
    const path = raw.split('?')[0]!;
    const sessionAt = path.startsWith(SESSION_PATH) ? SESSION_PATH.length : path.length;
    if (/%|\\|\.\.|\0/.test(path.slice(0, sessionAt)) || /\0/.test(path) || !path.startsWith('/')) throw new ApiError(400, 'bad_path', 'this path is not served');
    const url = new URL(raw, 'http://localhost');
    if (this.tokenDigest && !this.authorized(req, url, res)) return;
    if (path === '/metrics') return this.reply(res, 200, 'text/plain; version=0.0.4; charset=utf-8', await this.metrics.text());
    if (path.startsWith('/api/v1/')) return this.api(path.slice('/api/v1/'.length), url.searchParams, req, res);
    const file = this.opts.files.get(path);
    if (!file) throw new ApiError(404, 'not_found', 'no such page');
    let body = this.pages.get(path);
    if (!body) this.pages.set(path, (body = readFileSync(file.path)));
    return this.reply(res, 200, file.type, body);
  }

  /**
   * Answers made since the rows last changed, by request (the page asks the same questions each time
   * it redraws). A summary also depends on the clock (today, the block's projection): it is kept for
   * at most a second.
   */
  private answers: { view: unknown; byUrl: Map<string, string>; summaries: Map<string, { text: string; at: number }> } = { view: null, byUrl: new Map(), summaries: new Map() };

  private api(endpoint: string, params: URLSearchParams, req: IncomingMessage, res: ServerResponse): void {
    const rows = () => this.follower.rows();
    const { view } = this.follower.state();
    if (this.answers.view !== view) this.answers = { view, byUrl: new Map(), summaries: new Map() };
    const key = `${endpoint}?${params}`;
    const json = (v: unknown) => {
      const text = JSON.stringify(v);
      if (endpoint !== 'summary' && this.answers.byUrl.size < 256) this.answers.byUrl.set(key, text);
      this.reply(res, 200, 'application/json; charset=utf-8', text);
    };
    const kept = this.answers.byUrl.get(key);
    if (kept !== undefined) return this.reply(res, 200, 'application/json; charset=utf-8', kept);
    switch (endpoint) {
      case 'summary': {
        const now = Date.now();
        const made = this.answers.summaries.get(key);
        if (made && now - made.at < 1000 && now >= made.at) return this.reply(res, 200, 'application/json; charset=utf-8', made.text);
        const text = JSON.stringify(this.summaryOf(params, now));
        if (this.answers.summaries.size < 256) this.answers.summaries.set(key, { text, at: now });
        return this.reply(res, 200, 'application/json; charset=utf-8', text);
      }
      case 'breakdown':
        return json(breakdown(rows(), parseQuery(params, ['by'], this.opts.zone)));
      case 'series':
        return json(series(rows(), parseQuery(params, ['by', 'bucket', 'top'], this.opts.zone)));
      case 'sessions':
        return json(sessions(rows(), parseQuery(params, ['order', 'limit'], this.opts.zone)));
      case 'efficiency': {
        const { by, keep, all } = efficiencyQuery(parseQuery(params, ['by'], this.opts.zone));
        return json(all ? this.follower.efficiencyOfAll(by) : this.follower.efficiency(by, keep));
      }
      case 'stream':
        return this.stream(req, res);
    }
    if (endpoint.startsWith('sessions/')) {
      let id: string;
      try {
        id = decodeURIComponent(endpoint.slice('sessions/'.length));
      } catch {
        throw new ApiError(400, 'bad_session', 'the session id is not percent-encoded properly');
      }
      const one = session(rows(), parseQuery(params, [], this.opts.zone), id);
      if (!one) throw new ApiError(404, 'no_session', `no session "${id}" in this selection`);
      return json({ ...one, largestResponses: this.follower.largest(id, 10).map((t) => this.opts.record(t)) });
    }
    throw new ApiError(404, 'not_found', `no endpoint "${endpoint}"`);
  }

  private summaryOf(params: URLSearchParams, now = Date.now()): Record<string, unknown> {
    const { view, totals, generation } = this.follower.state();
    return summary(parseQuery(params, [], this.opts.zone), {
      rows: this.follower.rows(),
      totals,
      zone: this.opts.zone,
      rules: this.opts.rules,
      guard: this.opts.rules ? peekStateFile(defaultGuardPath(), isGuardDoc) : null,
      mode: this.opts.mode,
      warnings: view.warnings,
      ledgerSeq: generation,
      now,
    });
  }

  /**
   * Server-sent events: `usage` (each response, its id the ledger generation it came in, counted on across a switch of ledgers), `summary`,
   * pings. A client that comes back with Last-Event-ID gets what the ledger gained since then.
   */
  private stream(req: IncomingMessage, res: ServerResponse): void {
    if (this.streams.size >= this.opts.maxStreams) throw new ApiError(503, 'too_many_streams', `at most ${this.opts.maxStreams} streams at once`);
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', Connection: 'keep-alive' });
    res.write(': ccost\n\n');
    // An id from before a switch of ledgers cannot be resumed from (the ledger it counts in failed):
    // such a client goes on from the switch.
    const last = Number(req.headers['last-event-id']) - this.idBase;
    const { generation } = this.follower.state();
    if (Number.isInteger(last) && last >= 0 && last < generation) {
      for (const t of this.follower.since(last)) res.write(`id: ${this.idBase + generation}\nevent: usage\ndata: ${JSON.stringify(this.opts.record(t))}\n\n`);
    }
    this.streams.add(res);
    req.on('close', () => this.streams.delete(res));
  }

  private reply(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
    res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  }

  private fail(res: ServerResponse, err: unknown): void {
    const e = err instanceof ApiError ? err : new ApiError(500, 'internal', (err as Error).message ?? String(err));
    if (e.status === 500) process.stderr.write(`ccost serve: ${e.message}\n`);
    if (res.headersSent) {
      res.end();
      return;
    }
    this.reply(res, e.status, 'application/json; charset=utf-8', JSON.stringify({ error: { code: e.code, message: e.message } }));
  }

  private hostAllowed(host: string | undefined): boolean {
    if (!host) return false;
    const port = (this.server.address() as AddressInfo | null)?.port ?? this.opts.port;
    const names = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
    if (!isLoopback(this.opts.bind)) names.add(this.opts.bind.includes(':') ? `[${this.opts.bind}]:${port}` : `${this.opts.bind}:${port}`);
    return names.has(host.toLowerCase());
  }

  /** Bearer token, cookie, or `?token=` (answered with the cookie and a redirect to the same URL without it). */
  private authorized(req: IncomingMessage, url: URL, res: ServerResponse): boolean {
    const given = (s: string | null | undefined) => s !== null && s !== undefined && timingSafeEqual(digest(s), this.tokenDigest!);
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const cookie = (req.headers.cookie ?? '').split(';').map((c) => c.trim().split('=')).find(([k]) => k === COOKIE)?.[1];
    if (given(bearer) || given(cookie ? decodeURIComponent(cookie) : null)) return true;
    const query = url.searchParams.get('token');
    if (given(query)) {
      url.searchParams.delete('token');
      res.writeHead(303, { 'Set-Cookie': `${COOKIE}=${encodeURIComponent(query!)}; HttpOnly; SameSite=Strict; Path=/`, Location: url.pathname + url.search });
      res.end();
      return false;
    }
    throw new ApiError(401, 'unauthorized', 'this server needs its token: "Authorization: Bearer TOKEN", or open the page once with ?token=TOKEN');
  }
}
