/** Medians, the results table (Markdown) and the targets, from the benchmark's records. */
import type { IoCounters } from './measure';

export type Network = 'plain' | 'shaped';

export interface RunRecord {
  case: string;
  network: Network;
  run: number;
  op: string;
  seconds: number;
  cpuSeconds: number;
  /** The system (kernel) part of cpuSeconds (absent in older results and for composed baselines). */
  systemSeconds?: number;
  /** Peak RSS of the measured process itself (MiB); for composed baselines the largest part's. */
  peakRssMiB: number;
  /** Bytes the operation is about: the dataset for archive/restore operations, the archive for transfers. */
  bytes: number;
  /** Uncompressed dataset bytes (CPU per GB is per GB of cache, i.e. of dataset). */
  datasetBytes: number;
  archiveBytes: number;
  /** CPU seconds of the S3 server and the shaping proxy during the operation (absent in older results). */
  helperCpuSeconds?: number;
  /** I/O of the measured process tree (absent in older results); for composed baselines the sum. */
  io?: IoCounters;
  /** Files the operation creates on restore or reads on save (the archive file of the sequential approach included). */
  files?: number;
  /** Requests the S3 server answered during an action step, by operation (absent in older results). */
  requests?: Record<string, number>;
}

export interface Summary {
  case: string;
  network: Network;
  op: string;
  runs: number;
  seconds: number;
  mbPerSecond: number;
  cpuSeconds: number;
  cpuPerGB: number;
  peakRssMiB: number;
  archiveMiB: number;
  datasetBytes: number;
  helperCpuSeconds: number;
  /** Medians of the I/O counters per GB of dataset (absent when no run recorded them). */
  ioPerGB?: IoCounters;
  filesPerGB?: number;
  /** Median GetObject requests of an action step (absent when none were counted). */
  gets?: number;
}

export interface Target {
  name: string;
  measured: string;
  limit: string;
  met: boolean | undefined;
}

export const OPS: { op: string; label: string }[] = [
  { op: 'action-save', label: 'action save (dist/save-only)' },
  { op: 'action-restore', label: 'action restore (dist/restore-only)' },
  { op: 'action-save-seg1', label: 'action save, DAZN_CACHE_SEGMENTS=1 (one stream)' },
  { op: 'action-restore-seg1', label: 'action restore of it (1 pipeline)' },
  { op: 'action-save-seg4', label: 'action save, DAZN_CACHE_SEGMENTS=4' },
  { op: 'action-restore-seg4', label: 'action restore of it (4 pipelines on 2 cores)' },
  { op: 'action-save-cold', label: 'action save, first step of a job (no compile cache)' },
  { op: 'action-restore-cold', label: 'action restore, first step of a job (no compile cache)' },
  { op: 'seq-save', label: 'sequential save: tar|zstd → file, then SDK upload' },
  { op: 'seq-restore', label: 'sequential restore: SDK download → file, then zstd -d|tar -x' },
  { op: 'tar-zstd-file', label: 'tar | zstd -T0 --long=30 → file' },
  { op: 'tar-zstd-null', label: 'tar | zstd -T0 --long=30 → /dev/null' },
  { op: 'tar-zstd1-null', label: 'tar | zstd -1 -T0 → /dev/null (action level)' },
  { op: 'unzstd-tar', label: 'zstd -d | tar -x from file' },
  { op: 'sdk-upload', label: 'SDK upload of the archive file' },
  { op: 'sdk-download', label: 'SDK download of the archive to a file' },
  { op: 'single-get', label: "single-stream GET of the action's entry → /dev/null" },
];

const median = (values: number[]): number => {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const GB = 1e9;
const MB = 1e6;
const MiB = 1024 * 1024;

export function summarise(records: RunRecord[]): Summary[] {
  const groups = new Map<string, RunRecord[]>();
  for (const r of records) {
    const k = `${r.case}|${r.network}|${r.op}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  return [...groups.values()].map((rs) => {
    const seconds = median(rs.map((r) => r.seconds));
    const cpu = median(rs.map((r) => r.cpuSeconds));
    return {
      case: rs[0].case,
      network: rs[0].network,
      op: rs[0].op,
      runs: rs.length,
      seconds,
      mbPerSecond: median(rs.map((r) => r.bytes / MB / r.seconds)),
      cpuSeconds: cpu,
      cpuPerGB: median(rs.map((r) => r.cpuSeconds / (r.datasetBytes / GB))),
      peakRssMiB: median(rs.map((r) => r.peakRssMiB)),
      archiveMiB: median(rs.map((r) => r.archiveBytes / MiB)),
      datasetBytes: rs[0].datasetBytes,
      helperCpuSeconds: median(rs.map((r) => r.helperCpuSeconds ?? 0)),
      ...ioSummary(rs),
      ...(rs.every((r) => r.requests) ? { gets: median(rs.map((r) => r.requests?.GetObject ?? 0)) } : {}),
    };
  });
}

function ioSummary(rs: RunRecord[]): { ioPerGB?: IoCounters; filesPerGB?: number } {
  const withIo = rs.filter((r) => r.io !== undefined);
  if (withIo.length === 0) return {};
  const per = (r: RunRecord, k: keyof IoCounters): number => (r.io as IoCounters)[k] / (r.datasetBytes / GB);
  const keys: (keyof IoCounters)[] = [
    'rchar',
    'wchar',
    'syscr',
    'syscw',
    'readBytes',
    'writeBytes',
    'cancelledWriteBytes',
  ];
  const ioPerGB = Object.fromEntries(
    keys.map((k) => [k, median(withIo.map((r) => per(r, k)))]),
  ) as unknown as IoCounters;
  return { ioPerGB, filesPerGB: median(withIo.map((r) => (r.files ?? 0) / (r.datasetBytes / GB))) };
}

/**
 * The gp3 model: an EBS gp3 volume's baseline (125 MB/s, 3,000 IOPS) shared by the two tasks of a
 * runner instance, so 62.5 MB/s and 1,500 IOPS for one step; EBS counts an SSD I/O of up to
 * 256 KiB as one operation. How many operations a tree of small files costs depends on how the
 * file system lays it out, so the model gives two bounds: the device bytes in 256 KiB operations
 * (ext4's delayed allocation places the files of one writer next to each other and the block layer
 * merges them), and one operation per file created besides (each file's data its own I/O).
 * Metadata writes are not counted. A model, not a measurement: the step never waits for the disk
 * on this machine (24 GiB of page cache), and a runner's writeback also overlaps the step.
 */
export const GP3 = { bytesPerSecond: 62.5e6, iops: 1500, ioBytes: 256 * 1024 };

export function gp3Seconds(deviceBytes: number, files: number): number {
  const ops = Math.ceil(deviceBytes / GP3.ioBytes) + files;
  return Math.max(deviceBytes / GP3.bytesPerSecond, ops / GP3.iops);
}

const DISK_OPS: { op: string; label: string }[] = [
  { op: 'action-save', label: 'action save (streamed)' },
  { op: 'seq-save', label: 'sequential save (archive written, then uploaded)' },
  { op: 'action-restore', label: 'action restore (streamed)' },
  { op: 'seq-restore', label: 'sequential restore (archive downloaded, then extracted)' },
];

/** Bytes and operations on disk per GB saved and restored, and what they would take on gp3 (a model). */
export function diskTable(summaries: Summary[], cases: string[]): string {
  const out: string[] = [];
  for (const c of cases) {
    const rows = DISK_OPS.map((d) => ({ d, s: find(summaries, c, 'plain', d.op) })).filter(
      (x) => x.s?.ioPerGB,
    );
    if (rows.length === 0) continue;
    out.push(
      `**${c}** case, plain loopback, per GB of cache (medians; /proc/<pid>/io of the step's process tree)`,
      '',
    );
    out.push(
      '| operation | disk write MB/GB (write_bytes) | disk read MB/GB (read_bytes) | read()+write() MB/GB, any fd (rchar+wchar) | read+write calls /GB (syscr+syscw) | files created /GB | model gp3 s/GB: merged I/Os | model gp3 s/GB: + one I/O per file | model gp3 s/GB: merged, archive read back from disk |',
    );
    out.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const { d, s } of rows) {
      const x = s as Summary;
      const io = x.ioPerGB as IoCounters;
      const files = x.filesPerGB ?? 0;
      const device = io.writeBytes + io.readBytes;
      // The sequential approach reads its archive back: from the page cache here, from the disk when
      // the cache does not hold it (a runner short of memory, or an archive larger than its cache).
      const archivePerGB = (x.archiveMiB * MiB) / (x.datasetBytes / GB);
      const readBack = d.op.startsWith('seq')
        ? f2(gp3Seconds(device + Math.max(0, archivePerGB - io.readBytes), 0))
        : '';
      out.push(
        `| ${d.label} | ${f0(io.writeBytes / MB)} | ${f0(io.readBytes / MB)} | ${f0((io.rchar + io.wchar) / MB)} | ` +
          `${f0(io.syscr + io.syscw)} | ${f0(files)} | ${f2(gp3Seconds(device, 0))} | ${f2(gp3Seconds(device, files))} | ${readBack} |`,
      );
    }
    out.push('');
  }
  return out.join('\n');
}

function find(s: Summary[], c: string, n: Network, op: string): Summary | undefined {
  return s.find((x) => x.case === c && x.network === n && x.op === op);
}

const f2 = (x: number): string => x.toFixed(2);
const f0 = (x: number): string => x.toFixed(0);

export function table(summaries: Summary[]): string {
  const out: string[] = [];
  const combos = [...new Set(summaries.map((s) => `${s.case}|${s.network}`))];
  for (const combo of combos) {
    const [c, n] = combo.split('|') as [string, Network];
    out.push(`**${c}** case, ${n === 'plain' ? 'plain loopback' : 'shaped network'} (medians)`, '');
    out.push(
      '| operation | s | MB/s | CPU s | CPU s/GB | server+proxy CPU s | peak RSS MiB | archive MiB | time × seq | CPU × seq |',
    );
    out.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const { op, label } of OPS) {
      const s = find(summaries, c, n, op);
      if (!s) continue;
      const seqOp = op.endsWith('save') ? 'seq-save' : op.endsWith('restore') ? 'seq-restore' : undefined;
      const seq = op.startsWith('action') && seqOp ? find(summaries, c, n, seqOp) : undefined;
      out.push(
        `| ${label} | ${f2(s.seconds)} | ${f0(s.mbPerSecond)} | ${f2(s.cpuSeconds)} | ${f2(s.cpuPerGB)} | ${f2(s.helperCpuSeconds)} | ` +
          `${s.peakRssMiB ? f0(s.peakRssMiB) : '–'} | ${s.archiveMiB ? f0(s.archiveMiB) : '–'} | ` +
          `${seq ? f2(s.seconds / seq.seconds) : ''} | ${seq ? f2(s.cpuSeconds / seq.cpuSeconds) : ''} |`,
      );
    }
    out.push('');
  }
  return out.join('\n');
}

/**
 * Parallel extraction, 1 → 2 → 4 pipelines on this machine, and a model for a 4-core runner:
 * Amdahl's law with the parallel fraction p that the measured 1 → 2 speed-up implies on 2 cores
 * (S2 = W1 / W2, p = 2 (1 − 1/S2)), W4 = W1 ((1 − p) + p / 4), but never below the client CPU of
 * the 4-pipeline restore spread over 4 cores (the S3 server's CPU is not the runner's on real S3).
 */
export function scalingTable(summaries: Summary[]): string {
  const s = (op: string) => find(summaries, 'standard', 'plain', op);
  const rows: [string, Summary | undefined, Summary | undefined][] = [
    ['1 (DAZN_CACHE_SEGMENTS=1)', s('action-save-seg1'), s('action-restore-seg1')],
    ['2 (default on 2 cores)', s('action-save'), s('action-restore')],
    ['4 (DAZN_CACHE_SEGMENTS=4, on 2 cores)', s('action-save-seg4'), s('action-restore-seg4')],
  ];
  const one = rows[0][2];
  const two = rows[1][2];
  if (!one || !two) return '';
  const out = [
    '**standard** case, plain loopback (medians): segments = pipelines the restore runs at once',
    '',
    '| pipelines | save s | save CPU s/GB | restore s | restore CPU s/GB | restore GETs | restore speed-up over 1 pipeline |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const [label, save, restore] of rows) {
    if (!restore) continue;
    out.push(
      `| ${label} | ${save ? f2(save.seconds) : '–'} | ${save ? f2(save.cpuPerGB) : '–'} | ${f2(restore.seconds)} | ` +
        `${f2(restore.cpuPerGB)} | ${restore.gets ?? '–'} | ${f2(one.seconds / restore.seconds)}× |`,
    );
  }
  const speedUp = one.seconds / two.seconds;
  const p = Math.min(1, Math.max(0, 2 * (1 - 1 / speedUp)));
  const four = rows[2][2] ?? two;
  const amdahl = one.seconds * (1 - p + p / 4);
  const cpuFloor = four.cpuSeconds / 4;
  const w4 = Math.max(amdahl, cpuFloor);
  out.push(
    `| **model**: 4 pipelines on a 4-core runner | | | ${f2(w4)} | | ${f2(one.seconds / w4)}× |`,
    '',
    `Model: parallel fraction p = ${f2(p)} from the measured 1 → 2 speed-up (${f2(speedUp)}×); Amdahl gives ` +
      `${f2(amdahl)} s for 4 cores, the 4-pipeline restore's client CPU over 4 cores ${f2(cpuFloor)} s; the model is the larger.`,
    '',
  );
  return out.join('\n');
}

/**
 * What no restore of this entry can beat on this machine, from measured parts (issue 15): every
 * restore that writes the files with zstd and tar pays at least `zstd -d | tar -x` (the extraction
 * baseline) and one GET of the bytes (the single-stream GET's client CPU); and on a machine whose
 * cores also run the S3 server, it cannot end before all that CPU work, the server's included, has
 * been done on `cores` cores. The ratios say how low the action's restore could go against the
 * sequential approach, whatever its design.
 */
export function floorTable(summaries: Summary[], cores: number): string {
  const s = (op: string) => find(summaries, 'standard', 'plain', op);
  const extract = s('unzstd-tar');
  const get = s('single-get');
  const seq = s('seq-restore');
  const action = s('action-restore');
  if (!extract || !get || !seq || !action) return '';
  const perGB = (cpu: number): number => (cpu / extract.datasetBytes) * 1e9;
  const cpuFloor = extract.cpuSeconds + get.cpuSeconds;
  const wallFloor = (cpuFloor + get.helperCpuSeconds) / cores;
  const row = (label: string, seconds: string, cpuGB: number, wallRatio: string, cpuRatio: number): string =>
    `| ${label} | ${seconds} | ${f2(cpuGB)} | ${wallRatio} | ${f2(cpuRatio)}× |`;
  return [
    '**standard** case, plain loopback (medians): the least any restore of this tree costs here',
    '',
    '| | s | CPU s/GB | time ÷ sequential | CPU ÷ sequential |',
    '| --- | ---: | ---: | ---: | ---: |',
    row(
      'extraction alone (zstd -d into tar -x, from a file)',
      f2(extract.seconds),
      extract.cpuPerGB,
      '',
      extract.cpuPerGB / seq.cpuPerGB,
    ),
    row(
      'floor of a streamed restore: extraction + one GET of the entry (client CPU)',
      '',
      perGB(cpuFloor),
      '',
      perGB(cpuFloor) / seq.cpuPerGB,
    ),
    row(
      `floor of its wall time on ${cores} cores: that CPU + the server's for the GET, over ${cores} cores`,
      f2(wallFloor),
      perGB(cpuFloor),
      `${f2(wallFloor / seq.seconds)}×`,
      perGB(cpuFloor) / seq.cpuPerGB,
    ),
    row(
      'action restore, measured',
      f2(action.seconds),
      action.cpuPerGB,
      `${f2(action.seconds / seq.seconds)}×`,
      action.cpuPerGB / seq.cpuPerGB,
    ),
    '',
    "A CPU target below the extraction's own ratio cannot be met by any restore that extracts with zstd and tar; " +
      "a time target below the wall floor cannot be met on this machine (on real S3 the server's CPU is not the runner's).",
    '',
  ].join('\n');
}

/** The 4 GiB single file, as MB/s (the public cache benchmarks' shape). */
export function bigFileLine(summaries: Summary[]): string {
  const s = (op: string) => find(summaries, 'file4g', 'plain', op);
  const parts = (
    [
      ['action save', s('action-save')],
      ['action restore', s('action-restore')],
      ['sequential save', s('seq-save')],
      ['sequential restore', s('seq-restore')],
    ] as [string, Summary | undefined][]
  )
    .filter(([, x]) => x !== undefined)
    .map(([label, x]) => `${label} ${f0((x as Summary).mbPerSecond)} MB/s (${f2((x as Summary).seconds)} s)`);
  return parts.length ? `4 GiB single file (plain loopback, medians): ${parts.join('; ')}.\n` : '';
}

export function targets(summaries: Summary[]): Target[] {
  const t: Target[] = [];
  const ratio = (a?: Summary, b?: Summary, field: 'seconds' | 'cpuPerGB' = 'seconds'): number | undefined =>
    a && b ? a[field] / b[field] : undefined;
  const push = (
    name: string,
    value: number | undefined,
    limit: number,
    unit: string,
    atMost = true,
  ): void => {
    t.push({
      name,
      measured: value === undefined ? 'not measured' : `${value.toFixed(2)}${unit}`,
      limit: `${atMost ? '≤' : '≥'} ${limit}${unit}`,
      met: value === undefined ? undefined : atMost ? value <= limit : value >= limit,
    });
  };
  for (const n of ['plain', 'shaped'] as Network[]) {
    const s = (op: string) => find(summaries, 'standard', n, op);
    push(`standard/${n}: save time ÷ sequential`, ratio(s('action-save'), s('seq-save')), 0.7, '×');
    push(
      `standard/${n}: restore time ÷ sequential (issue 15)`,
      ratio(s('action-restore'), s('seq-restore')),
      0.6,
      '×',
    );
    push(
      `standard/${n}: save CPU/GB ÷ sequential`,
      ratio(s('action-save'), s('seq-save'), 'cpuPerGB'),
      0.6,
      '×',
    );
    push(
      `standard/${n}: restore CPU/GB ÷ sequential (issue 15)`,
      ratio(s('action-restore'), s('seq-restore'), 'cpuPerGB'),
      0.5,
      '×',
    );
  }
  const one = find(summaries, 'standard', 'plain', 'action-restore-seg1');
  const two = find(summaries, 'standard', 'plain', 'action-restore');
  push(
    'standard/plain: restore speed-up, 2 pipelines over 1',
    one && two ? one.seconds / two.seconds : undefined,
    1,
    '×',
    false,
  );
  const shapedGet = find(summaries, 'standard', 'shaped', 'single-get');
  const shapedRestore = find(summaries, 'standard', 'shaped', 'action-restore');
  push(
    'standard/shaped: restore speed-up over a single-stream GET',
    shapedGet && shapedRestore ? shapedGet.seconds / shapedRestore.seconds : undefined,
    2.5,
    '×',
    false,
  );
  for (const op of ['action-restore', 'action-save', 'action-restore-cold', 'action-save-cold']) {
    push(`tiny/plain: ${op} step wall time`, find(summaries, 'tiny', 'plain', op)?.seconds, 0.4, ' s');
  }
  for (const op of ['action-save', 'action-restore']) {
    push(
      `large/plain: ${op} peak RSS (300 MB)`,
      find(summaries, 'large', 'plain', op)?.peakRssMiB,
      286,
      ' MiB',
    );
  }
  return t;
}

export function targetTable(ts: Target[]): string {
  return [
    '| target | measured | limit | met |',
    '| --- | ---: | ---: | :---: |',
    ...ts.map(
      (x) =>
        `| ${x.name} | ${x.measured} | ${x.limit} | ${x.met === undefined ? '–' : x.met ? 'yes' : 'NO'} |`,
    ),
  ].join('\n');
}
