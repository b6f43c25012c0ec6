/**
 * A small tmpfs for full-disk tests, unmounted and removed when the test file ends. Mounting needs
 * root (CI runs as root); where it cannot be had, the reason to skip, said loudly.
 */
import { test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function smallTmpfs(size: string, forWhat: string): { dir: string; skip: false } | { dir: ''; skip: string } {
  const why = (reason: string) => {
    const skip = `SKIPPED LOUDLY: ${forWhat}: ${reason}`;
    console.warn(skip);
    return { dir: '' as const, skip };
  };
  if (process.getuid?.() !== 0) return why('mounting a small tmpfs needs root (CI runs as root)');
  const dir = mkdtempSync(join(tmpdir(), 'ccost-tmpfs-'));
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return why(`cannot mount a tmpfs here (${(r.stderr || String(r.error)).trim()})`);
  }
  test.after(() => {
    spawnSync('umount', [dir]);
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, skip: false };
}
