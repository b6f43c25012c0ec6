// ccost serve's page: reads the JSON API (/api/v1/...), draws, and follows the stream. The
// selection (filters, grouping, bucket) lives in the URL, so a view can be shared or reloaded.
'use strict';

const FILTERS = ['agent', 'team', 'project', 'model', 'host', 'since', 'until', 'tz'];
/** The session shown in detail (a drill-down of its own: not a filter of the other answers). */
const SESSION = 'session';
const $ = (id) => document.getElementById(id);
const usd = (n) => (n > 0 && n < 0.995 ? `$${n.toFixed(4)}` : `$${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`);
const int = (n) => Math.round(n).toLocaleString('en-US');

function selection() {
  const u = new URL(location.href);
  const filters = new URLSearchParams();
  for (const k of FILTERS) if (u.searchParams.get(k)) filters.set(k, u.searchParams.get(k));
  return { filters, by: u.searchParams.get('by') || 'agent', bucket: u.searchParams.get('bucket') || 'day' };
}

function go(change) {
  const u = new URL(location.href);
  for (const [k, v] of Object.entries(change)) {
    if (v === null) u.searchParams.delete(k);
    else u.searchParams.set(k, v);
  }
  history.pushState(null, '', u);
  refresh();
}

async function api(path, extra) {
  const q = new URLSearchParams(selection().filters);
  for (const [k, v] of Object.entries(extra || {})) q.set(k, v);
  const r = await fetch(`/api/v1/${path}?${q}`, { credentials: 'same-origin' });
  const body = await r.json();
  if (!r.ok) throw new Error(body.error ? body.error.message : `${r.status}`);
  return body;
}

function put(id, value, text) {
  const el = $(id);
  el.dataset.value = String(value);
  el.textContent = text;
}

function cell(tr, text, cls) {
  const td = document.createElement('td');
  td.textContent = text;
  if (cls) td.className = cls;
  tr.appendChild(td);
  return td;
}

function fill(tableId, rows, make) {
  const body = $(tableId).querySelector('tbody');
  body.replaceChildren(...rows.map((r) => {
    const tr = document.createElement('tr');
    make(tr, r);
    return tr;
  }));
}

function link(tr, text, change) {
  const td = document.createElement('td');
  const a = document.createElement('a');
  a.href = '#';
  a.textContent = text;
  a.addEventListener('click', (e) => {
    e.preventDefault();
    go(change);
  });
  td.appendChild(a);
  tr.appendChild(td);
}

function renderScope() {
  const nav = $('scope');
  const { filters } = selection();
  const parts = [];
  const session = new URL(location.href).searchParams.get(SESSION);
  if (session) filters.set(SESSION, session);
  for (const [k, v] of filters) {
    const a = document.createElement('a');
    a.href = '#';
    a.textContent = `${k}: ${v} ×`;
    a.dataset.filter = k;
    a.addEventListener('click', (e) => {
      e.preventDefault();
      go({ [k]: null });
    });
    parts.push(a);
  }
  nav.replaceChildren(...(parts.length ? parts : [document.createTextNode('everything')]));
}

let plot = null;
/** Seconds from one bucket to the next (a month: at most 31 days). */
const STEP = { hour: 3600, day: 86_400, week: 7 * 86_400, month: 31 * 86_400 };

/**
 * The API lists only buckets that hold usage; joined as they are, a line would run across an idle
 * stretch as if money were spent all along. Where buckets are missing, zeros are drawn just after
 * the last and just before the next.
 */
function withIdle(xs, cols, step) {
  const out = [[], ...cols.map(() => [])];
  const put = (x, values) => {
    out[0].push(x);
    values.forEach((v, k) => out[k + 1].push(v));
  };
  xs.forEach((x, i) => {
    const before = xs[i - 1];
    if (i > 0 && x - before > step * 1.5) {
      put(before + step, cols.map(() => 0));
      if (x - step > before + step) put(x - step, cols.map(() => 0));
    }
    put(x, cols.map((c) => c[i]));
  });
  return out;
}

function renderChart(s) {
  const el = $('chart');
  const xs = s.t.map((t) => Date.parse(t.length === 7 ? `${t}-01` : t) / 1000);
  const cols = s.series.map((x) => x.values);
  const series = [{}, ...s.series.map((x, i) => ({ label: x.key, stroke: `hsl(${(i * 47) % 360} 60% 45%)`, width: 2, value: (u, v) => (v == null ? '' : usd(v)) }))];
  if (s.other.some((v) => v > 0)) {
    cols.push(s.other);
    series.push({ label: 'other', stroke: '#999', width: 1, value: (u, v) => (v == null ? '' : usd(v)) });
  }
  const data = withIdle(xs, cols, STEP[s.bucket]);
  if (plot) plot.destroy();
  el.replaceChildren();
  el.dataset.points = String(xs.length);
  el.dataset.idle = String(data[0].length - xs.length);
  if (xs.length === 0 || typeof uPlot === 'undefined') return;
  plot = new uPlot({ width: Math.max(300, el.clientWidth || 800), height: 300, series, axes: [{}, { size: 80, values: (u, v) => v.map((n) => usd(n)) }], scales: { x: { time: true } } }, data, el);
}

/**
 * Hours span at most 31 days and days 2 years (the API refuses more): with no start chosen, the
 * chart asks for the last 31 days or 2 years.
 */
const SPAN_DAYS = { hour: 30, day: 730 };
function seriesQuery(by, bucket) {
  const q = { by, bucket };
  if (SPAN_DAYS[bucket] && !selection().filters.get('since')) q.since = new Date(Date.now() - SPAN_DAYS[bucket] * 86_400_000).toISOString().slice(0, 10);
  return q;
}

/** How many times the page was drawn (tests wait for the next one). */
let drawn = 0;

/** The latest refresh: one that a newer one overtook draws nothing (a click while answers were coming). */
let latest = 0;

async function refresh() {
  const mine = ++latest;
  const { by, bucket } = selection();
  $('by').value = by;
  $('bucket').value = bucket;
  renderScope();
  try {
    const [sum, ser, brk, types, ses] = await Promise.all([
      api('summary'),
      api('series', seriesQuery(by, bucket)),
      api('breakdown', { by }),
      api('breakdown', { by: 'type' }),
      api('sessions', { order: 'cost', limit: '20' }),
    ]);
    if (mine !== latest) return;
    put('today', sum.today.totalCost, usd(sum.today.totalCost));
    $('today-tokens').textContent = `${int(sum.today.totalTokens)} tokens`;
    put('month', sum.month.totalCost, usd(sum.month.totalCost));
    $('month-tokens').textContent = `${int(sum.month.totalTokens)} tokens`;
    put('burn', sum.burnRate.costPerHour, `${usd(sum.burnRate.costPerHour)}/h`);
    $('burn-tokens').textContent = `${int(sum.burnRate.tokensPerMinute)} tokens/min`;
    const b = sum.activeBlock;
    put('block', b ? b.totals.totalCost : 0, b ? usd(b.totals.totalCost) : 'none');
    $('block-projection').textContent = b && b.projection ? `→ ${usd(b.projection.totalCost)} by ${new Date(b.end).toLocaleTimeString()}` : '';
    $('budgets-section').hidden = sum.budgets.length === 0;
    fill('budgets', sum.budgets, (tr, x) => {
      cell(tr, x.rule);
      cell(tr, usd(x.spent), 'num').dataset.value = String(x.spent);
      cell(tr, usd(x.limit), 'num');
      cell(tr, x.state, `state-${x.state}`);
      cell(tr, x.held.length ? `${x.action}: ${x.held.map((i) => `ccbox-${i}`).join(', ')}` : x.action);
    });
    renderChart(ser);
    fill('breakdown', brk.rows, (tr, x) => {
      link(tr, x.key, { [by]: x.key });
      cell(tr, usd(x.totalCost), 'num').dataset.value = String(x.totalCost);
      cell(tr, int(x.totalTokens), 'num');
      cell(tr, int(x.sessions), 'num');
      cell(tr, x.lastActivity.slice(0, 16).replace('T', ' '));
    });
    fill('types', types.rows, (tr, x) => {
      cell(tr, x.key);
      cell(tr, int(x.tokens), 'num').dataset.value = String(x.tokens);
    });
    fill('sessions', ses.sessions, (tr, x) => {
      link(tr, x.sessionId.slice(0, 12), { [SESSION]: x.sessionId });
      link(tr, x.agent, { agent: x.agent });
      link(tr, x.project, { project: x.project });
      cell(tr, usd(x.totalCost), 'num').dataset.value = String(x.totalCost);
      cell(tr, int(x.totalTokens), 'num');
      cell(tr, x.lastActivity.slice(0, 16).replace('T', ' '));
    });
    await renderSession();
    document.body.dataset.seq = String(sum.ledgerSeq);
    $('error').hidden = true;
  } catch (err) {
    if (mine !== latest) return;
    $('error').hidden = false;
    $('error').textContent = String(err.message || err);
  }
  // The page's own clock of its first draw (from navigation start), for the bench and any other tool.
  if (!document.body.dataset.ready) performance.mark('ccost-ready');
  document.body.dataset.ready = '1';
  document.body.dataset.drawn = String(++drawn);
  findings();
}

async function renderSession() {
  const id = new URL(location.href).searchParams.get(SESSION);
  $('session-section').hidden = !id;
  if (!id) return;
  const s = await api(`sessions/${encodeURIComponent(id)}`);
  $('session-id').textContent = id;
  put('session-about', s.totalCost, `${usd(s.totalCost)}, ${int(s.totalTokens)} tokens; ${s.agent}, ${s.project}; ${s.firstActivity.slice(0, 16).replace('T', ' ')} to ${s.lastActivity.slice(0, 16).replace('T', ' ')}`);
  fill('session-models', s.byModel, (tr, x) => {
    cell(tr, x.model);
    cell(tr, usd(x.totalCost), 'num').dataset.value = String(x.totalCost);
    cell(tr, int(x.totalTokens), 'num');
  });
  fill('session-largest', s.largestResponses, (tr, x) => {
    cell(tr, x.timestamp.slice(0, 19).replace('T', ' '));
    cell(tr, x.model || '');
    cell(tr, usd(x.cost), 'num').dataset.value = String(x.cost);
    cell(tr, int(x.totalTokens), 'num');
  });
}

/**
 * The efficiency findings (what `ccost efficiency` finds, with the dollars at stake), grouped as the
 * page is where that report can be. Read after the rest is drawn, and again only when the selection
 * changes or a minute has passed: the server reads every counted response for them (about 0.3 s at
 * 1 GiB of transcripts), which is not worth doing for every line an agent writes.
 */
const NO_FINDINGS = 'Nothing worth a cent found: cache writes, requests above 200k tokens and Opus spent on short answers all look fine.';
let findingsOf = { key: '', at: 0 };
async function findings() {
  const { by, filters } = selection();
  const group = ['agent', 'team', 'model', 'project'].includes(by) ? by : 'agent';
  const key = `${group}?${filters}`;
  if (key === findingsOf.key && Date.now() - findingsOf.at < 60_000) return;
  findingsOf = { key, at: Date.now() };
  const none = $('findings-none');
  try {
    const eff = await api('efficiency', { by: group });
    $('findings-by').textContent = group;
    none.textContent = NO_FINDINGS;
    none.hidden = eff.findings.length > 0;
    fill('findings', eff.findings, (tr, x) => {
      cell(tr, x.message);
      cell(tr, usd(x.dollars), 'num').dataset.value = String(x.dollars);
    });
  } catch (err) {
    none.hidden = false;
    none.textContent = `findings not available: ${err.message || err}`;
  }
  document.body.dataset.findings = '1';
}

let pending = null;
let lastRefresh = 0;
/** After a write: a redraw soon, but at most two a second however fast agents write. */
function soon() {
  if (pending) return;
  const wait = Math.max(150, lastRefresh + 500 - Date.now());
  pending = setTimeout(() => {
    pending = null;
    lastRefresh = Date.now();
    refresh();
  }, wait);
}

function follow() {
  const es = new EventSource('/api/v1/stream');
  es.addEventListener('open', () => ($('live').textContent = 'live'));
  es.addEventListener('usage', soon);
  es.addEventListener('summary', soon);
  es.addEventListener('error', () => ($('live').textContent = 'reconnecting…'));
}

$('by').addEventListener('change', (e) => go({ by: e.target.value }));
$('bucket').addEventListener('change', (e) => go({ bucket: e.target.value }));
window.addEventListener('popstate', refresh);
refresh();
follow();
