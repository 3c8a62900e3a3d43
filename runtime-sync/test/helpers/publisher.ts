/**
 * A local stand-in of the tools' publishers, which this machine cannot reach: an HTTP server on loopback
 * holding, in the publishers' own formats and layouts, Node's release folders
 * (`/node/v<version>/SHASUMS256.txt` and `node-v<version>-linux-<arch>.tar.gz`, as under
 * https://nodejs.org/dist) and Go's release list (`/go/?mode=json&include=all`, as at https://go.dev/dl,
 * with `/go/<filename>` archives). Like the real ones it answers 404 for a release that does not exist.
 *
 * Releases are real gzip'd tarballs made with tar, with the publishers' top folder
 * (`node-v20.11.1-linux-x64/`, `go/`), so `installLikeSetup` can extract them into a tool cache the way
 * actions/setup-node and setup-go do (leading folder stripped).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import path from 'node:path';
import { ARCH, OTHER_ARCH } from './toolcache';

export interface Publisher {
  nodeDistUrl: string;
  goDlUrl: string;
  dir: string;
  close(): Promise<void>;
}

const sha256 = (file: string): string => createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const fakeSha = (seed: string): string => createHash('sha256').update(seed).digest('hex');

function writeTree(root: string, files: Record<string, string | { link: string } | { exec: string }>): void {
  for (const [rel, spec] of Object.entries(files)) {
    const full = path.join(root, rel);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    if (typeof spec === 'string') fs.writeFileSync(full, spec, { mode: 0o644 });
    else if ('link' in spec) fs.symlinkSync(spec.link, full);
    else fs.writeFileSync(full, spec.exec, { mode: 0o755 });
  }
}

function tarGz(parent: string, top: string, out: string): void {
  execFileSync('tar', ['-czf', out, '-C', parent, top], { timeout: 30_000 });
}

export async function startPublisher(dir: string): Promise<Publisher> {
  fs.mkdirSync(path.join(dir, 'node'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'go'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'go', 'index.json'), '[]');
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    let file: string | undefined;
    if (req.method === 'GET' && url.pathname === '/go/' && url.searchParams.get('mode') === 'json') {
      file = path.join(dir, 'go', 'index.json');
    } else if (req.method === 'GET' && !url.pathname.split('/').includes('..')) {
      file = path.join(dir, decodeURIComponent(url.pathname));
    }
    if (!file || !file.startsWith(`${dir}/`) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found\n');
      return;
    }
    res.writeHead(200, { 'content-length': fs.statSync(file).size });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    dir,
    nodeDistUrl: `http://127.0.0.1:${port}/node`,
    goDlUrl: `http://127.0.0.1:${port}/go`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A Node release of this machine's architecture; `publishedSha` overrides the listed checksum (a tampered mirror). */
export function publishNode(
  pub: Publisher,
  version: string,
  options: { publishedSha?: string } = {},
): string {
  const folder = path.join(pub.dir, 'node', `v${version}`);
  const top = `node-v${version}-linux-${ARCH}`;
  const build = path.join(pub.dir, 'build', top);
  writeTree(build, {
    'bin/node': { exec: `#!/bin/sh\necho v${version}\n` },
    'bin/npm': { link: '../lib/node_modules/npm/bin/npm-cli.js' },
    'lib/node_modules/npm/bin/npm-cli.js': { exec: `// npm for node ${version}\n` },
    'lib/node_modules/npm/package.json': `{"name":"npm","node":"${version}"}\n`,
    'include/node/node.h': `/* node ${version} */\n`,
    LICENSE: 'Node.js is licensed for use as follows: ...\n',
  });
  fs.mkdirSync(folder, { recursive: true });
  const file = `${top}.tar.gz`;
  tarGz(path.dirname(build), top, path.join(folder, file));
  // SHASUMS256.txt as nodejs.org writes it: `<sha256>  <file>` per artefact, sorted by name.
  const lines = [
    `${fakeSha(`${version}-darwin`)}  node-v${version}-darwin-arm64.tar.gz`,
    `${fakeSha(`${version}-other`)}  node-v${version}-linux-${OTHER_ARCH}.tar.gz`,
    `${options.publishedSha ?? sha256(path.join(folder, file))}  ${file}`,
    `${fakeSha(`${version}-xz`)}  node-v${version}-linux-${ARCH}.tar.xz`,
    `${fakeSha(`${version}-win`)}  node-v${version}-win-x64.zip`,
  ].sort((a, b) => a.slice(66).localeCompare(b.slice(66)));
  fs.writeFileSync(path.join(folder, 'SHASUMS256.txt'), `${lines.join('\n')}\n`);
  return path.join(folder, file);
}

/** A Go release of this machine's architecture, added to the JSON release list. */
export function publishGo(pub: Publisher, version: string): string {
  const goArch = ARCH === 'x64' ? 'amd64' : 'arm64';
  const build = path.join(pub.dir, 'build', `go${version}`);
  writeTree(path.join(build, 'go'), {
    VERSION: `go${version}\n`,
    'bin/go': { exec: `#!/bin/sh\necho go version go${version}\n` },
    'bin/gofmt': { exec: '#!/bin/sh\n' },
    'src/fmt/print.go': 'package fmt\n',
  });
  const filename = `go${version}.linux-${goArch}.tar.gz`;
  const archive = path.join(pub.dir, 'go', filename);
  tarGz(build, 'go', archive);
  const list = JSON.parse(fs.readFileSync(path.join(pub.dir, 'go', 'index.json'), 'utf8')) as unknown[];
  const file = (name: string, os: string, arch: string, sha: string, kind: string): object => ({
    filename: name,
    os,
    arch,
    version: `go${version}`,
    sha256: sha,
    size: 1234,
    kind,
  });
  list.unshift({
    version: `go${version}`,
    stable: true,
    files: [
      file(`go${version}.src.tar.gz`, '', '', fakeSha(`${version}-src`), 'source'),
      file(`go${version}.darwin-arm64.pkg`, 'darwin', 'arm64', fakeSha(`${version}-pkg`), 'installer'),
      file(filename, 'linux', goArch, sha256(archive), 'archive'),
    ],
  });
  fs.writeFileSync(path.join(pub.dir, 'go', 'index.json'), JSON.stringify(list, null, 1));
  return archive;
}

/** Extracts a published archive into a tool cache as setup-node / setup-go do, and writes the marker. */
export function installLikeSetup(toolCache: string, tool: string, version: string, archive: string): string {
  const dir = path.join(toolCache, tool, version, ARCH);
  fs.mkdirSync(dir, { recursive: true });
  execFileSync('tar', ['-xzf', archive, '-C', dir, '--strip-components=1'], { timeout: 30_000 });
  fs.writeFileSync(path.join(toolCache, tool, version, `${ARCH}.complete`), '');
  return dir;
}
