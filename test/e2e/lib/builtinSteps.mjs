// End-to-end steps for the Kubernetes built-in kinds and the migration quick fix (issue 11, items
// 3-5), run by test/e2e/run.mjs in the trust-off scenario.
import fs from 'node:fs';
import path from 'node:path';
import { REPO } from './env.mjs';
import { gotoLine, problems, quickOpen, statusBarTexts, undoUntilClean, waitCursor } from './workbench.mjs';

export const LEGACY = 'clusters/dev/legacy-helmrelease.yaml';
export const WEB = 'clusters/dev/web.yaml';

function lineOf(ws, file, re) {
  const lines = fs.readFileSync(path.join(ws, file), 'utf8').split('\n');
  const i = lines.findIndex((l) => re.test(l));
  if (i < 0) throw new Error(`fixture ${file} has no line matching ${re}`);
  return i + 1;
}

/** Hover the key that starts the cursor's line (the cursor is put on its first character). */
export async function hoverKeyAt(page, line, want) {
  await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
  await gotoLine(page, line);
  await page.keyboard.press('Home');
  await waitCursor(page, (p) => p.line === line && p.col > 1, 5000, 'the first non-blank column');
  const cursor = page.locator('.editor-instance .monaco-editor .cursors-layer .cursor').first();
  const box = await cursor.boundingBox();
  if (!box) throw new Error('cannot locate the editor cursor');
  const hover = page.locator('.monaco-hover:visible').filter({ hasText: want }).first();
  // The mouse comes to the key along its own line, from the blank space right of it: a path across
  // the lines above can leave the hover of one of them open (it stays while the mouse heads for it).
  // A second try starts from a closed hover.
  for (let attempt = 1; ; attempt++) {
    await page.mouse.move(box.x + 300, box.y + box.height / 2);
    await page.mouse.move(box.x + 20, box.y + box.height / 2, { steps: 4 });
    try {
      await hover.waitFor({ timeout: 10_000 });
      return (await hover.innerText()).trim();
    } catch {
      if (attempt === 2) {
        const visible = await page.locator('.monaco-hover:visible').allInnerTexts();
        throw new Error(
          `no hover matching ${want} over line ${line}; visible hovers: ${JSON.stringify(visible)}`,
        );
      }
      await page.keyboard.press('Escape');
    }
  }
}

/**
 * A plain Deployment: the status bar names the Kubernetes version of the built-in schemas, and a
 * hover on `replicas` shows the Kubernetes description and names that version as the source.
 */
export async function stepBuiltinHover(ctx) {
  const { page } = ctx;
  await quickOpen(page, WEB);
  await page.locator('.editor-instance .monaco-editor .view-lines', { hasText: 'Deployment' }).waitFor();
  const status = (await statusBarTexts(page)).find((t) => /Flux schemas:/.test(t)) ?? '';
  if (!/K8s v1\.36\.3/.test(status))
    throw new Error(`the status bar does not name the Kubernetes version: ${JSON.stringify(status)}`);
  const text = await hoverKeyAt(page, lineOf(ctx.ws, WEB, /^ {2}replicas:/), /replicas|desired pods/i);
  const missing = [];
  if (!/desired pods/i.test(text)) missing.push('the Kubernetes description ("desired pods")');
  if (!/Kubernetes v1\.36\.3/.test(text)) missing.push('the source "Kubernetes v1.36.3"');
  if (missing.length) throw new Error(`hover lacks ${missing.join(' and ')}: ${JSON.stringify(text)}`);
  return { status, hover: text.slice(0, 400) };
}

/**
 * A HelmRelease of a removed apiVersion: the Problems panel says so; Ctrl+. on the apiVersion offers
 * "Migrate HelmRelease to helm.toolkit.fluxcd.io/v2 (...valuesFile -> ...valuesFiles)"; choosing it
 * rewrites the document (apiVersion and valuesFiles) and the problem goes away. The edit is not
 * saved (stepMigrateUndo undoes it).
 */
export async function stepMigrateQuickFix(ctx) {
  const { page } = ctx;
  await quickOpen(page, LEGACY);
  await page.locator('.editor-instance .monaco-editor .view-lines', { hasText: 'v2beta1' }).waitFor();
  if (
    !(await page
      .locator('.markers-panel')
      .isVisible()
      .catch(() => false))
  )
    await page.keyboard.press('Control+Shift+M');
  const row = page.locator('.markers-panel .monaco-list-row', { hasText: 'removed in Flux 2.7' }).first();
  try {
    await row.waitFor({ timeout: 30_000 });
  } catch {
    throw new Error(`no Problems row says "removed in Flux 2.7": ${JSON.stringify(await problems(page))}`);
  }
  const problemRow = (await row.innerText()).replace(/\n/g, ' | ');
  // Put the cursor inside the apiVersion value (where the diagnostic is) and ask for quick fixes.
  const line = lineOf(ctx.ws, LEGACY, /^apiVersion:/);
  await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
  await gotoLine(page, line);
  await page.keyboard.press('End');
  await waitCursor(page, (p) => p.line === line && p.col > 20, 5000, 'the end of the apiVersion line');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('Control+.');
  const action = page.locator('.action-widget .monaco-list-row', { hasText: 'Migrate HelmRelease' }).first();
  try {
    await action.waitFor({ timeout: 20_000 });
  } catch {
    const offered = await page.locator('.action-widget .monaco-list-row').allInnerTexts();
    throw new Error(`no "Migrate HelmRelease" quick fix; offered: ${JSON.stringify(offered)}`);
  }
  const title = (await action.innerText()).trim();
  await page.waitForTimeout(300);
  await page
    .screenshot({
      path: path.join(REPO, 'test-results/e2e', `${ctx.stepId}-quickfix-menu.png`),
      timeout: 15_000,
    })
    .catch(() => {});
  await action.click();
  const editor = page.locator('.editor-instance .monaco-editor .view-lines').first();
  await page
    .locator('.editor-instance .monaco-editor .view-lines', {
      hasText: /helm\.toolkit\.fluxcd\.io\/v2(?!beta)/,
    })
    .first()
    .waitFor({ timeout: 15_000 });
  // The fixture's comment names the old version: judge the YAML lines only.
  const text = (await editor.innerText())
    .replace(/\u00a0/g, ' ')
    .split('\n')
    .filter((l) => !l.trim().startsWith('#'))
    .join('\n');
  if (!/valuesFiles:/.test(text) || /valuesFile:/.test(text) || /v2beta1/.test(text))
    throw new Error(`the document was not migrated as expected: ${JSON.stringify(text.slice(0, 600))}`);
  // The problem goes away once the server has checked the new text.
  await row.waitFor({ state: 'detached', timeout: 30_000 });
  await page.waitForTimeout(500);
  const left = (await problems(page))
    .filter((g) => g.file.startsWith(path.basename(LEGACY)))
    .flatMap((g) => g.markers)
    .filter((m) => m.severity === 'error' || m.severity === 'warning');
  if (left.length) throw new Error(`problems left after the migration: ${JSON.stringify(left)}`);
  return { problem: problemRow, action: title, migrated: text.slice(0, 400) };
}

/** Undo the quick fix: the tab is clean again and the file on disk was never written. */
export async function stepMigrateUndo(ctx) {
  const { page } = ctx;
  const undone = await undoUntilClean(page);
  const onDisk = fs.readFileSync(path.join(ctx.ws, LEGACY), 'utf8');
  if (!onDisk.includes('helm.toolkit.fluxcd.io/v2beta1')) throw new Error('the migration reached the disk');
  return { undoSteps: undone };
}
