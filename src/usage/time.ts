/**
 * Calendar bucketing in an IANA time zone. Pure. Intl formatting is slow per call, so results are
 * cached per 15 minutes: every real zone offset is a multiple of 15 minutes and changes only on
 * such a boundary, so all instants of one quarter hour share a local date.
 */

const QUARTER_HOUR = 15 * 60 * 1000;

export class InvalidTimeZoneError extends Error {}

export function validateTimeZone(tz: string): string {
  if (UTC_NAMES.has(tz)) return tz;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    throw new InvalidTimeZoneError(`unknown time zone "${tz}" (use an IANA name such as UTC or Europe/Berlin)`);
  }
  return tz;
}

/**
 * $TZ when it names a zone, else what Intl reports, except on a host whose /etc/localtime links to
 * UTC (`localtime`: where that link points, as the caller read it): then "UTC", as Intl would say,
 * without ICU's start-up (~30 ms, a fifth of a warm report; in UTC no date needs ICU afterwards).
 */
export function systemTimeZone(env: NodeJS.ProcessEnv = process.env, localtime: string | null = null): string {
  const tz = env.TZ?.replace(/^:/, '');
  if (tz && /^[A-Za-z0-9_+\-/]+$/.test(tz) && !tz.startsWith('/')) return tz;
  // The path below zoneinfo/, as ICU reads it (posix/ and right/ hold the same zones).
  const linked = localtime?.match(/\/zoneinfo\/(?:posix\/|right\/)?([A-Za-z0-9_+\-]+(?:\/[A-Za-z0-9_+\-]+)*)$/)?.[1];
  if (linked && UTC_NAMES.has(linked)) return 'UTC';
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

const UTC_NAMES = new Set(['UTC', 'Etc/UTC', 'Etc/GMT', 'GMT', 'Etc/Universal', 'Universal', 'Zulu', 'Etc/Zulu', 'UCT', 'Etc/UCT', 'Etc/GMT0', 'GMT0']);

export type Weekday = 0 | 1 | 2 | 3 | 4 | 5 | 6; // 0 = Sunday

export class Calendar {
  private readonly fmt: Intl.DateTimeFormat | null;
  private readonly dayCache = new Map<number, string>();
  private hourFmt: Intl.DateTimeFormat | null = null;

  constructor(
    readonly timeZone: string,
    readonly weekStart: Weekday = 1,
  ) {
    // UTC needs no ICU (whose start-up alone costs more than a warm report).
    this.fmt = UTC_NAMES.has(timeZone) ? null : new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
  }

  /** Local date `YYYY-MM-DD` of an instant. */
  day(ms: number): string {
    const q = Math.floor(ms / QUARTER_HOUR);
    let d = this.dayCache.get(q);
    if (d === undefined && this.fmt === null) {
      d = new Date(ms).toISOString().slice(0, 10);
      this.dayCache.set(q, d);
    } else if (d === undefined) {
      const parts = this.fmt!.formatToParts(new Date(ms));
      const get = (t: string) => parts.find((p) => p.type === t)!.value;
      d = `${get('year')}-${get('month')}-${get('day')}`;
      this.dayCache.set(q, d);
    }
    return d;
  }

  month(ms: number): string {
    return this.day(ms).slice(0, 7);
  }

  /**
   * The start (epoch ms) of the local hour holding an instant: in a zone such as Asia/Kolkata, a
   * local hour starts at half past a UTC one; where a DST change skips half an hour (Lord Howe),
   * the hour starts at the change.
   */
  hour(ms: number): number {
    if (this.fmt === null) return Math.floor(ms / 3_600_000) * 3_600_000;
    const q = Math.floor(ms / QUARTER_HOUR) * QUARTER_HOUR;
    this.hourFmt ??= new Intl.DateTimeFormat('en-US', { timeZone: this.timeZone, hour: 'numeric', minute: 'numeric', hourCycle: 'h23' });
    const local = (t: number) => this.hourFmt!.formatToParts(t);
    const part = (parts: Intl.DateTimeFormatPart[], type: string) => Number(parts.find((p) => p.type === type)!.value);
    const at = local(q);
    // Offsets are whole quarter hours: the quarter's local minute says how far into its hour it is,
    // unless the clock jumped within that hour.
    let start = q - part(at, 'minute') * 60_000;
    while (start < q && part(local(start), 'hour') !== part(at, 'hour')) start += QUARTER_HOUR;
    return start;
  }

  /**
   * The quarter hours (since the epoch) whose local dates fall within `since`..`until` (inclusive,
   * either open), as a first and last quarter: local dates only grow with time, so a filter by date
   * becomes two comparisons per row, found by a binary search within the two days around each date.
   */
  quarters(since: string | undefined, until: string | undefined): [number, number] {
    const first = (date: string, after: boolean) => {
      const mid = Math.floor(Date.parse(`${date}T00:00:00Z`) / QUARTER_HOUR);
      // No zone is more than a day from UTC: the answer lies within two days of UTC midnight.
      let lo = mid - 2 * 96;
      let hi = mid + 3 * 96;
      while (lo < hi) {
        const q = Math.floor((lo + hi) / 2);
        const d = this.day(q * QUARTER_HOUR);
        if (after ? d > date : d >= date) hi = q;
        else lo = q + 1;
      }
      return lo;
    };
    return [since ? first(since, false) : -Infinity, until ? first(until, true) - 1 : Infinity];
  }

  /**
   * The first quarter hour of each local day that holds a quarter in first..last, in order (the
   * first may lie before `first`): the days as quarter ranges, for grouping rows by day elsewhere.
   */
  dayStarts(first: number, last: number): number[] {
    const out: number[] = [];
    for (let q = this.quarters(this.day(first * QUARTER_HOUR), undefined)[0]; q <= last; q = this.quarters(undefined, this.day(q * QUARTER_HOUR))[1] + 1) out.push(q);
    return out;
  }

  /** Local date of the first day of the instant's week. */
  week(ms: number): string {
    return weekOf(this.day(ms), this.weekStart);
  }
}

/** First day (`YYYY-MM-DD`) of the week holding a calendar date. */
export function weekOf(day: string, weekStart: Weekday): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const utc = Date.UTC(y, m - 1, d);
  const dow = new Date(utc).getUTCDay();
  const back = (dow - weekStart + 7) % 7;
  return new Date(utc - back * 86_400_000).toISOString().slice(0, 10);
}

/** `YYYY-MM-DD` or `YYYYMMDD` → `YYYY-MM-DD`; null for anything else or an impossible date. */
export function parseDateArg(s: string): string | null {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(s.trim());
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(y, mo - 1, d));
  if (t.getUTCFullYear() !== y || t.getUTCMonth() !== mo - 1 || t.getUTCDate() !== d) return null;
  return `${m[1]}-${m[2]}-${m[3]}`;
}
