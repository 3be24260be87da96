// Playwright helpers for the VS Code web workbench served by code-server (VS Code 1.139.1).
// Every wait is on DOM state with a timeout; selectors follow
// /work/shared/research/code-server-e2e.md.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CHROMIUM, TOOLS_DIR } from './env.mjs';

export async function loadPlaywright() {
  const entry = path.join(TOOLS_DIR, 'node_modules/playwright-core/index.mjs');
  return import(pathToFileURL(entry).href);
}

export async function launchChromium(profileDir) {
  const { chromium } = await loadPlaywright();
  return chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1440, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** The explorer shows a row with this text: the workbench is usable. */
export async function waitForExplorer(page, rowText, timeout = 60_000) {
  await page.locator('.monaco-workbench').waitFor({ state: 'attached', timeout });
  await page
    .locator('.explorer-folders-view .monaco-list-row', { hasText: rowText })
    .first()
    .waitFor({ timeout });
}

export async function explorerRows(page) {
  return page.locator('.explorer-folders-view .monaco-list-row').allInnerTexts();
}

/** Quick Open (Control+P) a file by its path relative to the workspace. */
export async function quickOpen(page, relPath, timeout = 30_000) {
  const base = path.basename(relPath);
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout });
  await input.fill(relPath);
  // Wait for the row of this very file (its label is "<base> <dir>"): Enter too early could pick a
  // stale first row while the list is still filtering.
  const dir = path.dirname(relPath);
  let row = page.locator('.quick-input-list .monaco-list-row', { hasText: base });
  if (dir !== '.') row = row.filter({ hasText: dir });
  await row.first().waitFor({ timeout });
  // Accept with Enter once the focused row is this file (as a user would).
  await page
    .locator('.quick-input-list .monaco-list-row.focused', { hasText: base })
    .filter({ hasText: dir === '.' ? base : dir })
    .waitFor({ timeout });
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout });
  await page.locator('.tabs-container .tab.active', { hasText: base }).waitFor({ timeout });
}

/** Run a command from the Command Palette by its label (e.g. "View: Close All Editor Groups"). */
export async function runCommand(page, label, timeout = 30_000) {
  await page.keyboard.press('Control+Shift+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout });
  await input.fill(`>${label}`);
  await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: label }).waitFor({ timeout });
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout });
}

export function activeEditor(page) {
  return page.locator('.editor-instance .monaco-editor').first();
}

/** Status bar items' texts (the whole bar, left and right). */
export async function statusBarTexts(page) {
  return (await page.locator('.part.statusbar .statusbar-item').allInnerTexts())
    .map((t) => t.trim())
    .filter(Boolean);
}

/** Cursor position from the "Ln X, Col Y" status bar item. */
export async function cursorPosition(page) {
  const text = (await page.locator('[id="status.editor.selection"]').innerText({ timeout: 10_000 })).trim();
  const m = /Ln (\d+), Col (\d+)/.exec(text);
  if (!m) throw new Error(`cannot read the cursor position from the status bar: "${text}"`);
  return { line: Number(m[1]), col: Number(m[2]), text };
}

/** Wait until the "Ln X, Col Y" item differs from `previous` (after a key that moves the cursor). */
export async function waitCursorChange(page, previous, timeout = 5000) {
  return waitCursor(page, (p) => p.text !== previous.text, timeout, `a change from ${previous.text}`);
}

/** Poll the "Ln X, Col Y" status item until `ok(pos)` holds (the item updates a little after each key). */
export async function waitCursor(page, ok, timeout = 5000, what = 'the expected cursor position') {
  const until = Date.now() + timeout;
  let pos;
  for (;;) {
    pos = await cursorPosition(page);
    if (ok(pos)) return pos;
    if (Date.now() > until)
      throw new Error(`cursor: waited ${timeout} ms for ${what}; status bar says ${pos.text}`);
    await page.waitForTimeout(50);
  }
}

/** Go to a 1-based line with Control+G; the cursor lands in column 1. */
export async function gotoLine(page, line, timeout = 15_000) {
  await page.keyboard.press('Control+G');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout });
  await input.fill(`:${line}`);
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout });
  return waitCursor(page, (p) => p.line === line && p.col === 1, timeout, `Ln ${line}, Col 1`);
}

/**
 * Open a new line below `line` and put the cursor at column indent+1, whatever the editor's
 * auto-indent did (read back from the status bar and corrected with Backspace/space). Each key
 * is followed by a wait for the position it must produce, so a late status update is never
 * mistaken for the result of the next key.
 */
export async function openLineBelow(page, line, indent) {
  await gotoLine(page, line);
  await page.keyboard.press('End');
  await waitCursor(page, (p) => p.line === line && p.col > 1, 5000, `the end of line ${line}`);
  await page.keyboard.press('Enter');
  let pos = await waitCursor(page, (p) => p.line === line + 1, 5000, `Ln ${line + 1}`);
  for (let i = 0; i < 12 && pos.col !== indent + 1; i++) {
    const prev = pos;
    if (prev.col > indent + 1) {
      await page.keyboard.press('Backspace');
      pos = await waitCursor(
        page,
        (p) => p.line === line + 1 && p.col < prev.col,
        5000,
        `a smaller column on Ln ${line + 1}`,
      );
    } else {
      await page.keyboard.type(' ');
      pos = await waitCursor(
        page,
        (p) => p.line === line + 1 && p.col === prev.col + 1,
        5000,
        `Col ${prev.col + 1} on Ln ${line + 1}`,
      );
    }
  }
  if (pos.line !== line + 1 || pos.col !== indent + 1) {
    throw new Error(
      `could not place the cursor at Ln ${line + 1}, Col ${indent + 1} (status bar: ${pos.text})`,
    );
  }
  return pos;
}

/** Undo (Control+Z) until the active tab is no longer dirty. */
export async function undoUntilClean(page, max = 20) {
  for (let i = 0; i < max; i++) {
    if ((await page.locator('.tabs-container .tab.active.dirty').count()) === 0) return i;
    await page.keyboard.press('Control+Z');
    await page.waitForTimeout(100);
  }
  if ((await page.locator('.tabs-container .tab.active.dirty').count()) > 0)
    throw new Error('editor still dirty after undo');
  return max;
}

/**
 * Trigger completion (Control+Space) and read every entry by walking the list with ArrowDown:
 * the list is virtualised, so only the visible rows are in the DOM at once.
 */
export async function completionLabels(page, timeout = 30_000) {
  await page.keyboard.press('Control+Space');
  const widget = page.locator('.editor-widget.suggest-widget.visible');
  const firstRow = widget.locator('.monaco-list-row[aria-posinset="1"]');
  await firstRow.waitFor({ timeout });
  let total = Number(await firstRow.getAttribute('aria-setsize'));
  // The list is virtualised: walk it with ArrowDown, reading the focused row each time. The row to
  // read is whatever has focus (re-synced on every step), so a re-render or a late refresh of the
  // list cannot derail the walk; ArrowDown wraps from the last row to the first.
  const seen = new Map();
  const focused = widget.locator('.monaco-list-row.focused').first();
  for (let guard = 0; guard < 700 && seen.size < Math.min(total, 300); guard++) {
    await focused.waitFor({ timeout: 5000 });
    const pos = Number(await focused.getAttribute('aria-posinset'));
    total = Number(await focused.getAttribute('aria-setsize')) || total;
    if (!seen.has(pos)) seen.set(pos, (await focused.locator('.label-name').first().innerText()).trim());
    if (total <= 1) break;
    await page.keyboard.press('ArrowDown');
    await page
      .waitForFunction(
        (before) => {
          const el = document.querySelector('.editor-widget.suggest-widget.visible .monaco-list-row.focused');
          return !!el && Number(el.getAttribute('aria-posinset')) !== before;
        },
        pos,
        { timeout: 2000 },
      )
      .catch(() => {}); // re-read whatever has focus next round
  }
  const labels = [...seen.entries()].sort((a, b) => a[0] - b[0]).map(([, label]) => label);
  return labels;
}

/** Problems panel rows grouped by file: [{ file, markers: [{ severity, text }] }]. */
export async function problems(page) {
  const rows = await page.locator('.markers-panel .monaco-list-row').evaluateAll((els) =>
    els
      .map((el) => ({
        top: parseFloat(el.style.top || '0'),
        text: el.innerText.trim(),
        aria: el.getAttribute('aria-label') || '',
        severity: el.querySelector('.codicon-error')
          ? 'error'
          : el.querySelector('.codicon-warning')
            ? 'warning'
            : el.querySelector('.codicon-info')
              ? 'info'
              : null,
        isFile: !!el.querySelector('.monaco-icon-label.file-icon, .file-icon'),
      }))
      .sort((a, b) => a.top - b.top),
  );
  const files = [];
  for (const r of rows) {
    if (r.isFile && !r.severity) files.push({ file: r.text.split('\n')[0], label: r.text, markers: [] });
    else if (files.length)
      files[files.length - 1].markers.push({ severity: r.severity, text: r.text, aria: r.aria });
    else
      files.push({ file: '?', label: '', markers: [{ severity: r.severity, text: r.text, aria: r.aria }] });
  }
  return files;
}
