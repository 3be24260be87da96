// The dependency graph at 300 nodes (issue 12, "readable at 300 nodes"), end to end in code-server
// with no cluster connected: the workspace is a generated fleet (test/fixtures/fleet.mjs) of 300
// Kustomizations, HelmReleases and sources in 17 namespaces, and the graph is the workspace's.
import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { fleetFiles } from '../fixtures/fleet.mjs';
import { quickOpen, runCommand } from './lib/workbench.mjs';

const README_SHOTS = path.join(
  path.dirname(new URL(import.meta.url).pathname),
  '../../test-results/e2e/readme',
);

/** Writes the fleet's files into a new workspace folder. */
export function graphWorkspace(ws) {
  for (const [rel, text] of Object.entries(fleetFiles(stringify))) {
    fs.mkdirSync(path.dirname(path.join(ws, rel)), { recursive: true });
    fs.writeFileSync(path.join(ws, rel), text);
  }
}

async function shot(page, name) {
  fs.mkdirSync(README_SHOTS, { recursive: true });
  await page.waitForTimeout(500);
  await page.screenshot({ path: path.join(README_SHOTS, `${name}.png`) }).catch(() => {});
}

/** What the page shows, read from its DOM: zoom, node boxes on screen, labels that overflow. */
function readGraph(body) {
  const canvas = document.getElementById('canvas').getBoundingClientRect();
  const vp = document.getElementById('viewport').getAttribute('transform') || '';
  const boxes = [...document.querySelectorAll('g.node')].map((g) => {
    const r = g.querySelector('rect').getBoundingClientRect();
    return { id: g.getAttribute('data-id'), x: r.x, y: r.y, w: r.width, h: r.height };
  });
  const overlaps = [];
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i];
      const b = boxes[j];
      if (a.x + a.w > b.x + 0.5 && b.x + b.w > a.x + 0.5 && a.y + a.h > b.y + 0.5 && b.y + b.h > a.y + 0.5)
        overlaps.push(`${a.id} x ${b.id}`);
    }
  const overflow = [];
  for (const t of document.querySelectorAll('g.node text')) {
    const w = Number(t.parentElement.querySelector('rect').getAttribute('width'));
    const end = Number(t.getAttribute('x')) + t.getComputedTextLength();
    if (end > w - 2) overflow.push(`${t.textContent} (${end.toFixed(0)} > ${w - 2})`);
  }
  const name = document.querySelector('g.node text.name')?.getBoundingClientRect();
  return {
    nodes: boxes.length,
    zoom: Number(body.dataset.zoom),
    transform: vp,
    canvas: { x: canvas.x, y: canvas.y, w: canvas.width, h: canvas.height },
    boxes,
    overlaps,
    overflow,
    nameHeightPx: name ? name.height : 0,
  };
}

/**
 * 300 objects in 17 namespaces: every node drawn, no two boxes overlap, every label fits its box,
 * the first view is readable (names drawn at ≥ 10 px); zoom and Fit change the view's transform;
 * a search selects and centres its object and lights its dependency chain; one namespace alone.
 */
export async function stepGraph300(ctx) {
  const { page } = ctx;
  // Opening a Flux file activates the extension (as a user's first file does).
  await quickOpen(page, 'clusters/production/kustomizations.yaml');
  await page
    .locator('.part.statusbar .statusbar-item', { hasText: /^\s*Flux schemas:\s*(?!loading)\S/i })
    .first()
    .waitFor({ timeout: 60_000 });
  await runCommand(page, 'View: Close All Editor Groups');
  const t0 = Date.now();
  await runCommand(page, 'Flux: Show Dependency Graph');
  const frame = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
  const body = frame.locator('body');
  await frame.locator('body[data-nodes="300"]').waitFor({ timeout: 60_000 });
  const shownMs = Date.now() - t0;
  const read = () => body.evaluate(readGraph);
  const first = await read();
  if (first.nodes !== 300) throw new Error(`${first.nodes} nodes drawn, the fleet has 300`);
  if (first.overlaps.length) throw new Error(`boxes overlap: ${first.overlaps.slice(0, 5).join('; ')}`);
  if (first.overflow.length)
    throw new Error(`labels overflow their box: ${first.overflow.slice(0, 5).join('; ')}`);
  if (first.nameHeightPx < 10)
    throw new Error(`names are drawn ${first.nameHeightPx.toFixed(1)} px high at the first view`);
  await shot(page, 'graph-300-first');

  // Zoom: the button, the wheel, Fit.
  await frame.locator('#zoomOut').click();
  const out = await read();
  if (!(out.zoom < first.zoom) || out.transform === first.transform)
    throw new Error(`zoom out left the view at ${out.transform}`);
  const c = out.canvas;
  // The wheel zooms around the pointer: the canvas is inside two iframes, so move there by page
  // coordinates of the frame's element.
  const canvasBox = await frame.locator('#canvas').boundingBox();
  await page.mouse.move(canvasBox.x + canvasBox.width / 2, canvasBox.y + canvasBox.height / 2);
  await page.mouse.wheel(0, -300);
  await page.waitForTimeout(300);
  const wheeled = await read();
  if (!(wheeled.zoom > out.zoom)) throw new Error(`the wheel did not zoom in: ${wheeled.transform}`);
  await frame.locator('#zoomFit').click();
  const fitted = await read();
  const right = Math.max(...fitted.boxes.map((b) => b.x + b.w));
  const bottom = Math.max(...fitted.boxes.map((b) => b.y + b.h));
  if (right > c.x + c.w + 1 || bottom > c.y + c.h + 1)
    throw new Error(`Fit leaves nodes outside the canvas (${right}, ${bottom} beyond ${c.w}x${c.h})`);
  await shot(page, 'graph-300-fit');

  // Search: one object, selected, centred, zoomed to read, its chain lit.
  const id = 'HelmRelease/checkout/orders-api';
  await frame.locator('#search').fill('checkout/orders-api');
  await frame.locator('#matches', { hasText: '1 of 1' }).waitFor({ timeout: 10_000 });
  const node = frame.locator(`g.node[data-id="${id}"]`);
  await frame.locator(`g.node.selected[data-id="${id}"]`).waitFor({ timeout: 5000 });
  await frame.locator('svg.focus').waitFor({ timeout: 5000 });
  const found = await read();
  const box = found.boxes.find((b) => b.id === id);
  // The details pane opened beside the canvas: centred in the canvas as it is now.
  const fc = found.canvas;
  const dx = box.x + box.w / 2 - (fc.x + fc.w / 2);
  const dy = box.y + box.h / 2 - (fc.y + fc.h / 2);
  if (Math.hypot(dx, dy) > 30)
    throw new Error(`the found node is ${dx.toFixed(0)},${dy.toFixed(0)} px off centre`);
  if (found.zoom < 1) throw new Error(`the found node is shown at ${found.zoom} zoom`);
  const up = await frame.locator('g.node.up').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-id')));
  const down = await frame
    .locator('g.node.down')
    .evaluateAll((gs) => gs.map((g) => g.getAttribute('data-id')));
  for (const want of ['HelmRelease/checkout/postgres', 'HelmRelease/cert-manager/cert-manager'])
    if (!up.includes(want)) throw new Error(`${want} is not lit as a dependency: ${up}`);
  for (const want of ['HelmRelease/checkout/orders-worker', 'HelmRelease/checkout/orders-cron'])
    if (!down.includes(want)) throw new Error(`${want} is not lit as a dependent: ${down}`);
  if (down.includes('HelmRelease/checkout/ledger-api')) throw new Error('an unrelated node is lit');
  if (!(await node.getAttribute('class')).includes('match')) throw new Error('the found node is not marked');
  await shot(page, 'dependency-graph-300');

  // One namespace alone, with what it waits for from other namespaces.
  await frame.locator('#namespace').selectOption('checkout');
  await frame.locator('body:not([data-nodes="300"])').waitFor({ timeout: 10_000 });
  const alone = await read();
  const own = alone.boxes.filter((b) => b.id.split('/')[1] === 'checkout').length;
  if (own !== 33) throw new Error(`namespace checkout shows ${own} of its 33 objects`);
  if (alone.overlaps.length) throw new Error(`boxes overlap: ${alone.overlaps.slice(0, 5).join('; ')}`);
  await shot(page, 'graph-300-namespace');
  await frame.locator('#namespace').selectOption('');
  await frame.locator('body[data-nodes="300"]').waitFor({ timeout: 10_000 });
  return {
    shownMs,
    firstZoom: first.zoom,
    nameHeightPx: Number(first.nameHeightPx.toFixed(1)),
    zoomOut: out.zoom,
    wheel: wheeled.zoom,
    fit: fitted.zoom,
    up: up.length,
    down: down.length,
    checkout: { nodes: alone.nodes, own },
  };
}
