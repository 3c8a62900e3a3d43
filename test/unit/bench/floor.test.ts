/** The benchmark's floor table (issue 15): what no restore can beat, from the measured parts. */
import { floorTable, Summary } from '../../../bench/lib/report';

const GB = 1e9;

function summary(op: string, seconds: number, cpuSeconds: number, helperCpuSeconds = 0): Summary {
  return {
    case: 'standard',
    network: 'plain',
    op,
    runs: 3,
    seconds,
    mbPerSecond: GB / 1e6 / seconds,
    cpuSeconds,
    cpuPerGB: cpuSeconds,
    peakRssMiB: 0,
    archiveMiB: 0,
    datasetBytes: GB,
    helperCpuSeconds,
  };
}

const measured = [
  summary('unzstd-tar', 2, 3),
  summary('single-get', 1, 1, 1),
  summary('seq-restore', 4, 5),
  summary('action-restore', 3.5, 4.5),
];

function cells(table: string, rowStart: string): string[] {
  const row = table.split('\n').find((line) => line.startsWith(`| ${rowStart}`));
  if (!row) throw new Error(`no row starting ${rowStart} in\n${table}`);
  return row.split('|').map((cell) => cell.trim());
}

describe('floorTable', () => {
  it('states the CPU floor as extraction plus one GET, against the sequential restore', () => {
    const table = floorTable(measured, 2);
    // extraction alone: 3 CPU s/GB of the sequential 5
    expect(cells(table, 'extraction alone')[5]).toBe('0.60×');
    // streamed floor: 3 + 1 = 4 CPU s/GB of 5
    expect(cells(table, 'floor of a streamed restore')[3]).toBe('4.00');
    expect(cells(table, 'floor of a streamed restore')[5]).toBe('0.80×');
  });

  it("spreads the CPU work and the server's over the cores for the wall floor", () => {
    // (3 + 1 + 1 server) / 2 cores = 2.5 s, of the sequential 4 s
    expect(cells(floorTable(measured, 2), 'floor of its wall time')[2]).toBe('2.50');
    expect(cells(floorTable(measured, 2), 'floor of its wall time')[4]).toBe('0.63×');
    // on 4 cores: 1.25 s
    expect(cells(floorTable(measured, 4), 'floor of its wall time')[2]).toBe('1.25');
  });

  it('prints nothing when a part was not measured', () => {
    expect(floorTable(measured.slice(1), 2)).toBe('');
  });
});
