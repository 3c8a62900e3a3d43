/** Medians, the results table (Markdown) and the targets, from the benchmark's records. */

export type Network = 'plain' | 'shaped';

export interface RunRecord {
  case: string;
  network: Network;
  run: number;
  op: string;
  seconds: number;
  cpuSeconds: number;
  /** Peak RSS of the measured process itself (MiB); for composed baselines the largest part's. */
  peakRssMiB: number;
  /** Bytes the operation is about: the dataset for archive/restore operations, the archive for transfers. */
  bytes: number;
  /** Uncompressed dataset bytes (CPU per GB is per GB of cache, i.e. of dataset). */
  datasetBytes: number;
  archiveBytes: number;
  /** CPU seconds of the S3 server and the shaping proxy during the operation (absent in older results). */
  helperCpuSeconds?: number;
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
  helperCpuSeconds: number;
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
      helperCpuSeconds: median(rs.map((r) => r.helperCpuSeconds ?? 0)),
    };
  });
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
    push(`standard/${n}: restore time ÷ sequential`, ratio(s('action-restore'), s('seq-restore')), 0.6, '×');
    push(
      `standard/${n}: save CPU/GB ÷ sequential`,
      ratio(s('action-save'), s('seq-save'), 'cpuPerGB'),
      0.6,
      '×',
    );
    push(
      `standard/${n}: restore CPU/GB ÷ sequential`,
      ratio(s('action-restore'), s('seq-restore'), 'cpuPerGB'),
      0.6,
      '×',
    );
  }
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
