// The page of "Flux: Show Dependency Graph". The extension host lays the graph out and sends the
// drawing (SVG with every text escaped); this script inserts it, shows a node's details and why it
// is blocked, and asks the host to open or reveal things. No network, no other script.
// @ts-check
(function () {
  // eslint-disable-next-line no-undef
  const vscode = acquireVsCodeApi();
  const canvas = /** @type {HTMLElement} */ (document.getElementById('canvas'));
  const details = /** @type {HTMLElement} */ (document.getElementById('details'));
  const sourceEdges = /** @type {HTMLInputElement} */ (document.getElementById('sourceEdges'));
  let graph = null;
  let selected = vscode.getState()?.selected ?? null;
  let zoom = 1;
  // Fitted to the canvas until the user zooms; then left as they set it.
  let userZoomed = false;

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    for (const c of children) e.append(c);
    return e;
  }

  function applyZoom() {
    const svg = canvas.querySelector('svg');
    if (!svg) return;
    svg.style.width = `${Number(svg.getAttribute('width')) * zoom}px`;
    svg.style.height = `${Number(svg.getAttribute('height')) * zoom}px`;
  }

  function fit() {
    const svg = canvas.querySelector('svg');
    if (!svg) return;
    const w = Number(svg.getAttribute('width'));
    const h = Number(svg.getAttribute('height'));
    zoom = Math.min(1, canvas.clientWidth / w, Math.max(canvas.clientHeight, 200) / h);
    applyZoom();
  }

  function select(id) {
    selected = id;
    vscode.setState({ selected });
    for (const g of canvas.querySelectorAll('g.node')) {
      g.classList.toggle('selected', g.getAttribute('data-id') === id);
      g.classList.remove('chain');
    }
    const n = id && graph ? graph.nodes[id] : undefined;
    details.replaceChildren();
    details.hidden = !n;
    if (!n) return;
    details.append(
      el('h2', {}, `${n.kind} ${n.namespace}/${n.name}`),
      el('p', { class: `state ${n.cls}`, id: 'detailState' }, n.state),
    );
    if (n.revision) details.append(el('p', { class: 'revision' }, n.revision));
    if (n.message) details.append(el('p', { class: 'message' }, n.message));
    if (n.blocked) {
      const list = el('ol', { id: 'chain' });
      for (const c of n.blocked.chain) {
        const a = el('a', { href: '#', 'data-id': c }, c);
        list.append(el('li', {}, a));
        canvas.querySelector(`g.node[data-id="${CSS.escape(c)}"]`)?.classList.add('chain');
      }
      details.append(
        el('h3', {}, 'Why blocked'),
        list,
        el('p', { class: 'root', id: 'blockedRoot' }, n.blocked.message),
      );
    }
    const actions = el('p', { class: 'actions' });
    if (n.canReveal) actions.append(el('button', { 'data-action': 'reveal' }, 'Show in Flux View'));
    if (n.canOpen) actions.append(el('button', { 'data-action': 'open' }, 'Go to Definition'));
    details.append(actions);
  }

  function refit() {
    if (!userZoomed) fit();
  }

  canvas.addEventListener('click', (e) => {
    const g = /** @type {Element} */ (e.target).closest('g.node');
    select(g ? g.getAttribute('data-id') : null);
  });
  canvas.addEventListener('keydown', (e) => {
    const g = /** @type {Element} */ (e.target).closest('g.node');
    if (g && (e.key === 'Enter' || e.key === ' ')) select(g.getAttribute('data-id'));
  });
  details.addEventListener('click', (e) => {
    const t = /** @type {HTMLElement} */ (e.target);
    const action = t.getAttribute('data-action');
    if (action && selected) vscode.postMessage({ type: action, id: selected });
    const jump = t.tagName === 'A' ? t.getAttribute('data-id') : null;
    if (jump) {
      e.preventDefault();
      select(jump);
      canvas
        .querySelector(`g.node[data-id="${CSS.escape(jump)}"]`)
        ?.scrollIntoView({ block: 'center', inline: 'center' });
    }
  });
  document
    .getElementById('refresh')
    ?.addEventListener('click', () => vscode.postMessage({ type: 'refresh' }));
  const zoomBy = (f) => {
    userZoomed = true;
    zoom *= f;
    applyZoom();
  };
  document.getElementById('zoomIn')?.addEventListener('click', () => zoomBy(1.25));
  document.getElementById('zoomOut')?.addEventListener('click', () => zoomBy(1 / 1.25));
  document.getElementById('zoomFit')?.addEventListener('click', () => {
    userZoomed = false;
    fit();
  });
  // The details pane and the panel's size change the canvas: fit again.
  new ResizeObserver(refit).observe(canvas);
  sourceEdges.addEventListener('change', () =>
    vscode.postMessage({ type: 'sourceEdges', on: sourceEdges.checked }),
  );

  window.addEventListener('message', (e) => {
    const m = e.data;
    if (!m || m.type !== 'graph') return;
    const first = graph === null;
    graph = m;
    /** @type {HTMLElement} */ (document.getElementById('title')).textContent = m.title;
    /** @type {HTMLElement} */ (document.getElementById('note')).textContent = m.note || '';
    sourceEdges.checked = m.sourceEdges;
    // The host escaped every name and message it put into the drawing.
    canvas.innerHTML = m.svg;
    document.body.dataset.nodes = String(Object.keys(m.nodes).length);
    document.body.dataset.origin = m.origin;
    select(selected && m.nodes[selected] ? selected : null);
    if (first || !userZoomed) fit();
    else applyZoom();
  });
  vscode.postMessage({ type: 'ready' });
})();
