// server/src/build/goUnicodeTables.ts must be what test/build/go-unicode/main.go prints from Go's
// own unicode package, and the TypeScript reading of it must give Go's unicode.ToUpper,
// unicode.ToLower, unicode.IsLetter and unicode.IsDigit for every rune. Needs Go (this tier
// builds Go binaries); skipped with a message without it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { isGoDigit, isGoLetter, lowerRune, upperRune } from '../../server/src/build/goText';
import { DIGIT_RANGES, LETTER_RANGES } from '../../server/src/build/goUnicodeTables';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const goBin = ['/usr/local/go/bin/go', 'go'].find((g) => g === 'go' || existsSync(g))!;
const generator = path.join(repoRoot, 'test', 'build', 'go-unicode', 'main.go');

function go(...args: string[]): string | undefined {
  try {
    return execFileSync(goBin, ['run', generator, ...args], {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
      env: { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-buildvcs=false' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

const tables = go();
const skip = tables === undefined ? 'Go is not installed' : false;
if (skip) console.log(`# SKIPPED go-unicode: ${skip}`);

describe("Go's Unicode tables", { skip }, () => {
  it('the checked-in tables are what the generator prints', () => {
    const file = readFileSync(path.join(repoRoot, 'server', 'src', 'build', 'goUnicodeTables.ts'), 'utf8');
    assert.equal(
      file,
      tables,
      'regenerate: go run ./test/build/go-unicode/main.go > server/src/build/goUnicodeTables.ts',
    );
  });

  it('upperRune and lowerRune are unicode.ToUpper and unicode.ToLower for every rune', () => {
    const changed = new Map<number, [number, number]>();
    for (const line of go('-check')!.trim().split('\n')) {
      const [r, u, l] = line.split(' ').map((h) => Number.parseInt(h, 16));
      changed.set(r!, [u!, l!]);
    }
    assert.ok(changed.size > 2000);
    const wrong: string[] = [];
    for (let r = 0; r <= 0x10ffff && wrong.length < 10; r++) {
      const [u, l] = changed.get(r) ?? [r, r];
      if (upperRune(r) !== u || lowerRune(r) !== l)
        wrong.push(
          `U+${r.toString(16)}: ${upperRune(r).toString(16)}/${lowerRune(r).toString(16)}, Go ${u!.toString(16)}/${l!.toString(16)}`,
        );
    }
    assert.deepEqual(wrong, []);
  });

  it('isGoLetter and isGoDigit read their ranges right for every rune', () => {
    for (const [ranges, test] of [
      [LETTER_RANGES, isGoLetter],
      [DIGIT_RANGES, isGoDigit],
    ] as const) {
      const bounds = ranges.split(',').map((h) => Number.parseInt(h, 16));
      const member = new Uint8Array(0x110000);
      for (let i = 0; i < bounds.length; i += 2) member.fill(1, bounds[i]!, bounds[i + 1]! + 1);
      for (let r = 0; r <= 0x10ffff; r++)
        if (test(r) !== (member[r] === 1)) assert.fail(`U+${r.toString(16)}`);
    }
  });
});
