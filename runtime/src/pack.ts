// A packed package: one file holding a whole package folder, as a POSIX tar archive (ustar; pax and GNU long-name
// headers are understood), optionally gzip-compressed. `webdnn compile --pack` writes one; `tar -cf model.tar -C DIR .`
// makes the same. Only regular files count; names lose a leading './'.

const BLOCK = 512;

function text(b: Uint8Array, at: number, len: number): string {
  let end = at;
  while (end < at + len && b[end] !== 0) end++;
  return new TextDecoder().decode(b.subarray(at, end));
}

function octal(b: Uint8Array, at: number, len: number, what: string): number {
  const s = text(b, at, len).trim();
  if (!/^[0-7]+$/.test(s)) throw new Error(`webdnn: packed package: bad ${what} field '${s}' at byte ${at}`);
  return parseInt(s, 8);
}

const isGzip = (b: Uint8Array): boolean => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

async function gunzip(b: Uint8Array): Promise<Uint8Array> {
  if (typeof DecompressionStream !== 'function') throw new Error('webdnn: packed package is gzip-compressed but this environment has no DecompressionStream');
  const stream = new Blob([b as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** The files of a packed package by name (views into the archive, not copies). */
export async function unpack(bytes: Uint8Array): Promise<Map<string, Uint8Array>> {
  const b = isGzip(bytes) ? await gunzip(bytes) : bytes;
  if (b.length < BLOCK || text(b, 257, 5) !== 'ustar') {
    throw new Error('webdnn: not a packed model package: expected a tar archive (`webdnn compile --pack`), or pass the package folder\'s URL');
  }
  const files = new Map<string, Uint8Array>();
  let longName: string | null = null;
  for (let at = 0; at + BLOCK <= b.length;) {
    if (b.subarray(at, at + BLOCK).every((x) => x === 0)) break;
    const size = octal(b, at + 124, 12, 'size');
    const type = String.fromCharCode(b[at + 156] || 0x30);
    const start = at + BLOCK;
    if (start + size > b.length) throw new Error(`webdnn: packed package is truncated: an entry needs ${size} bytes at byte ${start}, the archive has ${b.length}`);
    const data = b.subarray(start, start + size);
    const prefix = text(b, at + 345, 155);
    let name = longName ?? (prefix ? `${prefix}/${text(b, at, 100)}` : text(b, at, 100));
    longName = null;
    if (type === 'L') {
      longName = text(data, 0, data.length);
    } else if (type === 'x') {
      const m = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(new TextDecoder().decode(data));
      if (m) longName = m[1];
    } else if (type === '0' || type === '\0') {
      name = name.replace(/^(\.\/)+/, '');
      files.set(name, data);
    }
    at = start + Math.ceil(size / BLOCK) * BLOCK;
  }
  if (!files.has('model.json')) throw new Error('webdnn: packed package has no model.json');
  return files;
}
