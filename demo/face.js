// The face detection page: BlazeFace on a picked/dropped image, a synthetic test image or the webcam.

import {
  backendOrder, catchPageErrors, clearErrors, fillBackendSelect, formatMs, modelList, nextFrame, progressBar, runtime, showError,
} from './common.js';
import {
  KEYPOINT_NAMES, blazeFaceConfig, decodeDetections, gatherOutputs, generateAnchors, letterbox, nonMaxSuppression, toInputTensor,
} from './blazeface.js';

const $ = (id) => document.getElementById(id);
const ui = {
  model: $('model'), backend: $('backend'), threshold: $('threshold'), thresholdValue: $('threshold-value'), nms: $('nms'),
  file: $('file'), synthetic: $('synthetic'), webcam: $('webcam'), webcamNote: $('webcam-note'),
  view: $('view'), drop: $('drop'), placeholder: $('placeholder'), video: $('video'),
  backendStat: $('stat-backend'), time: $('stat-time'), prepost: $('stat-prepost'), faces: $('stat-faces'), input: $('stat-input'),
  detections: $('detections'),
};
const progress = progressBar($('progress'), $('progress-label'));
const setState = (s) => { document.body.dataset.state = s; };

/** What the page holds; also read by the browser test (window.faceDemo). */
const state = {
  models: [],
  runner: null,
  model: null,     // { inputName, size, layout, anchors, config }
  usable: [],
  source: null,    // the current still image (canvas, image or bitmap)
  webcam: null,    // MediaStream while the webcam runs
  busy: null,      // the detection in flight
  lastInput: null, // the last input tensor (Float32Array)
  lastOutputs: null,
  lastResult: null,
};

const KEYPOINT_COLORS = ['#ff3b30', '#ff9500', '#34c759', '#007aff', '#af52de', '#5ac8fa'];

const scratch = document.createElement('canvas');
const scratchCtx = scratch.getContext('2d', { willReadFrequently: true });

async function init() {
  catchPageErrors();
  $('legend').replaceChildren(...KEYPOINT_NAMES.map((name, i) => {
    const span = document.createElement('span');
    const dot = document.createElement('i');
    dot.style.background = KEYPOINT_COLORS[i];
    span.append(dot, name);
    return span;
  }));
  ui.threshold.addEventListener('input', () => {
    ui.thresholdValue.textContent = Number(ui.threshold.value).toFixed(2);
    redetect();
  });
  ui.nms.addEventListener('change', redetect);
  ui.model.addEventListener('change', () => loadModel().catch((e) => showError(e, 'loading the model')));
  ui.backend.addEventListener('change', () => loadModel().catch((e) => showError(e, 'loading the model')));
  ui.file.addEventListener('change', () => ui.file.files[0] && openFile(ui.file.files[0]));
  ui.synthetic.addEventListener('click', () => useSynthetic());
  ui.webcam.addEventListener('click', () => toggleWebcam());
  ui.drop.addEventListener('dragover', (e) => { e.preventDefault(); ui.drop.classList.add('over'); });
  ui.drop.addEventListener('dragleave', () => ui.drop.classList.remove('over'));
  ui.drop.addEventListener('drop', (e) => {
    e.preventDefault();
    ui.drop.classList.remove('over');
    const f = [...(e.dataTransfer?.files ?? [])].find((x) => x.type.startsWith('image/'));
    if (f) openFile(f); else showError('the dropped item is not an image file');
  });
  await describeWebcam();

  state.models = (await modelList()).filter((m) => m.group === 'face');
  if (state.models.length === 0) throw new Error('models.json lists no face model; `webdnn demo` compiles BlazeFace');
  for (const m of state.models) {
    const opt = new Option(m.error ? `${m.title} (failed to compile)` : m.title, m.name);
    opt.disabled = Boolean(m.error);
    ui.model.append(opt);
    if (m.error) showError(m.error, `${m.name} was not compiled`);
  }
  const first = state.models.find((m) => !m.error);
  if (!first) throw new Error('no face model could be compiled (see above)');
  ui.model.value = first.name;
  state.usable = await fillBackendSelect(ui.backend, first.backends);
  if (state.usable.length === 0) throw new Error(`this browser can run none of the package's backends (${first.backends.join(', ')})`);
  await loadModel();
}

async function loadModel() {
  stopWebcamLoop();
  await state.busy;
  const info = state.models.find((m) => m.name === ui.model.value);
  state.runner?.dispose();
  state.runner = null;
  setState('loading');
  progress.show(`loading ${info.title}…`);
  const { load } = await runtime();
  const t0 = performance.now();
  const runner = await load(info.path, {
    backendOrder: backendOrder(ui.backend.value),
    onProgress: (loaded, total) => progress.update(loaded, total, 'weights'),
  });
  const input = runner.inputs[0];
  // The ONNX input says the layout: [1,S,S,3] is NHWC (this conversion), [1,3,S,S] would be NCHW.
  const layout = input.shape[3] === 3 ? 'NHWC' : input.shape[1] === 3 ? 'NCHW' : null;
  if (!layout || input.shape[1 + (layout === 'NHWC' ? 0 : 1)] !== input.shape[2 + (layout === 'NHWC' ? 0 : 1)]) {
    throw new Error(`unexpected BlazeFace input ${input.name} [${input.shape.join(',')}]`);
  }
  const size = layout === 'NHWC' ? input.shape[1] : input.shape[2];
  const config = blazeFaceConfig(size);
  state.model = { inputName: input.name, shape: input.shape, size, layout, config, anchors: generateAnchors(size, config.strides) };
  state.runner = runner;
  ui.backendStat.textContent = runner.backend;
  ui.input.textContent = `${input.name} f32[${input.shape.join(',')}] ${layout}, RGB in [-1, 1]`;
  progress.done(`${info.title} loaded on ${runner.backend} in ${formatMs(performance.now() - t0)}` +
    (runner.skipped?.length ? ` (skipped: ${runner.skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ')})` : ''));
  setState('ready');
  if (state.source) await detect(state.source);
}

/** Runs the model on a source (image, canvas or video) and draws the result. */
async function detect(source) {
  if (!state.runner) return null;
  const job = (async () => {
    await state.busy;
    clearErrorsIfIdle();
    setState('running');
    const { size, layout, inputName, shape, anchors, config } = state.model;
    const w = source.videoWidth || source.naturalWidth || source.width;
    const h = source.videoHeight || source.naturalHeight || source.height;
    const t0 = performance.now();
    const lb = letterbox(w, h, size);
    scratch.width = size;
    scratch.height = size;
    scratchCtx.fillStyle = '#000';
    scratchCtx.fillRect(0, 0, size, size);
    scratchCtx.drawImage(source, lb.dx, lb.dy, w * lb.scale, h * lb.scale);
    const input = toInputTensor(scratchCtx.getImageData(0, 0, size, size).data, size, layout);
    const preMs = performance.now() - t0;
    ui.time.textContent = `running on ${state.runner.backend}…`;
    await nextFrame();
    const t1 = performance.now();
    const outputs = await state.runner.run({ [inputName]: { data: input, shape } });
    const t2 = performance.now();
    const { scores, boxes } = gatherOutputs(outputs, anchors.length / 2);
    const threshold = Number(ui.threshold.value);
    const raw = decodeDetections(scores, boxes, anchors, size, threshold);
    const faces = nonMaxSuppression(raw, config.iouThreshold, ui.nms.value);
    const t3 = performance.now();
    draw(source, w, h, faces, lb);
    state.lastInput = input;
    state.lastOutputs = outputs;
    state.lastResult = { faces, candidates: raw.length, runMs: t2 - t1, prePostMs: preMs + (t3 - t2), backend: state.runner.backend };
    ui.time.textContent = formatMs(t2 - t1);
    ui.prepost.textContent = formatMs(preMs + (t3 - t2));
    ui.faces.textContent = `${faces.length} (from ${raw.length} anchors above ${threshold.toFixed(2)})`;
    ui.detections.replaceChildren(...faces.map((f, i) => {
      const li = document.createElement('li');
      const p = lb.toImage(f.xmin, f.ymin);
      const q = lb.toImage(f.xmax, f.ymax);
      li.textContent = `face ${i + 1}: score ${f.score.toFixed(3)}, box ${Math.round(p.x)},${Math.round(p.y)}–${Math.round(q.x)},${Math.round(q.y)}`;
      return li;
    }));
    setState('done');
    return state.lastResult;
  })();
  state.busy = job.catch(() => null);
  try {
    return await job;
  } catch (e) {
    showError(e, 'detection failed');
    return null;
  }
}

function clearErrorsIfIdle() {
  if (document.body.dataset.state !== 'error') return;
  clearErrors();
}

function draw(source, w, h, faces, lb) {
  const maxW = 640;
  const maxH = 480;
  const k = Math.min(maxW / w, maxH / h, 2);
  ui.view.width = Math.round(w * k);
  ui.view.height = Math.round(h * k);
  ui.placeholder.hidden = true;
  const ctx = ui.view.getContext('2d');
  ctx.drawImage(source, 0, 0, ui.view.width, ui.view.height);
  ctx.lineWidth = 2;
  ctx.font = '13px system-ui, sans-serif';
  for (const f of faces) {
    const p = lb.toImage(f.xmin, f.ymin);
    const q = lb.toImage(f.xmax, f.ymax);
    ctx.strokeStyle = '#00e5ff';
    ctx.strokeRect(p.x * k, p.y * k, (q.x - p.x) * k, (q.y - p.y) * k);
    const label = `${(f.score * 100).toFixed(0)}%`;
    ctx.fillStyle = '#00e5ff';
    ctx.fillRect(p.x * k - 1, p.y * k - 18, ctx.measureText(label).width + 8, 18);
    ctx.fillStyle = '#000';
    ctx.fillText(label, p.x * k + 3, p.y * k - 5);
    f.keypoints.forEach((kp, i) => {
      const pt = lb.toImage(kp.x, kp.y);
      ctx.fillStyle = KEYPOINT_COLORS[i];
      ctx.beginPath();
      ctx.arc(pt.x * k, pt.y * k, 4, 0, 2 * Math.PI);
      ctx.fill();
      ctx.strokeStyle = '#fff';
      ctx.lineWidth = 1;
      ctx.stroke();
      ctx.lineWidth = 2;
    });
  }
}

function redetect() {
  if (state.source && !state.webcam) detect(state.source);
}

async function openFile(file) {
  stopWebcamLoop();
  try {
    const bitmap = await createImageBitmap(file);
    state.source = bitmap;
    await detect(bitmap);
  } catch (e) {
    showError(e, `cannot open ${file.name}`);
  }
}

/**
 * A drawn, face-like test picture (no photo ships with the demo). It exercises the whole path:
 * preprocessing, the model, decoding and drawing; a cartoon is not a photo, so expect low scores.
 */
export function drawSyntheticFace(width = 480, height = 360) {
  const c = document.createElement('canvas');
  c.width = width;
  c.height = height;
  const g = c.getContext('2d');
  const bg = g.createLinearGradient(0, 0, 0, height);
  bg.addColorStop(0, '#8fb8d8');
  bg.addColorStop(1, '#d9e4ec');
  g.fillStyle = bg;
  g.fillRect(0, 0, width, height);
  const cx = width / 2;
  const cy = height * 0.48;
  const r = height * 0.26;
  const ellipse = (x, y, rx, ry, fill) => { g.fillStyle = fill; g.beginPath(); g.ellipse(x, y, rx, ry, 0, 0, 2 * Math.PI); g.fill(); };
  // shoulders and neck
  ellipse(cx, height * 1.05, r * 2.1, r * 0.9, '#3b5b7a');
  g.fillStyle = '#c98f6b';
  g.fillRect(cx - r * 0.35, cy + r * 0.8, r * 0.7, r * 0.6);
  // ears, head, hair
  ellipse(cx - r * 0.8, cy + r * 0.05, r * 0.17, r * 0.28, '#d29a75');
  ellipse(cx + r * 0.8, cy + r * 0.05, r * 0.17, r * 0.28, '#d29a75');
  const skin = g.createRadialGradient(cx - r * 0.2, cy - r * 0.2, r * 0.1, cx, cy, r * 1.1);
  skin.addColorStop(0, '#f1c6a6');
  skin.addColorStop(1, '#cf9673');
  ellipse(cx, cy, r * 0.8, r * 1.02, skin);
  g.fillStyle = '#3a2618';
  g.beginPath();
  g.ellipse(cx, cy - r * 0.55, r * 0.84, r * 0.55, 0, Math.PI, 2 * Math.PI);
  g.fill();
  // eyebrows, eyes
  g.strokeStyle = '#3a2618';
  g.lineWidth = r * 0.07;
  g.lineCap = 'round';
  for (const s of [-1, 1]) {
    g.beginPath();
    g.moveTo(cx + s * r * 0.18, cy - r * 0.3);
    g.quadraticCurveTo(cx + s * r * 0.33, cy - r * 0.38, cx + s * r * 0.5, cy - r * 0.3);
    g.stroke();
    ellipse(cx + s * r * 0.33, cy - r * 0.12, r * 0.14, r * 0.075, '#fff');
    ellipse(cx + s * r * 0.33, cy - r * 0.12, r * 0.065, r * 0.065, '#4a3020');
    ellipse(cx + s * r * 0.33, cy - r * 0.12, r * 0.03, r * 0.03, '#000');
  }
  // nose, mouth
  g.strokeStyle = '#a86a4c';
  g.lineWidth = r * 0.045;
  g.beginPath();
  g.moveTo(cx, cy - r * 0.05);
  g.lineTo(cx - r * 0.08, cy + r * 0.25);
  g.lineTo(cx + r * 0.06, cy + r * 0.28);
  g.stroke();
  g.strokeStyle = '#a4403a';
  g.lineWidth = r * 0.07;
  g.beginPath();
  g.moveTo(cx - r * 0.25, cy + r * 0.5);
  g.quadraticCurveTo(cx, cy + r * 0.62, cx + r * 0.25, cy + r * 0.5);
  g.stroke();
  return c;
}

async function useSynthetic() {
  stopWebcamLoop();
  state.source = drawSyntheticFace();
  return detect(state.source);
}

async function describeWebcam() {
  if (!navigator.mediaDevices?.getUserMedia) {
    ui.webcam.disabled = true;
    ui.webcamNote.textContent = window.isSecureContext
      ? 'This browser offers no camera access (getUserMedia).'
      : 'Camera access needs a secure page (https:// or http://127.0.0.1).';
    return;
  }
  try {
    const devices = await navigator.mediaDevices.enumerateDevices();
    if (!devices.some((d) => d.kind === 'videoinput')) {
      ui.webcam.disabled = true;
      ui.webcamNote.textContent = 'No webcam found on this device.';
    }
  } catch {
    // Enumeration may need permission first; the button will ask.
  }
}

async function toggleWebcam() {
  if (state.webcam) {
    stopWebcamLoop();
    return;
  }
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480, facingMode: 'user' }, audio: false });
  } catch (e) {
    const why = e.name === 'NotFoundError' ? 'No webcam found on this device.'
      : e.name === 'NotAllowedError' ? 'Camera permission was denied.'
        : `The webcam could not be opened: ${e.message}`;
    ui.webcamNote.textContent = why;
    return;
  }
  state.webcam = stream;
  ui.video.srcObject = stream;
  await ui.video.play();
  ui.webcam.textContent = 'Stop webcam';
  ui.webcamNote.textContent = '';
  while (state.webcam === stream) {
    await detect(ui.video);
    await nextFrame();
  }
}

function stopWebcamLoop() {
  if (!state.webcam) return;
  for (const t of state.webcam.getTracks()) t.stop();
  state.webcam = null;
  ui.video.srcObject = null;
  ui.webcam.textContent = 'Start webcam';
}

// For the browser test and the console: run on the synthetic image and read the raw tensors.
window.faceDemo = {
  state,
  ready: init().then(() => true, (e) => { showError(e); return false; }),
  detectSynthetic: useSynthetic,
};
