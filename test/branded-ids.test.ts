/**
 * A file is named in three index spaces (#14: `fileIndex` was a scan slot, a ledger id or a report
 * position depending on where the event was). Mixing them must not compile: each line marked
 * @ts-expect-error below fails the build (`npm test` compiles first) if it ever compiles.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bindRows, costRows, rollup, type RollupRow } from '../src/usage/aggregate.js';
import { RunningRollup } from '../src/usage/running-rollup.js';
import { embeddedPricing } from '../src/usage/prices-file.js';
import type { FileId, FilePos, ScanSlot, UsageEvent } from '../src/usage/types.js';

test('ledger ids, scan slots and view places do not mix', () => {
  const ledgerRows: RollupRow<FileId>[] = [];
  // @ts-expect-error: rows bound to ledger ids are no report rows
  costRows(ledgerRows, [], 'auto');
  // @ts-expect-error: a ledger id is no place
  const place: FilePos = 3 as FileId;
  const scanned: UsageEvent<ScanSlot>[] = [];
  const running = new RunningRollup([], embeddedPricing());
  // @ts-expect-error: a scan's events must be bound to their ledger file first
  running.addFile(1 as FileId, scanned);
  // Binding is the one way across, and says where it happens.
  const rows: RollupRow<FilePos>[] = bindRows(rollup(scanned, [], embeddedPricing()), 0 as FilePos);
  assert.deepEqual(costRows(rows, [], 'auto'), []);
  void place;
});
