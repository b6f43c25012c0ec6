import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Calendar, parseDateArg, systemTimeZone, validateTimeZone, weekOf } from '../src/usage/time.js';

test('days are bucketed in the chosen time zone', () => {
  const t = Date.parse('2025-10-02T03:30:00Z');
  assert.equal(new Calendar('UTC').day(t), '2025-10-02');
  assert.equal(new Calendar('America/New_York').day(t), '2025-10-01');
  assert.equal(new Calendar('Asia/Kolkata').day(Date.parse('2025-10-01T18:29:00Z')), '2025-10-01');
  assert.equal(new Calendar('Asia/Kolkata').day(Date.parse('2025-10-01T18:30:00Z')), '2025-10-02');
  assert.equal(new Calendar('Asia/Kathmandu').day(Date.parse('2025-10-01T18:14:59Z')), '2025-10-01');
  assert.equal(new Calendar('Asia/Kathmandu').day(Date.parse('2025-10-01T18:15:00Z')), '2025-10-02');
});

test('across a DST change the local date follows the zone', () => {
  const c = new Calendar('Europe/Berlin');
  // 2025-03-30 01:00Z is 03:00 CEST; 2025-03-29 23:30Z is 00:30 CET on the 30th.
  assert.equal(c.day(Date.parse('2025-03-29T22:59:00Z')), '2025-03-29');
  assert.equal(c.day(Date.parse('2025-03-29T23:00:00Z')), '2025-03-30');
  assert.equal(c.day(Date.parse('2025-10-25T21:59:00Z')), '2025-10-25');
  assert.equal(c.day(Date.parse('2025-10-25T22:00:00Z')), '2025-10-26');
});

test('weeks start on the chosen weekday; months are local', () => {
  assert.equal(weekOf('2025-10-01', 1), '2025-09-29'); // Wednesday → Monday
  assert.equal(weekOf('2025-10-01', 0), '2025-09-28'); // → Sunday
  assert.equal(weekOf('2025-09-29', 1), '2025-09-29');
  assert.equal(new Calendar('Asia/Tokyo').month(Date.parse('2025-09-30T16:00:00Z')), '2025-10');
});

test('date arguments: YYYY-MM-DD or YYYYMMDD, real dates only', () => {
  assert.equal(parseDateArg('20251001'), '2025-10-01');
  assert.equal(parseDateArg('2025-10-01'), '2025-10-01');
  assert.equal(parseDateArg('2025-02-30'), null);
  assert.equal(parseDateArg('2025-1-1'), null);
  assert.equal(parseDateArg('tomorrow'), null);
});

test('unknown time zones are rejected', () => {
  assert.throws(() => validateTimeZone('Mars/Olympus'), /unknown time zone/);
  assert.equal(validateTimeZone('Europe/Berlin'), 'Europe/Berlin');
});

test('quarters(since, until) holds exactly the quarter hours whose local date is in range', () => {
  const Q = 15 * 60 * 1000;
  const zones = ['UTC', 'Pacific/Kiritimati', 'Pacific/Pago_Pago', 'Asia/Kathmandu', 'America/St_Johns', 'Europe/Berlin', 'Pacific/Apia', 'Australia/Lord_Howe'];
  // DST changes, Samoa's skipped 2011-12-30, and ordinary days.
  const dates = ['2011-12-29', '2011-12-30', '2011-12-31', '2024-03-10', '2024-03-31', '2024-10-27', '2024-11-03', '2025-04-06', '2025-06-15', '2026-12-02'];
  for (const zone of zones) {
    const cal = new Calendar(zone);
    for (const date of dates) {
      const mid = Math.floor(Date.parse(`${date}T00:00:00Z`) / Q);
      // Brute force over a week around the date.
      let first = Infinity;
      let last = -Infinity;
      let afterFirst = Infinity;
      for (let q = mid - 4 * 96; q < mid + 5 * 96; q++) {
        const d = cal.day(q * Q);
        if (d >= date) first = Math.min(first, q);
        if (d <= date) last = Math.max(last, q);
        if (d > date) afterFirst = Math.min(afterFirst, q);
      }
      assert.deepEqual(cal.quarters(date, undefined), [first, Infinity], `${zone} since ${date}`);
      assert.deepEqual(cal.quarters(undefined, date), [-Infinity, last], `${zone} until ${date}`);
      assert.equal(last, afterFirst - 1, `${zone} ${date}: dates grow with time`);
    }
  }
});

test('hour(ms) is the start of the local hour, also in zones half or three quarters of an hour off UTC', () => {
  const Q = 15 * 60 * 1000;
  for (const zone of ['UTC', 'Europe/Berlin', 'Asia/Kolkata', 'Asia/Kathmandu', 'America/St_Johns', 'Australia/Lord_Howe']) {
    const cal = new Calendar(zone);
    const hourOf = new Intl.DateTimeFormat('en-US', { timeZone: zone, hour: 'numeric', hourCycle: 'h23', day: 'numeric', timeZoneName: 'longOffset' });
    // Every quarter hour of two days that hold DST changes, and one instant inside each.
    for (const day of ['2024-03-31', '2024-10-06']) {
      const from = Date.parse(`${day}T00:00:00Z`) - 14 * 3_600_000;
      for (let ms = from; ms < from + 2 * 86_400_000; ms += Q) {
        for (const at of [ms, ms + 7 * 60_000 + 13_000]) {
          const start = cal.hour(at);
          const where = `${zone} ${new Date(at).toISOString()}`;
          assert.ok(start <= at && at - start < 3_600_000, `${where}: within the hour`);
          // The same local hour, of which it is the first quarter (the one before has another hour,
          // or the same hour number at another offset, as when clocks go back).
          assert.equal(hourOf.format(start), hourOf.format(at), where);
          assert.notEqual(hourOf.format(start - Q), hourOf.format(start), `${where}: the first quarter of its hour`);
        }
      }
    }
  }
  assert.equal(new Date(new Calendar('Asia/Kolkata').hour(Date.parse('2025-01-01T00:10:00Z'))).toISOString(), '2024-12-31T23:30:00.000Z');
});

test('the system zone: $TZ, else UTC where /etc/localtime links to UTC, else what Intl says', () => {
  assert.equal(systemTimeZone({ TZ: 'Asia/Kolkata' }, '/usr/share/zoneinfo/Etc/UTC'), 'Asia/Kolkata');
  assert.equal(systemTimeZone({ TZ: ':Europe/Berlin' }, null), 'Europe/Berlin');
  assert.equal(systemTimeZone({}, '/usr/share/zoneinfo/Etc/UTC'), 'UTC');
  assert.equal(systemTimeZone({}, '../usr/share/zoneinfo/posix/UTC'), 'UTC');
  // Any other zone needs ICU anyway: Intl's answer, whatever this machine's zone is.
  const intl = Intl.DateTimeFormat().resolvedOptions().timeZone;
  assert.equal(systemTimeZone({}, '/usr/share/zoneinfo/Europe/Berlin'), intl);
  assert.equal(systemTimeZone({ TZ: '/etc/localtime' }, '/somewhere/else'), intl);
  assert.equal(systemTimeZone({}, null), intl);
});

test('dayStarts(first, last) is the first quarter of each local day over the range, also across DST and a skipped day', () => {
  const Q = 15 * 60_000;
  const cases: Array<[string, string, number]> = [
    ['America/New_York', '2025-03-07', 6],
    ['Asia/Kathmandu', '2025-10-01', 3],
    ['Australia/Lord_Howe', '2025-04-04', 4],
    ['Pacific/Apia', '2011-12-28', 5], // 2011-12-30 never happened there
    ['UTC', '2025-01-30', 3],
  ];
  for (const [zone, from, days] of cases) {
    const c = new Calendar(zone);
    // From mid-day: the first start lies before the range.
    const first = Math.floor(Date.parse(`${from}T12:00:00Z`) / Q);
    const last = first + days * 96;
    const want: number[] = [];
    for (let q = first - 2 * 96; q <= last; q++) if (c.day(q * Q) !== c.day((q - 1) * Q)) want.push(q);
    // Brute force: every quarter whose day differs from the one before, keeping the last start at or before `first`.
    const before = want.filter((q) => q <= first);
    const expected = [before[before.length - 1]!, ...want.filter((q) => q > first)];
    assert.deepEqual(c.dayStarts(first, last), expected, zone);
  }
});
