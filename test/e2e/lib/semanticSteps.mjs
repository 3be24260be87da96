// End-to-end steps for Flux semantics the user sees while typing (issue 11, items 4 and 6), run by
// test/e2e/run.mjs in the trust-off scenario after the migration steps: completion of dependsOn
// names from the workspace model, and the quick fix of an ImageUpdateAutomation message template
// that uses data Flux 2.7 removed. Every edit is undone; nothing is saved.
import fs from 'node:fs';
import path from 'node:path';
import { REPO } from './env.mjs';
import { completionLabels, gotoLine, problems, quickOpen, undoUntilClean, waitCursor } from './workbench.mjs';

export const INFRA = 'staging/infra.yaml';
export const AUTOMATION = 'staging/image-automation.yaml';

function lineOf(ws, file, re) {
  const lines = fs.readFileSync(path.join(ws, file), 'utf8').split('\n');
  const i = lines.findIndex((l) => re.test(l));
  if (i < 0) throw new Error(`fixture ${file} has no line matching ${re}`);
  return i + 1;
}

/**
 * In staging/infra.yaml, the dependsOn entry `- name: web` with its value deleted: Ctrl+Space lists
 * the Kustomizations of the workspace (web of staging/, podinfo of clusters/dev/apps.yaml), not
 * field names. The edit is undone.
 */
export async function stepNameCompletion(ctx) {
  const { page } = ctx;
  await quickOpen(page, INFRA);
  await page.locator('.editor-instance .monaco-editor .view-lines', { hasText: 'dependsOn' }).waitFor();
  const line = lineOf(ctx.ws, INFRA, /^ {4}- name: web$/);
  await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
  await gotoLine(page, line);
  await page.keyboard.press('End');
  await waitCursor(page, (p) => p.line === line && p.col > 14, 5000, `the end of line ${line}`);
  for (let i = 0; i < 3; i++) await page.keyboard.press('Backspace');
  const labels = await completionLabels(page);
  await page
    .screenshot({ path: path.join(REPO, 'test-results/e2e', `${ctx.stepId}-names.png`), timeout: 15_000 })
    .catch(() => {});
  await page.keyboard.press('Escape');
  const undone = await undoUntilClean(page);
  const missing = ['web', 'podinfo'].filter((n) => !labels.includes(n));
  if (missing.length || labels.includes('interval'))
    throw new Error(
      `dependsOn completion should list the Kustomizations web and podinfo (not fields); got ${JSON.stringify(labels)}`,
    );
  return { labels, undoSteps: undone };
}

/**
 * staging/image-automation.yaml: an ImageUpdateAutomation v1 whose commit message template ranges
 * over `.Updated.Files`. The Problems panel says the field was removed in Flux 2.7; Ctrl+. on the
 * template offers "Rewrite the commit message template for .Changed (...)"; choosing it writes
 * `.Changed.FileChanges` and the problem goes. Undone afterwards; the file on disk is unchanged.
 */
export async function stepTemplateQuickFix(ctx) {
  const { page } = ctx;
  await quickOpen(page, AUTOMATION);
  await page.locator('.editor-instance .monaco-editor .view-lines', { hasText: 'messageTemplate' }).waitFor();
  if (
    !(await page
      .locator('.markers-panel')
      .isVisible()
      .catch(() => false))
  )
    await page.keyboard.press('Control+Shift+M');
  const row = page
    .locator('.markers-panel .monaco-list-row', { hasText: 'removed in image-automation-controller 1.0' })
    .first();
  try {
    await row.waitFor({ timeout: 30_000 });
  } catch {
    throw new Error(
      `no Problems row says ".Updated" was removed in image-automation-controller 1.0: ${JSON.stringify(await problems(page))}`,
    );
  }
  const problemRow = (await row.innerText()).replace(/\n/g, ' | ');
  const line = lineOf(ctx.ws, AUTOMATION, /\.Updated\.Files/);
  await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
  await gotoLine(page, line);
  await page.keyboard.press('End');
  await waitCursor(page, (p) => p.line === line && p.col > 20, 5000, `the end of line ${line}`);
  await page.keyboard.press('Control+.');
  const action = page
    .locator('.action-widget .monaco-list-row', { hasText: 'Rewrite the commit message template' })
    .first();
  try {
    await action.waitFor({ timeout: 20_000 });
  } catch {
    const offered = await page.locator('.action-widget .monaco-list-row').allInnerTexts();
    throw new Error(
      `no "Rewrite the commit message template" quick fix; offered: ${JSON.stringify(offered)}`,
    );
  }
  const title = (await action.innerText()).trim();
  await page.waitForTimeout(300);
  await page
    .screenshot({ path: path.join(REPO, 'test-results/e2e', `${ctx.stepId}-menu.png`), timeout: 15_000 })
    .catch(() => {});
  await action.click();
  const editor = page.locator('.editor-instance .monaco-editor .view-lines').first();
  await page
    .locator('.editor-instance .monaco-editor .view-lines', { hasText: '.Changed.FileChanges' })
    .first()
    .waitFor({ timeout: 15_000 });
  const text = (await editor.innerText()).replace(/\u00a0/g, ' ');
  const yamlLines = text
    .split('\n')
    .filter((l) => !l.trim().startsWith('#'))
    .join('\n');
  if (/\.Updated/.test(yamlLines))
    throw new Error(`the template still reads .Updated: ${JSON.stringify(yamlLines.slice(0, 600))}`);
  await row.waitFor({ state: 'detached', timeout: 30_000 });
  await page.waitForTimeout(500);
  const left = (await problems(page))
    .filter((g) => g.file.startsWith(path.basename(AUTOMATION)))
    .flatMap((g) => g.markers)
    .filter((m) => m.severity === 'error' || m.severity === 'warning');
  const undone = await undoUntilClean(page);
  if (left.length) throw new Error(`problems left after the rewrite: ${JSON.stringify(left)}`);
  const onDisk = fs.readFileSync(path.join(ctx.ws, AUTOMATION), 'utf8');
  if (!onDisk.includes('.Updated.Files')) throw new Error('the rewrite reached the disk');
  return { problem: problemRow, action: title, undoSteps: undone };
}
