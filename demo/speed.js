// The speed page: time per run of the zoo's networks on each available backend, drawn as horizontal bars.

import {
  catchPageErrors, formatBytes, formatMs, median, modelList, nextFrame, progressBar, runtime, showError,
} from './common.js';

const $ = (id) => document.getElementById(id);
const ui = { models: $('models'), backends: $('backends'), runs: $('runs'), start: $('start'), stop: $('stop'), chart: $('chart'), table: $('table').tBodies[0] };
const progress = progressBar($('progress'), $('progress-label'));
const setState = (s) => { document.body.dataset.state = s; };

// The big networks take minutes per run on the js backend: only the small ones are ticked at first.
const DEFAULT_MODELS = new Set(['squeezenet1_1', 'mobilenet_v2']);
const BACKEND_COLORS = { webgpu: '#7c4dff', wasm: '#00a884', webgl: '#ff9800', js: '#2979ff' };

/** Results by model then backend: { loadMs, firstMs, times: [], error } (read by tests through window.speedDemo). */
const results = new Map();
let models = [];
let stopRequested = false;

async function init() {
  catchPageErrors();
  models = (await modelList()).filter((m) => m.group === 'speed');
  if (models.length === 0) throw new Error('models.json lists no speed model; `webdnn demo` compiles them');
  for (const m of models) {
    const id = `m-${m.name}`;
    const label = document.createElement('label');
    const box = Object.assign(document.createElement('input'), { type: 'checkbox', id, value: m.name });
    box.checked = DEFAULT_MODELS.has(m.name) && !m.error;
    box.disabled = Boolean(m.error);
    label.append(box, ` ${m.title}`);
    const small = document.createElement('small');
    small.textContent = m.error ? ' failed to compile' : ` ${m.gflops ? `${m.gflops} GFLOPs, ` : ''}${formatBytes(m.weightBytes)}`;
    label.append(small);
    ui.models.append(label);
    if (m.error) showError(m.error, `${m.name} was not compiled`);
  }
  const { availableBackends } = await runtime();
  const available = await availableBackends();
  const inPackages = new Set(models.flatMap((m) => m.backends ?? []));
  for (const b of ['webgpu', 'wasm', 'webgl', 'js']) {
    const label = document.createElement('label');
    const box = Object.assign(document.createElement('input'), { type: 'checkbox', value: b });
    const usable = available.includes(b) && inPackages.has(b);
    box.checked = usable;
    box.disabled = !usable;
    label.append(box, ` ${b}`);
    if (!usable) {
      const small = document.createElement('small');
      small.textContent = available.includes(b) ? ' (not in these packages)' : ' (not available here)';
      label.append(small);
    }
    ui.backends.append(label);
  }
  ui.start.addEventListener('click', () => start().catch((e) => showError(e)));
  ui.stop.addEventListener('click', () => { stopRequested = true; progress.show('stopping after the current run…'); });
  setState('ready');
}

const checked = (container) => [...container.querySelectorAll('input:checked')].map((b) => b.value);

/** Deterministic input data in the model's domain (timing does not depend on the values). */
function makeInput(info) {
  const n = info.shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  let s = 12345;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    data[i] = (s >>> 8) / (1 << 24);
  }
  return { data, shape: info.shape };
}

async function start() {
  const chosen = checked(ui.models).map((n) => models.find((m) => m.name === n));
  const backends = checked(ui.backends);
  if (chosen.length === 0 || backends.length === 0) throw new Error('choose at least one model and one backend');
  const runs = Math.max(1, Math.min(50, Number(ui.runs.value) || 3));
  const { load } = await runtime();
  stopRequested = false;
  ui.start.disabled = true;
  ui.stop.disabled = false;
  setState('running');
  results.clear();
  render();
  try {
    for (const m of chosen) {
      for (const b of backends) {
        if (stopRequested) break;
        const r = { loadMs: null, firstMs: null, times: [], error: null };
        if (!results.has(m.name)) results.set(m.name, new Map());
        results.get(m.name).set(b, r);
        let runner = null;
        try {
          progress.show(`loading ${m.title} for ${b}…`);
          const t0 = performance.now();
          runner = await load(m.path, { backendOrder: [b], onProgress: (l, t) => progress.update(l, t, `${m.title} (${b}) weights`) });
          r.loadMs = performance.now() - t0;
          const inputs = Object.fromEntries(runner.inputs.map((i) => [i.name, makeInput(i)]));
          progress.show(`${m.title} on ${b}: warm-up run`);
          await nextFrame();
          const t1 = performance.now();
          await runner.run(inputs);
          r.firstMs = performance.now() - t1;
          render();
          for (let i = 0; i < runs && !stopRequested; i++) {
            progress.show(`${m.title} on ${b}: run ${i + 1} of ${runs}`);
            await nextFrame();
            const t = performance.now();
            await runner.run(inputs);
            r.times.push(performance.now() - t);
            render();
          }
        } catch (e) {
          r.error = e instanceof Error ? e.message : String(e);
          showError(e, `${m.name} on ${b}`);
        } finally {
          runner?.dispose();
        }
        render();
      }
    }
    progress.done(stopRequested ? 'stopped' : 'done');
  } finally {
    ui.start.disabled = false;
    ui.stop.disabled = true;
    if (document.body.dataset.state !== 'error') setState('done');
  }
}

/** Draws the bars (plain DOM and CSS: one row per model and backend, width proportional to the median). */
function render() {
  const rows = [];
  for (const [name, byBackend] of results) {
    for (const [backend, r] of byBackend) rows.push({ model: models.find((m) => m.name === name), backend, r, ms: r.times.length ? median(r.times) : null });
  }
  const max = Math.max(1, ...rows.map((x) => x.ms ?? 0));
  ui.chart.replaceChildren();
  let group = null;
  for (const row of rows) {
    if (group?.dataset.model !== row.model.name) {
      group = document.createElement('div');
      group.className = 'bar-group';
      group.dataset.model = row.model.name;
      const title = document.createElement('div');
      title.className = 'bar-title';
      title.textContent = row.model.title;
      group.append(title);
      ui.chart.append(group);
    }
    const line = document.createElement('div');
    line.className = 'bar-row';
    const label = document.createElement('span');
    label.className = 'bar-label';
    label.textContent = row.backend;
    const track = document.createElement('span');
    track.className = 'bar-track';
    const bar = document.createElement('span');
    bar.className = 'bar';
    bar.style.background = BACKEND_COLORS[row.backend] ?? '#888';
    bar.style.width = `${row.ms ? Math.max(0.5, (100 * row.ms) / max) : 0}%`;
    const value = document.createElement('span');
    value.className = 'bar-value';
    value.textContent = row.r.error ? `error: ${row.r.error}` : row.ms !== null ? `${formatMs(row.ms)} per run` : 'measuring…';
    track.append(bar, value);
    line.append(label, track);
    group.append(line);
  }
  if (rows.length === 0) {
    const p = document.createElement('p');
    p.className = 'note';
    p.textContent = 'Press Start to measure.';
    ui.chart.append(p);
  }
  ui.table.replaceChildren(...rows.map((row) => {
    const tr = document.createElement('tr');
    const cells = [row.model.title, row.backend, row.model.gflops ?? '–',
      row.r.loadMs === null ? '–' : formatMs(row.r.loadMs), row.r.firstMs === null ? '–' : formatMs(row.r.firstMs),
      row.ms === null ? (row.r.error ? 'error' : '–') : formatMs(row.ms), String(row.r.times.length)];
    for (const c of cells) tr.append(Object.assign(document.createElement('td'), { textContent: c }));
    return tr;
  }));
}

window.speedDemo = {
  results,
  ready: init().then(() => true, (e) => { showError(e); return false; }),
  start: () => start(),
};
