/**
 * ccost watch: a live view that redraws when session files change. Alternate screen, no flicker
 * (each frame overwrites the last in place), redraws on resize, q or Ctrl-C restores the terminal.
 */
import { Command } from 'commander';
import { PendingChanges } from '../../sessions/folder-watch.js';
import { coalesce } from '../../live/coalesce.js';
import { snapshot } from '../../live/snapshot.js';
import { renderSnapshot } from '../../live/render-snapshot.js';
import { Calendar } from '../../usage/time.js';
import { addSourceOptions, dirsOf, followFolders, LiveUsage, positiveNumber, timeZoneOf, type SourceOptions } from '../common.js';

interface WatchOptions extends SourceOptions {
  once?: boolean;
  dailyBudget?: number;
  monthlyBudget?: number;
}

const ESC = '\x1b[';

export function watchCommand(program: Command): void {
  const cmd = program
    .command('watch')
    .description('live view of today\'s spend, burn rate, the active block, agents and models; updates as agents write')
    .option('--once', 'print one snapshot and exit (for scripts)')
    .option('--daily-budget <usd>', 'show spend against this daily budget', positiveNumber)
    .option('--monthly-budget <usd>', 'show spend against this monthly budget', positiveNumber);
  addSourceOptions(cmd).action(runWatch);
}

/** The lines to show; null when nothing changed and `force` is not set (a poll that found no write). */
async function frame(opts: WatchOptions, source: LiveUsage, pending: PendingChanges, calendar: Calendar, live: boolean, force = true): Promise<string[] | null> {
  const { walk, paths } = pending.take();
  const { totals, changed } = await source.round(walk, paths);
  if (!changed && !force) return null;
  const s = snapshot(totals, calendar, opts.now ?? Date.now(), { daily: opts.dailyBudget, monthly: opts.monthlyBudget });
  const tty = Boolean(process.stdout.isTTY);
  return renderSnapshot(s, {
    width: tty ? process.stdout.columns || 80 : 80,
    height: live && tty ? process.stdout.rows || 24 : 1000,
    color: tty && !process.env.NO_COLOR,
    timeZone: calendar.timeZone,
    live,
  });
}

async function runWatch(opts: WatchOptions): Promise<void> {
  const calendar = new Calendar(timeZoneOf(opts));
  const source = new LiveUsage(opts, calendar, !opts.once && Boolean(process.stdout.isTTY));
  // Each round updates the last one's totals from what changed: a walk only when files may have come or gone.
  const pending = new PendingChanges();
  if (opts.once || !process.stdout.isTTY) {
    process.stdout.write((await frame(opts, source, pending, calendar, false))!.join('\n') + '\n');
    return;
  }
  const out = process.stdout;
  // The clock, a resize and the first frame draw even when no file changed.
  let force = true;
  const draw = coalesce(async () => {
    const forced = force;
    force = false;
    const lines = await frame(opts, source, pending, calendar, true, forced);
    if (!lines) return;
    // Home, then each line cleared to its end, then everything below: no blank flash between frames.
    out.write(`${ESC}H` + lines.map((l) => `${l}${ESC}K`).join('\r\n') + `${ESC}J`);
  }, (err) => out.write(`${ESC}H${ESC}J` + `ccost watch: ${(err as Error).message} (retrying on the next change)`));
  out.write(`${ESC}?1049h${ESC}?25l`); // alternate screen, hide cursor
  const stdin = process.stdin;
  const restore = () => {
    if (stdin.isTTY) stdin.setRawMode(false);
    out.write(`${ESC}?25h${ESC}?1049l`);
  };
  process.once('exit', restore);
  await draw();
  const redraw = () => {
    force = true;
    void draw();
  };
  const tick = setInterval(redraw, 30_000); // the clock moves even when nothing is written
  out.on('resize', redraw);
  await followFolders(dirsOf(opts), pending, draw, () => source.folders(), (stop) => {
    if (!stdin.isTTY) return;
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', (d: Buffer) => {
      const k = d.toString();
      if (k === 'q' || k === 'Q' || k === '\x03') stop();
    });
  });
  clearInterval(tick);
  stdin.pause();
  restore();
  process.removeListener('exit', restore);
}
