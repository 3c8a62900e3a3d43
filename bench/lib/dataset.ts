/**
 * Deterministic benchmark datasets: the same seed gives byte-identical trees on every machine.
 *
 * - tiny: one 1 MiB half-random file;
 * - standard (~1 GiB): a node_modules of 50,000 text-like files of 1–20 KiB in 2,500 packages,
 *   plus four 128 MiB half-random files;
 * - file4g: one 4 GiB half-random file (the shape of the public cache benchmarks);
 * - large (~4 GiB): the same node_modules plus twenty-eight 128 MiB half-random files.
 *
 * "Half-random" files alternate 64 KiB of incompressible bytes (AES-CTR keystream) with 64 KiB of
 * text-like bytes, so zstd gets about 2:1 out of them, like built artifacts. Text-like files are lines
 * of identifiers and keywords from a fixed vocabulary, like minified-ish JavaScript, which compresses
 * about like a real node_modules.
 */
import { createCipheriv } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  openSync,
  writeSync,
  closeSync,
} from 'node:fs';
import { join } from 'node:path';

export type CaseName = 'tiny' | 'standard' | 'file4g' | 'large';
export const CASES: CaseName[] = ['tiny', 'standard', 'file4g', 'large'];

export interface Dataset {
  name: CaseName;
  /** GITHUB_WORKSPACE for the action: the paths below are relative to it. */
  root: string;
  /** The `path` input lines. */
  paths: string[];
  files: number;
  bytes: number;
}

const GENERATOR_VERSION = 1;
const MiB = 1024 * 1024;
const BLOB_SIZE = 128 * MiB;
const BLOCK = 64 * 1024;

/** mulberry32: small, fast, deterministic 32-bit PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  'function return const let var if else for while switch case break continue new this typeof instanceof ' +
  'export import from default class extends super async await yield try catch finally throw null undefined ' +
  'true false module exports require prototype length value key index options callback error result data ' +
  'buffer stream promise resolve reject config parse stringify object array string number boolean map filter ' +
  'reduce forEach push slice splice concat join split replace match test exec call apply bind create assign ' +
  'keys values entries hasOwnProperty defineProperty getOwnPropertyNames Symbol iterator next done path fs ' +
  'process env argv cwd emit on once listener handler request response headers body status code message'
).split(' ');
const PUNCT = ['(', ')', '{', '}', ';', ' = ', ', ', '.', ' => ', ' === ', ' + ', '[', ']', ': ', '"', "'"];

/** Text-like bytes of exactly `size`, from `rand`. */
function text(rand: () => number, size: number): Buffer {
  const parts: string[] = [];
  let n = 0;
  let indent = 0;
  while (n < size) {
    let line = '  '.repeat(indent);
    const tokens = 3 + Math.floor(rand() * 10);
    for (let i = 0; i < tokens; i++) {
      line += WORDS[Math.floor(rand() * WORDS.length)];
      if (rand() < 0.15) line += String(Math.floor(rand() * 1000));
      line += PUNCT[Math.floor(rand() * PUNCT.length)];
    }
    line += '\n';
    indent = Math.max(0, Math.min(6, indent + (rand() < 0.5 ? 1 : -1)));
    parts.push(line);
    n += line.length;
  }
  return Buffer.from(parts.join('')).subarray(0, size);
}

/** Deterministic incompressible bytes: the AES-128-CTR keystream for a seed. */
function keystream(seed: number, size: number): Buffer {
  const key = Buffer.alloc(16);
  key.writeUInt32BE(seed, 0);
  const cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
  return cipher.update(Buffer.alloc(size));
}

function writeHalfRandom(file: string, size: number, seed: number): void {
  const rand = prng(seed);
  const fd = openSync(file, 'w');
  try {
    const textBlock = (): Buffer => text(rand, BLOCK);
    const chunk = 8 * MiB;
    for (let offset = 0; offset < size; offset += chunk) {
      const n = Math.min(chunk, size - offset);
      const random = keystream(seed * 7919 + offset / chunk, n / 2);
      const out = Buffer.allocUnsafe(n);
      let r = 0;
      for (let o = 0; o < n; o += 2 * BLOCK) {
        random.copy(out, o, r, r + Math.min(BLOCK, n - o));
        r += BLOCK;
        if (o + BLOCK < n) textBlock().copy(out, o + BLOCK, 0, Math.min(BLOCK, n - o - BLOCK));
      }
      writeSync(fd, out);
    }
  } finally {
    closeSync(fd);
  }
}

function writeNodeModules(dir: string, seed: number): { files: number; bytes: number } {
  const rand = prng(seed);
  let files = 0;
  let bytes = 0;
  const packages = 2500;
  const perPackage = 20;
  for (let p = 0; p < packages; p++) {
    const pkg = join(dir, 'node_modules', `pkg-${p.toString(36)}`, p % 3 === 0 ? 'lib' : 'dist');
    mkdirSync(pkg, { recursive: true });
    for (let f = 0; f < perPackage; f++) {
      const size = 1024 + Math.floor(rand() * 19 * 1024); // 1–20 KiB
      writeFileSync(join(pkg, `file-${f}.js`), text(rand, size));
      files += 1;
      bytes += size;
    }
  }
  return { files, bytes };
}

/** Builds the dataset under `baseDir/<name>` unless an identical one is already there. */
export function ensureDataset(
  baseDir: string,
  name: CaseName,
  log: (line: string) => void = () => {},
): Dataset {
  const root = join(baseDir, name);
  const marker = join(root, '.dataset.json');
  if (existsSync(marker)) {
    const saved = JSON.parse(readFileSync(marker, 'utf8')) as Dataset & { version: number };
    if (saved.version === GENERATOR_VERSION) return { ...saved, root };
  }
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const started = Date.now();
  log(`generating the ${name} dataset in ${root} ...`);
  let files = 0;
  let bytes = 0;
  let paths: string[];
  if (name === 'tiny') {
    writeHalfRandom(join(root, 'tiny.bin'), MiB, 1);
    files = 1;
    bytes = MiB;
    paths = ['tiny.bin'];
  } else if (name === 'file4g') {
    // One 4 GiB file, the shape of the public cache benchmarks (a single large artefact).
    writeHalfRandom(join(root, 'artefact.bin'), 4096 * MiB, 4);
    files = 1;
    bytes = 4096 * MiB;
    paths = ['artefact.bin'];
  } else {
    const nm = writeNodeModules(root, 42);
    files += nm.files;
    bytes += nm.bytes;
    const blobs = name === 'standard' ? 4 : 28;
    mkdirSync(join(root, 'build'), { recursive: true });
    for (let i = 0; i < blobs; i++) {
      writeHalfRandom(join(root, 'build', `blob-${i}.bin`), BLOB_SIZE, 100 + i);
      files += 1;
      bytes += BLOB_SIZE;
    }
    paths = ['node_modules', 'build'];
  }
  const dataset: Dataset = { name, root, paths, files, bytes };
  writeFileSync(marker, JSON.stringify({ ...dataset, version: GENERATOR_VERSION }));
  log(
    `generated ${files} files, ${(bytes / MiB).toFixed(0)} MiB in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  return dataset;
}
