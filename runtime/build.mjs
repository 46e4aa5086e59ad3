// Bundles webdnn.mjs: first the wasm backend's worker (src/backends/wasm/worker.ts) on its own, then the runtime with
// that bundle inlined as the string __WEBDNN_WASM_WORKER__ (host.ts starts it from a Blob or data: URL), so the
// package stays one dependency-free file.
import { build } from 'esbuild';

const common = { bundle: true, format: 'esm', target: 'es2022', platform: 'neutral', legalComments: 'none', logLevel: 'warning' };
const worker = await build({ ...common, entryPoints: ['src/backends/wasm/worker.ts'], write: false, minify: true });
await build({
  ...common,
  entryPoints: ['src/index.ts'],
  outfile: 'dist/webdnn.mjs',
  define: { __WEBDNN_WASM_WORKER__: JSON.stringify(worker.outputFiles[0].text) },
});
