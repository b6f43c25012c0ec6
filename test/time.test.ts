import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Calendar, parseDateArg, validateTimeZone, weekOf } from '../src/usage/time.js';

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
