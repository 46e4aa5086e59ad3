// Shared helpers of the demo pages: the runtime import, the model list, errors on the page, progress bars.

/** Shows every uncaught error and rejected promise in the page's error box, not only in the console. */
export function catchPageErrors() {
  window.addEventListener('error', (e) => showError(e.error ?? e.message));
  window.addEventListener('unhandledrejection', (e) => showError(e.reason));
}

/** Puts an error message into #error (and the console). */
export function showError(err, context) {
  const box = document.getElementById('error');
  const message = err instanceof Error ? err.message : String(err);
  console.error(context ? `${context}: ` : '', err);
  if (!box) return;
  box.hidden = false;
  const line = document.createElement('div');
  line.textContent = context ? `${context}: ${message}` : message;
  box.append(line);
  document.body.dataset.state = 'error';
}

export function clearErrors() {
  const box = document.getElementById('error');
  if (box) {
    box.replaceChildren();
    box.hidden = true;
  }
}

let runtimePromise = null;

/** The webdnn.mjs runtime module, which `webdnn demo` copies next to the pages. */
export function runtime() {
  runtimePromise ??= import('./webdnn.mjs').catch((e) => {
    throw new Error(`cannot load the WebDNN runtime (webdnn.mjs): ${e.message}. This folder is prepared by \`webdnn demo\`, which copies it here.`);
  });
  return runtimePromise;
}

/** The list of compiled models written by `webdnn demo` (models.json). */
export async function modelList() {
  let res;
  try {
    res = await fetch('models.json');
  } catch (e) {
    throw new Error(`cannot fetch models.json: ${e.message}`);
  }
  if (!res.ok) {
    throw new Error(`models.json: HTTP ${res.status}. The models are compiled by \`webdnn demo\`; serve the folder it prints.`);
  }
  return (await res.json()).models;
}

/**
 * Fills a <select> with the backends this browser can run and the package has kernels for, plus "auto"
 * (load() with no backendOrder: the runtime's own ranking, which moves a software WebGPU adapter such as
 * SwiftShader below the CPU backends). Returns the list of usable backends.
 */
export async function fillBackendSelect(select, packageBackends) {
  const { availableBackends } = await runtime();
  const available = await availableBackends();
  const usable = available.filter((b) => !packageBackends || packageBackends.includes(b));
  select.replaceChildren(new Option(usable.length ? 'auto (best here)' : 'auto (none usable)', 'auto'), ...usable.map((b) => new Option(b, b)));
  return usable;
}

/**
 * The backendOrder option for a selector value: undefined for "auto", so that load() ranks the backends itself
 * (an explicit order is taken as given, software WebGPU included); the package's missing backends are skipped by load().
 */
export const backendOrder = (value) => (value === 'auto' ? undefined : [value]);

/** A progress bar: <progress> plus a label. */
export function progressBar(bar, label) {
  return {
    show(text) {
      bar.hidden = false;
      bar.removeAttribute('value');
      label.textContent = text;
    },
    update(loaded, total, text) {
      bar.hidden = false;
      bar.max = total || 1;
      bar.value = loaded;
      label.textContent = `${text} ${formatBytes(loaded)} / ${formatBytes(total)}`;
    },
    done(text) {
      bar.hidden = true;
      label.textContent = text;
    },
  };
}

export function formatBytes(n) {
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(0)} KiB`;
  return `${n} B`;
}

export function formatMs(ms) {
  if (ms >= 10000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  return `${ms.toFixed(1)} ms`;
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Lets the browser paint before long synchronous work (the js backend blocks the main thread). */
export const nextFrame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
