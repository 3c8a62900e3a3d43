/**
 * Where each tool publishes its releases and their SHA-256 checksums, in the publisher's own format:
 * Node's `SHASUMS256.txt` per release folder, Go's JSON release list. A tool without published checksums
 * for the tree @actions/setup-* caches (Python: actions/python-versions' manifest lists URLs but no
 * checksums, and its archives are built by GitHub, not python.org) has no publisher here, so push cannot
 * verify it and does not place it.
 */
import { Settings } from '../config';
import { VersionId } from '../layout/names';

/** A published archive whose extracted content is the tool-cache folder of a version. */
export interface PublishedArchive {
  url: string;
  /** Lower-case hex SHA-256 the publisher lists for the archive. */
  sha256: string;
  /** Leading folders to strip when extracting (`node-v20.11.1-linux-x64/`, `go/`). */
  stripComponents: number;
  /** Where the checksum came from, for the log. */
  checksumSource: string;
}

export type Lookup = { kind: 'found'; archive: PublishedArchive } | { kind: 'unpublished'; reason: string };

/** A GET that resolves with the status and body text; the caller bounds it in time. */
export type FetchText = (url: string) => Promise<{ status: number; body: string }>;

export interface Publisher {
  readonly tool: string;
  locate(v: VersionId, fetchText: FetchText): Promise<Lookup>;
}

/** Lines `<64 hex>  <file name>` of a SHASUMS256.txt (sha256sum's format; `*` marks binary mode). */
export function parseShasums(text: string): Map<string, string> {
  const sums = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^([0-9a-fA-F]{64}) [ *](\S+)\s*$/.exec(line);
    if (match?.[1] && match[2]) sums.set(match[2], match[1].toLowerCase());
  }
  return sums;
}

/** Node: `<dist>/v<version>/SHASUMS256.txt` lists `node-v<version>-linux-<x64|arm64>.tar.gz`. */
export function nodePublisher(distUrl: string): Publisher {
  return {
    tool: 'node',
    async locate(v, fetchText) {
      if (!/^\d+\.\d+\.\d+$/.test(v.version)) {
        return { kind: 'unpublished', reason: `'${v.version}' is not a Node release version` };
      }
      const folder = `${distUrl}/v${v.version}`;
      const sumsUrl = `${folder}/SHASUMS256.txt`;
      const answer = await fetchText(sumsUrl);
      if (answer.status === 404) {
        return {
          kind: 'unpublished',
          reason: `Node ${v.version} is not a published release (${sumsUrl}: 404)`,
        };
      }
      if (answer.status !== 200) throw new Error(`${sumsUrl} answered HTTP ${answer.status}`);
      const file = `node-v${v.version}-linux-${v.arch}.tar.gz`;
      const sha256 = parseShasums(answer.body).get(file);
      if (!sha256) {
        return { kind: 'unpublished', reason: `${sumsUrl} lists no ${file}` };
      }
      return {
        kind: 'found',
        archive: { url: `${folder}/${file}`, sha256, stripComponents: 1, checksumSource: sumsUrl },
      };
    },
  };
}

interface GoFile {
  filename?: unknown;
  os?: unknown;
  arch?: unknown;
  sha256?: unknown;
  kind?: unknown;
}
interface GoRelease {
  version?: unknown;
  files?: unknown;
}

/** The names Go gives a tool-cache version: 1.22.0 is `go1.22.0`; before Go 1.21, 1.20.0 was `go1.20`. */
export function goReleaseNames(version: string): string[] {
  const names = [`go${version}`];
  if (/^\d+\.\d+\.0$/.test(version)) names.push(`go${version.slice(0, -2)}`);
  return names;
}

/** Go: `<dl>/?mode=json&include=all` lists every release with its archives' sha256. */
export function goPublisher(dlUrl: string): Publisher {
  const goArch: Record<string, string> = { x64: 'amd64', arm64: 'arm64' };
  return {
    tool: 'go',
    async locate(v, fetchText) {
      const listUrl = `${dlUrl}/?mode=json&include=all`;
      const answer = await fetchText(listUrl);
      if (answer.status !== 200) throw new Error(`${listUrl} answered HTTP ${answer.status}`);
      let releases: unknown;
      try {
        releases = JSON.parse(answer.body);
      } catch {
        throw new Error(`${listUrl} did not answer JSON`);
      }
      if (!Array.isArray(releases)) throw new Error(`${listUrl} did not answer a JSON list of releases`);
      const names = goReleaseNames(v.version);
      const release = (releases as GoRelease[]).find(
        (r) => typeof r.version === 'string' && names.includes(r.version),
      );
      if (!release) {
        return {
          kind: 'unpublished',
          reason: `Go ${v.version} is not a published release (not in ${listUrl})`,
        };
      }
      const files = Array.isArray(release.files) ? (release.files as GoFile[]) : [];
      const file = files.find(
        (f) =>
          f.os === 'linux' &&
          f.arch === goArch[v.arch] &&
          f.kind === 'archive' &&
          typeof f.filename === 'string',
      );
      if (!file || typeof file.sha256 !== 'string' || !/^[0-9a-f]{64}$/i.test(file.sha256)) {
        return {
          kind: 'unpublished',
          reason: `${listUrl} lists no linux-${String(goArch[v.arch])} archive for Go ${v.version}`,
        };
      }
      return {
        kind: 'found',
        archive: {
          url: `${dlUrl}/${String(file.filename)}`,
          sha256: file.sha256.toLowerCase(),
          stripComponents: 1,
          checksumSource: listUrl,
        },
      };
    },
  };
}

/** The publishers push verifies against, by tool-cache tool name. */
export function publishers(settings: Pick<Settings, 'nodeDistUrl' | 'goDlUrl'>): Map<string, Publisher> {
  return new Map([
    ['node', nodePublisher(settings.nodeDistUrl)],
    ['go', goPublisher(settings.goDlUrl)],
  ]);
}
