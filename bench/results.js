// Renders `webdnn bench --json` results (BenchResult.cs, format webdnn-bench/1) as bar charts per model and backend.
// A JSON file may hold one result or an array of them. Everything from the files is inserted as text, never as HTML.

const out = document.getElementById('out');
const runs = [];

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

const fmt = (ms) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));

function add(json, source) {
  for (const r of Array.isArray(json) ? json : [json]) {
    if (!r || r.format !== 'webdnn-bench/1') throw new Error(`${source}: not a webdnn bench result`);
    runs.push(r);
  }
  render();
}

function render() {
  out.replaceChildren();
  for (const r of runs) {
    const box = el('div', 'model');
    box.appendChild(el('h2', '', `${r.model}`));
    const peers = Object.entries(r.peerVersions ?? {}).map(([k, v]) => `${k} ${v}`).join(', ');
    box.appendChild(el('div', 'meta', `${new Date(r.date).toISOString().slice(0, 16).replace('T', ' ')} · ${r.chromium} · ${r.threads} thread(s) · ${r.runs} runs · ${r.machine} · ${peers} · inputs ${r.inputs.join(', ')}`));
    const byKey = (engine, backend) => r.engines.find((e) => e.engine === engine && e.backend === backend);
    for (const p of r.pairs) {
      const g = el('div', 'group');
      const ratio = p.ratioVsBest != null ? ` · ours / best peer (${p.bestPeer}) = ${p.ratioVsBest.toFixed(2)}×` : '';
      g.appendChild(el('h3', '', `our ${p.backend} vs peers' ${p.peerBackend}${ratio}`));
      const rows = [byKey('webdnn', p.backend), ...Object.keys(p.peerMedianMs).map((k) => byKey(k, p.peerBackend))].filter(Boolean);
      const max = Math.max(1e-9, ...rows.filter((e) => e.medianMs != null && e.status === 'ok').map((e) => e.medianMs));
      for (const e of rows) {
        const row = el('div', 'row');
        row.appendChild(el('div', 'label', `${e.engine === 'webdnn' ? 'webdnn (ours)' : e.engine} ${e.backend}`));
        const track = el('div', 'track');
        let value = '';
        if (e.status === 'ok' && e.medianMs != null) {
          const bar = el('div', `bar ${e.engine}`);
          bar.style.width = `${(100 * e.medianMs) / max}%`;
          track.appendChild(bar);
          const agree = e.agrees === false ? ' · outputs DIFFER' : '';
          value = `${fmt(e.medianMs)} ms (load ${fmt(e.loadMs ?? 0)} ms)${agree}`;
        } else {
          track.appendChild(el('div', 'na', e.status));
        }
        row.appendChild(track);
        row.appendChild(el('div', 'value', value));
        g.appendChild(row);
      }
      box.appendChild(g);
    }
    out.appendChild(box);
  }
  if (!runs.length) out.appendChild(el('p', '', 'No results loaded yet.'));
}

async function fetchJson(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return r.json();
}

async function readFiles(files) {
  for (const f of files) {
    try { add(JSON.parse(await f.text()), f.name); } catch (e) { out.prepend(el('p', 'err', String(e.message ?? e))); }
  }
}

const drop = document.getElementById('drop');
drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => { e.preventDefault(); drop.classList.remove('over'); readFiles(e.dataTransfer.files); });
document.getElementById('pick').addEventListener('change', (e) => readFiles(e.target.files));

(async () => {
  let urls = new URLSearchParams(location.search).getAll('run');
  if (!urls.length) {
    try { urls = (await fetchJson('results/index.json')).map((u) => `results/${u}`); } catch { urls = []; }
  }
  for (const u of urls) {
    try { add(await fetchJson(u), u); } catch (e) { out.prepend(el('p', 'err', String(e.message ?? e))); }
  }
  render();
  window.resultsReady = true;
})();
