// The page of "Flux: Show Dependency Graph". The extension host lays the graph out and sends the
// drawing (SVG with every text escaped); this script inserts it, pans and zooms it, shows a node's
// details, why it is blocked and its dependency chain, and asks the host to search, to show one
// namespace, to open or reveal things. No network, no other script.
// @ts-check
(function () {
  // eslint-disable-next-line no-undef
  const vscode = acquireVsCodeApi();
  const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
  const canvas = $('canvas');
  const details = $('details');
  const sourceEdges = /** @type {HTMLInputElement} */ ($('sourceEdges'));
  const search = /** @type {HTMLInputElement} */ ($('search'));
  const namespace = /** @type {HTMLSelectElement} */ ($('namespace'));
  /** Below this zoom a node's 12 px name is drawn under 10 px: the first view is never smaller. */
  const READABLE = 0.85;
  let graph = null;
  let selected = vscode.getState()?.selected ?? null;
  // Screen = graph * k + (x, y).
  const view = { k: 1, x: 0, y: 0 };
  // What redraws and resizes keep: 'first' (the first view), 'fit' (the whole graph, after Fit),
  // 'user' (the view as the user panned or zoomed it).
  let mode = 'first';
  let matches = [];
  let matchAt = 0;
  const legendAt = {};

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    for (const c of children) e.append(c);
    return e;
  }
  const svg = () => canvas.querySelector('svg');
  const nodeEl = (id) => canvas.querySelector(`g.node[data-id="${CSS.escape(id)}"]`);
  const size = () => {
    const s = svg();
    return { w: Number(s?.dataset.width || 0), h: Number(s?.dataset.height || 0) };
  };

  // The canvas size the view was last set for (see the ResizeObserver below).
  let canvasSize = { w: 0, h: 0 };

  function apply() {
    const s = svg();
    if (!s) return;
    canvasSize = { w: canvas.clientWidth, h: canvas.clientHeight };
    s.querySelector('#viewport')?.setAttribute(
      'transform',
      `translate(${view.x.toFixed(1)},${view.y.toFixed(1)}) scale(${view.k.toFixed(4)})`,
    );
    // Far out the names cannot be read: the boxes are filled with their state's colour instead.
    s.classList.toggle('far', view.k < 0.45);
    $('zoomLevel').textContent = `${Math.round(view.k * 100)}%`;
    document.body.dataset.zoom = view.k.toFixed(4);
  }

  function fit() {
    const { w, h } = size();
    if (!w || !h) return;
    view.k = Math.min(1, canvas.clientWidth / w, canvas.clientHeight / h);
    view.x = (canvas.clientWidth - w * view.k) / 2;
    view.y = Math.max(0, (canvas.clientHeight - h * view.k) / 2);
    apply();
  }

  /** A node's box in graph coordinates. */
  function boxOf(g) {
    const m = /translate\(([-\d.]+),([-\d.]+)\)/.exec(g.getAttribute('transform') || '');
    const r = g.querySelector('rect');
    if (!m || !r) return undefined;
    const w = Number(r.getAttribute('width'));
    const h = Number(r.getAttribute('height'));
    return { x: Number(m[1]), y: Number(m[2]), w, h };
  }

  /**
   * The first view: the whole graph if it can be read so; else, at 100%, the selected object in
   * the middle, else the first failing one (then the first waiting one), else the top left corner.
   */
  function firstView() {
    const { w, h } = size();
    if (Math.min(canvas.clientWidth / w, canvas.clientHeight / h) >= READABLE) return fit();
    const bad = canvas.querySelector('g.node.failed') ?? canvas.querySelector('g.node.waiting');
    view.k = 1;
    if (selected && nodeEl(selected)) return centreOn(selected, false);
    if (bad) return centreOn(bad.getAttribute('data-id'), false);
    let best;
    for (const g of canvas.querySelectorAll('g.node')) {
      const b = boxOf(g);
      if (b && (!best || b.x + b.y < best.x + best.y)) best = b;
    }
    Object.assign(view, { k: 1, x: best ? 24 - best.x : 0, y: best ? 24 - best.y : 0 });
    apply();
  }

  function zoomAt(f, cx = canvas.clientWidth / 2, cy = canvas.clientHeight / 2) {
    const k = Math.min(3, Math.max(0.05, view.k * f));
    view.x = cx - ((cx - view.x) * k) / view.k;
    view.y = cy - ((cy - view.y) * k) / view.k;
    view.k = k;
    mode = 'user';
    apply();
  }

  /** Centres a node, zoomed in to 100% when the view is further out. */
  function centreOn(id, byUser = true) {
    const g = nodeEl(id);
    const b = g && boxOf(g);
    if (!b) return;
    view.k = Math.max(view.k, 1);
    view.x = canvas.clientWidth / 2 - (b.x + b.w / 2) * view.k;
    view.y = canvas.clientHeight / 2 - (b.y + b.h / 2) * view.k;
    if (byUser) mode = 'user';
    apply();
  }

  function clearChain() {
    svg()?.classList.remove('focus');
    for (const e of canvas.querySelectorAll('.up, .down, .lit')) e.classList.remove('up', 'down', 'lit');
  }

  function select(id) {
    selected = id;
    vscode.setState({ selected });
    clearChain();
    for (const g of canvas.querySelectorAll('g.node')) {
      g.classList.toggle('selected', g.getAttribute('data-id') === id);
      g.classList.remove('chain');
    }
    const n = id && graph ? graph.nodes[id] : undefined;
    details.replaceChildren();
    details.hidden = !n;
    if (!n) return;
    vscode.postMessage({ type: 'lineage', id });
    details.append(
      el('h2', {}, `${n.kind} ${n.namespace}/${n.name}`),
      el('p', { class: `state ${n.cls}`, id: 'detailState' }, n.state),
    );
    if (n.revision) details.append(el('p', { class: 'revision' }, n.revision));
    if (n.message) details.append(el('p', { class: 'message' }, n.message));
    if (n.blocked) {
      const list = el('ol', { id: 'chain' });
      for (const c of n.blocked.chain) {
        list.append(el('li', {}, el('a', { href: '#', 'data-id': c }, c)));
        nodeEl(c)?.classList.add('chain');
      }
      details.append(
        el('h3', {}, 'Why blocked'),
        list,
        el('p', { class: 'root', id: 'blockedRoot' }, n.blocked.message),
      );
    }
    details.append(el('p', { class: 'lineage', id: 'lineage' }));
    const actions = el('p', { class: 'actions' });
    if (n.canReveal) actions.append(el('button', { 'data-action': 'reveal' }, 'Show in Flux View'));
    if (n.canOpen) actions.append(el('button', { 'data-action': 'open' }, 'Go to Definition'));
    details.append(actions);
  }

  function showLineage(m) {
    if (m.id !== selected) return;
    clearChain();
    const lit = new Set([m.id, ...m.up, ...m.down]);
    for (const id of m.up) nodeEl(id)?.classList.add('up');
    for (const id of m.down) nodeEl(id)?.classList.add('down');
    for (const p of canvas.querySelectorAll('path.edge'))
      if (lit.has(p.getAttribute('data-from')) && lit.has(p.getAttribute('data-to'))) p.classList.add('lit');
    svg()?.classList.add('focus');
    const line = document.getElementById('lineage');
    if (line) line.textContent = `waits for ${m.up.length}, ${m.down.length} wait for it (highlighted)`;
  }

  function goTo(id) {
    select(id);
    centreOn(id);
  }

  function showMatches(m) {
    if (m.query !== search.value) return;
    for (const g of canvas.querySelectorAll('g.node.match')) g.classList.remove('match');
    matches = m.ids;
    matchAt = 0;
    for (const id of matches) nodeEl(id)?.classList.add('match');
    $('matches').textContent = !search.value ? '' : matches.length ? `1 of ${matches.length}` : 'none';
    if (matches.length) goTo(matches[0]);
  }

  function nextMatch(step) {
    if (!matches.length) return;
    matchAt = (matchAt + step + matches.length) % matches.length;
    $('matches').textContent = `${matchAt + 1} of ${matches.length}`;
    goTo(matches[matchAt]);
  }

  canvas.addEventListener('click', (e) => {
    if (dragged) return;
    const g = /** @type {Element} */ (e.target).closest('g.node');
    select(g ? g.getAttribute('data-id') : null);
  });
  // Drag the background to pan; the wheel zooms around the pointer (Shift+wheel pans).
  let drag = null;
  let dragged = false;
  canvas.addEventListener('pointerdown', (e) => {
    if (e.button !== 0) return;
    drag = { x: e.clientX, y: e.clientY, vx: view.x, vy: view.y };
    dragged = false;
  });
  canvas.addEventListener('pointermove', (e) => {
    if (!drag) return;
    const dx = e.clientX - drag.x;
    const dy = e.clientY - drag.y;
    if (!dragged && Math.hypot(dx, dy) < 4) return;
    if (!dragged) canvas.setPointerCapture(e.pointerId);
    dragged = true;
    view.x = drag.vx + dx;
    view.y = drag.vy + dy;
    mode = 'user';
    apply();
  });
  const endDrag = () => {
    drag = null;
    setTimeout(() => (dragged = false));
  };
  canvas.addEventListener('pointerup', endDrag);
  canvas.addEventListener('pointercancel', endDrag);
  canvas.addEventListener(
    'wheel',
    (e) => {
      e.preventDefault();
      if (e.shiftKey) {
        view.x -= e.deltaX || e.deltaY;
        mode = 'user';
        apply();
        return;
      }
      const r = canvas.getBoundingClientRect();
      zoomAt(Math.exp(-e.deltaY * 0.0015), e.clientX - r.left, e.clientY - r.top);
    },
    { passive: false },
  );
  document.addEventListener('keydown', (e) => {
    if (e.target === search) {
      if (e.key === 'Enter') nextMatch(e.shiftKey ? -1 : 1);
      if (e.key === 'Escape') search.blur();
      return;
    }
    if (/** @type {Element} */ (e.target).closest('input, select, button')) return;
    const g = /** @type {Element} */ (e.target).closest('g.node');
    const pan = { ArrowLeft: [80, 0], ArrowRight: [-80, 0], ArrowUp: [0, 80], ArrowDown: [0, -80] }[e.key];
    if (g && (e.key === 'Enter' || e.key === ' ')) select(g.getAttribute('data-id'));
    else if (e.key === '+' || e.key === '=') zoomAt(1.25);
    else if (e.key === '-') zoomAt(1 / 1.25);
    else if (e.key === '0') {
      mode = 'fit';
      fit();
    } else if (e.key === '1') zoomAt(1 / view.k);
    else if (e.key === '/') search.focus();
    else if (e.key === 'Escape') select(null);
    else if (pan) {
      view.x += pan[0];
      view.y += pan[1];
      mode = 'user';
      apply();
    } else return;
    e.preventDefault();
  });
  details.addEventListener('click', (e) => {
    const t = /** @type {HTMLElement} */ (e.target);
    const action = t.getAttribute('data-action');
    if (action && selected) vscode.postMessage({ type: action, id: selected });
    const jump = t.tagName === 'A' ? t.getAttribute('data-id') : null;
    if (jump) {
      e.preventDefault();
      goTo(jump);
    }
  });
  $('legend').addEventListener('click', (e) => {
    const cls = /** @type {HTMLElement} */ (e.target).closest('button')?.getAttribute('data-cls');
    const all = cls ? [...canvas.querySelectorAll(`g.node.${cls}`)] : [];
    if (!all.length) return;
    legendAt[cls] = ((legendAt[cls] ?? -1) + 1) % all.length;
    goTo(all[legendAt[cls]].getAttribute('data-id'));
  });
  let searchTimer;
  search.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => vscode.postMessage({ type: 'search', query: search.value }), 120);
  });
  namespace.addEventListener('change', () =>
    vscode.postMessage({ type: 'namespace', namespace: namespace.value }),
  );
  $('refresh').addEventListener('click', () => vscode.postMessage({ type: 'refresh' }));
  $('zoomIn').addEventListener('click', () => zoomAt(1.25));
  $('zoomOut').addEventListener('click', () => zoomAt(1 / 1.25));
  $('zoomFit').addEventListener('click', () => {
    mode = 'fit';
    fit();
  });
  // The details pane and the panel's size change the canvas: a view the user set keeps its middle.
  new ResizeObserver(() => {
    if (mode === 'user' && canvasSize.w) {
      view.x += (canvas.clientWidth - canvasSize.w) / 2;
      view.y += (canvas.clientHeight - canvasSize.h) / 2;
      apply();
    } else if (mode === 'fit') fit();
    else firstView();
  }).observe(canvas);
  sourceEdges.addEventListener('change', () =>
    vscode.postMessage({ type: 'sourceEdges', on: sourceEdges.checked }),
  );

  window.addEventListener('message', (e) => {
    const m = e.data;
    if (m?.type === 'matches') return showMatches(m);
    if (m?.type === 'lineage') return showLineage(m);
    if (!m || m.type !== 'graph') return;
    if (graph && graph.namespace !== m.namespace) mode = 'first';
    graph = m;
    $('title').textContent = m.title;
    $('note').textContent = m.note || '';
    sourceEdges.checked = m.sourceEdges;
    namespace.replaceChildren(
      el('option', { value: '' }, 'all namespaces'),
      ...m.namespaces.map((n) => el('option', { value: n.name }, `${n.name} (${n.count})`)),
    );
    namespace.value = m.namespace;
    for (const b of document.querySelectorAll('#legend button')) {
      const n = m.counts[b.getAttribute('data-cls')] ?? 0;
      b.dataset.count = String(n);
      b.disabled = n === 0;
    }
    // The host escaped every name and message it put into the drawing.
    canvas.innerHTML = m.svg;
    document.body.dataset.nodes = String(Object.keys(m.nodes).length);
    document.body.dataset.origin = m.origin;
    select(selected && m.nodes[selected] ? selected : null);
    if (mode === 'user') apply();
    else if (mode === 'fit') fit();
    else firstView();
    for (const id of matches) nodeEl(id)?.classList.add('match');
  });
  vscode.postMessage({ type: 'ready' });
})();
