// The gallery page: which backends this browser has and which models `webdnn demo` compiled.

import { catchPageErrors, formatBytes, modelList, runtime, showError } from './common.js';

async function init() {
  catchPageErrors();
  const { availableBackends } = await runtime();
  const available = await availableBackends();
  for (const row of document.querySelectorAll('#backends tr')) {
    const ok = available.includes(row.dataset.backend);
    const cell = row.cells[2];
    cell.textContent = ok ? 'available' : 'not available';
    cell.className = ok ? 'yes' : 'no';
  }
  const models = await modelList();
  const body = document.getElementById('models');
  body.replaceChildren(...models.map((m) => {
    const tr = document.createElement('tr');
    const note = m.error ? `not compiled: ${m.error}` : m.trained ? `trained (${m.license})` : 'untrained weights: timing only';
    const cells = [m.title, m.error ? '–' : formatBytes(m.weightBytes), (m.backends ?? []).join(', ') || '–', note];
    for (const c of cells) tr.append(Object.assign(document.createElement('td'), { textContent: c }));
    if (m.error) tr.className = 'failed';
    return tr;
  }));
  document.body.dataset.state = 'ready';
}

init().catch((e) => showError(e));
