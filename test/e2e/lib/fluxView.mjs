// Playwright helpers for the Flux views (activity-bar container "Flux"): panes by title, tree rows
// read from the DOM (label, description, icon, level), context-menu actions and notifications.
// Every wait is on DOM state with a timeout.

const CONTAINER = '[id="workbench.view.extension.flux"]';

/** Opens the Flux container from the activity bar. */
export async function openFluxContainer(page, timeout = 30_000) {
  const pane = page.locator(CONTAINER);
  if (!(await pane.isVisible().catch(() => false)))
    await page.locator('.part.activitybar [aria-label^="Flux"]').first().click({ timeout });
  await pane.waitFor({ state: 'visible', timeout });
}

/** The pane of a view by its title ("Clusters", "Sources", "Workloads", ...). */
export function pane(page, title) {
  return page.locator(`${CONTAINER} .pane`, { has: page.locator(`.pane-header[aria-label^="${title}"]`) });
}

/**
 * Expands the pane `title` and collapses every other pane of the container, so the tree is tall
 * enough to render all its rows (the lists are virtualised).
 */
export async function focusPane(page, title) {
  const headers = page.locator(`${CONTAINER} .pane-header`);
  await pane(page, title).locator('.pane-header').waitFor({ timeout: 15_000 });
  // One click at a time, reading the headers again after each (the layout changes with each).
  for (let guard = 0; guard < 16; guard++) {
    const states = await headers.evaluateAll((els) =>
      els.map((e) => [e.getAttribute('aria-label') ?? '', e.getAttribute('aria-expanded') === 'true']),
    );
    const i = states.findIndex(([label, open]) => label.startsWith(title) !== open);
    if (i < 0) return;
    // Near the twistie: the middle of a header may be one of the view's title actions.
    await headers.nth(i).click({ position: { x: 8, y: 10 } });
    await page.waitForTimeout(150);
  }
  throw new Error(`could not leave only the ${title} pane expanded`);
}

/** The rows of a view as drawn: [{ label, description, level, expanded, icon, aria }]. */
export async function rows(page, title) {
  return pane(page, title)
    .locator('.monaco-list-row')
    .evaluateAll((els) =>
      els
        .map((el) => {
          const icon = el.querySelector('.custom-view-tree-node-item-icon');
          const cls = icon
            ? [...icon.classList].find((c) => c.startsWith('codicon-') && c !== 'codicon')
            : undefined;
          return {
            top: parseFloat(el.style.top || '0'),
            label: el.querySelector('.label-name')?.textContent?.trim() ?? '',
            description: el.querySelector('.label-description')?.textContent?.trim() ?? '',
            level: Number(el.getAttribute('aria-level') || '1'),
            expanded: el.getAttribute('aria-expanded'),
            icon: cls?.slice('codicon-'.length),
            aria: el.getAttribute('aria-label') ?? '',
          };
        })
        .sort((a, b) => a.top - b.top)
        .map(({ top: _t, ...r }) => r),
    );
}

/** Waits until a row of the view satisfies `ok(row, allRows)`; resolves it. */
export async function waitRow(page, title, ok, { timeout = 30_000, what = 'a matching row' } = {}) {
  const until = Date.now() + timeout;
  let last = [];
  for (;;) {
    last = await rows(page, title).catch(() => []);
    const hit = last.find((r) => ok(r, last));
    if (hit) return hit;
    if (Date.now() > until)
      throw new Error(
        `${title}: waited ${timeout} ms for ${what}; rows: ${JSON.stringify(last.map((r) => `${'  '.repeat(r.level - 1)}${r.label} | ${r.description} | ${r.icon}`))}`,
      );
    await page.waitForTimeout(100);
  }
}

/** The row element of a view whose label is exactly `label` (optionally at a level). */
export function rowLocator(page, title, label, level) {
  return pane(page, title)
    .locator(`.monaco-list-row${level ? `[aria-level="${level}"]` : ''}`)
    .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRe(label)}$`) }) })
    .first();
}

export function escapeRe(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Right-clicks a row until its context menu is open (a watch event may redraw the row between
 * finding it and clicking it, and the click then lands on nothing): up to three tries, each waiting
 * 5 s for the menu, so that a menu that never opens still fails the step.
 */
export async function openRowMenu(page, title, label, { level, timeout = 15_000 } = {}) {
  const row = rowLocator(page, title, label, level);
  await row.waitFor({ timeout });
  const menu = page.locator('.monaco-menu .action-item').first();
  for (let attempt = 1; ; attempt++) {
    await row.click({ button: 'right' });
    try {
      await menu.waitFor({ timeout: 5_000 });
      return;
    } catch (e) {
      if (attempt === 3) throw new Error(`${title}: the context menu of ${label} did not open: ${e.message}`);
      await page.keyboard.press('Escape');
      await page.mouse.move(1100, 150);
    }
  }
}

/** Opens a row's context menu and resolves its entries, then closes it. */
export async function rowMenuEntries(page, title, label, opts) {
  await openRowMenu(page, title, label, opts);
  const entries = await menuEntries(page);
  await page.keyboard.press('Escape');
  return entries;
}

/** Right-clicks a row and runs the context-menu item `item`. */
export async function contextMenu(page, title, label, item, { level, timeout = 15_000 } = {}) {
  await openRowMenu(page, title, label, { level, timeout });
  const entry = page
    .locator('.monaco-menu .action-item', { hasText: new RegExp(`^\\s*${escapeRe(item)}\\s*$`) })
    .first();
  await entry.waitFor({ timeout });
  const disabled = await entry.evaluate(
    (el) => el.classList.contains('disabled') || !!el.querySelector('.disabled'),
  );
  return {
    entry,
    disabled,
    click: async () => {
      // A menu ignores a click that comes right after it opened (as a user's mouse-up would).
      await page.waitForTimeout(300);
      await entry.click();
      const menu = page.locator('.monaco-menu');
      if (!(await menu.first().isHidden())) {
        await page.waitForTimeout(500);
        if (await entry.isVisible()) await entry.click();
      }
      await menu
        .first()
        .waitFor({ state: 'hidden', timeout })
        .catch(() => {});
      await page.mouse.move(1100, 150); // no hover left on the tree for the screenshot
    },
  };
}

/** The context-menu entries offered on a row: [{ label, disabled }]. */
export async function menuEntries(page) {
  return page.locator('.monaco-menu .action-item').evaluateAll((els) =>
    els
      .map((el) => ({
        label: el.querySelector('.action-label')?.textContent?.trim() ?? '',
        disabled: el.classList.contains('disabled') || !!el.querySelector('.action-label.disabled'),
      }))
      .filter((e) => e.label),
  );
}

/** Waits for a notification toast whose text matches `re`; resolves its text. */
export async function waitToast(page, re, timeout = 60_000) {
  const toast = page.locator('.notifications-toasts .notification-toast', { hasText: re }).first();
  await toast.waitFor({ timeout });
  await page.waitForTimeout(800); // fade-in, before a screenshot
  return (await toast.innerText()).replace(/\s+/g, ' ').trim();
}

/** Closes every notification toast (so the next wait sees only new ones). */
export async function clearToasts(page) {
  for (const b of await page
    .locator('.notifications-toasts .notification-toast .codicon-notifications-clear')
    .all())
    await b.click().catch(() => {});
  await page.keyboard.press('Escape');
}

/**
 * Waits until the view's message (TreeView.message, drawn above its rows) matches `re`; resolves
 * its text. It arrives from the extension host apart from the rows, so it may come a little later.
 */
export async function waitViewMessage(page, title, re, timeout = 15_000) {
  const msg = pane(page, title).locator('.tree-explorer-viewlet-tree-view > .message', { hasText: re });
  await msg.first().waitFor({ timeout });
  return (await msg.first().innerText()).trim();
}

/** Hovers a row and resolves the tooltip's text. */
export async function hoverTooltip(page, title, label, { level, timeout = 15_000 } = {}) {
  const row = rowLocator(page, title, label, level);
  const hover = page
    .locator('.monaco-hover:not(.hidden) .monaco-hover-content, .workbench-hover .hover-contents')
    .first();
  // The workbench can drop a hover that starts while a just-closed menu or another hover is going
  // away; the pointer then leaves the row and comes back, as a user would do, until the deadline.
  const end = Date.now() + timeout;
  for (let attempt = 1; ; attempt++) {
    await page.mouse.move(1, 1);
    await row.hover({ timeout });
    const shown = await hover
      .waitFor({ timeout: Math.max(1000, Math.min(5000, end - Date.now())) })
      .then(() => true)
      .catch(() => false);
    if (shown) return (await hover.innerText()).trim();
    if (Date.now() >= end) throw new Error(`no tooltip on "${label}" in ${title} after ${attempt} hovers`);
  }
}

/**
 * Runs a palette command that opens a Quick Pick of its own (titled `pickTitle`); resolves when
 * that pick shows.
 */
export async function runPickCommand(page, label, pickTitle, timeout = 30_000) {
  await page.keyboard.press('Control+Shift+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout });
  await input.fill(`>${label}`);
  await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: label }).waitFor({ timeout });
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget .quick-input-title', { hasText: pickTitle }).waitFor({ timeout });
}

/** Widens the side bar (dragging its sash), so that tree rows are readable in screenshots. */
export async function widenSideBar(page, width = 620) {
  const bar = await page.locator('.part.sidebar').boundingBox();
  if (!bar || bar.x + bar.width >= width) return;
  const right = bar.x + bar.width;
  let box = null;
  for (const sash of await page.locator('.monaco-sash.vertical').all()) {
    const b = await sash.boundingBox().catch(() => null);
    if (b && Math.abs(b.x + b.width / 2 - right) < 6 && b.height > 200) box = b;
  }
  if (!box) return;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(width, box.y + box.height / 2, { steps: 8 });
  await page.mouse.up();
}
