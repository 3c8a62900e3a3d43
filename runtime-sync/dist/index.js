/******/ (() => { // webpackBootstrap
/******/ 	"use strict";
/******/ 	var __webpack_modules__ = ({

/***/ 984:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.detectArch = detectArch;
const errors_1 = __nccwpck_require__(919);
/** Names as @actions/tool-cache uses them for its `<arch>` folders (os.arch()). */
const SUPPORTED = { x64: 'x64', arm64: 'arm64' };
/** The architecture this machine's binaries are built for, as written into the EFS root. */
function detectArch(nodeArch = process.arch) {
    const arch = SUPPORTED[nodeArch];
    if (!arch) {
        throw new errors_1.UsageError(`runtime-sync supports x64 and arm64 runners; this machine is '${nodeArch}' (process.arch). ` +
            'Do not mount a runtime cache volume on it.');
    }
    return arch;
}


/***/ }),

/***/ 469:
/***/ (function(__unused_webpack_module, exports, __nccwpck_require__) {


var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.ArchiveStoppedError = exports.ARCHIVE_TOOLS_HINT = void 0;
exports.checkArchiveTools = checkArchiveTools;
exports.countTree = countTree;
exports.createArchive = createArchive;
exports.hashFile = hashFile;
exports.refuseMember = refuseMember;
exports.refuseArchive = refuseArchive;
exports.extractArchive = extractArchive;
/**
 * The archive form of a version: `<arch>/` as one `tar --format=posix` stream compressed by zstd, built by
 * push and checked member by member by pull before it is extracted. tar and zstd run like rsync does: each
 * in its own process group, bounded by the run's budget (process/run.ts).
 */
const node_crypto_1 = __nccwpck_require__(598);
const node_fs_1 = __nccwpck_require__(24);
const node_path_1 = __importDefault(__nccwpck_require__(760));
const node_readline_1 = __nccwpck_require__(481);
const node_stream_1 = __nccwpck_require__(75);
const promises_1 = __nccwpck_require__(466);
const errors_1 = __nccwpck_require__(919);
const run_1 = __nccwpck_require__(761);
/** How long `tar --version` and `zstd --version` may take (ms). */
const VERSION_PROBE_TIMEOUT_MS = 10_000;
/** zstd level 3 (its default speed/ratio point) on every core. */
const ZSTD_ARGS = ['-3', '-T0', '-q', '-c'];
/** Fixed locale: tar's listing (dates, quoting) is parsed. */
const TAR_ENV = { ...process.env, LC_ALL: 'C' };
exports.ARCHIVE_TOOLS_HINT = 'install GNU tar and zstd in the runner image (Debian/Ubuntu: apt-get install -y tar zstd; ' +
    'Amazon Linux/RHEL: dnf install -y tar zstd) or set RUNTIME_SYNC_LAYOUT=folders';
/** Checks that GNU tar (for --zstd and its listing format) and zstd are there; the error says how to install them. */
async function checkArchiveTools() {
    const probe = async (program, expect) => {
        let output = '';
        try {
            const run = await (0, run_1.runBounded)(program, ['--version'], { timeoutMs: VERSION_PROBE_TIMEOUT_MS });
            output = run.code === 0 ? run.stdout : '';
        }
        catch (error) {
            if ((0, errors_1.errnoCode)(error) !== 'ENOENT')
                throw error;
        }
        if (!expect.test(output)) {
            throw new errors_1.ArchiveToolsUnavailableError(`the archive layout needs ${program === 'tar' ? 'GNU tar' : program}, which was not found or did not ` +
                `answer --version as expected: ${exports.ARCHIVE_TOOLS_HINT}`);
        }
    };
    await Promise.all([probe('tar', /GNU tar/), probe('zstd', /zstd|Zstandard/i)]);
}
/** Counts a tree without following symlinks, the way the root scan sizes a folder. */
async function countTree(dir) {
    const acc = { files: 0, bytes: 0 };
    const walk = async (p) => {
        for (const entry of await node_fs_1.promises.readdir(p, { withFileTypes: true })) {
            const full = node_path_1.default.join(p, entry.name);
            if (entry.isDirectory())
                await walk(full);
            else {
                acc.files += 1;
                acc.bytes += (await node_fs_1.promises.lstat(full)).size;
            }
        }
    };
    await walk(dir);
    return acc;
}
function failure(program, run) {
    return run.stopped
        ? `${program} was stopped (time budget or signal)`
        : `${program} exited ${String(run.code)}: ${run.stderr.trim().split('\n').slice(-3).join(' | ')}`;
}
class ArchiveStoppedError extends Error {
}
exports.ArchiveStoppedError = ArchiveStoppedError;
/**
 * `tar --create --format=posix --numeric-owner -C <parent> <arch>` piped through `zstd -3 -T0` into
 * outFile (created, never overwritten), hashed while it is written. Hard links are stored as copies (pull
 * accepts files, folders and symlinks only). Throws ArchiveStoppedError when the budget stopped it.
 */
async function createArchive(parent, arch, outFile, bounds) {
    const tar = (0, run_1.startBounded)('tar', [
        '--create',
        '--format=posix',
        '--numeric-owner',
        '--hard-dereference',
        '--pax-option=delete=atime,delete=ctime',
        '-C',
        parent,
        '-f',
        '-',
        arch,
    ], { ...bounds, stdout: 'stream', env: TAR_ENV });
    if (!tar.child.stdout)
        throw new Error('tar has no stdout');
    const zstd = (0, run_1.startBounded)('zstd', ZSTD_ARGS, { ...bounds, stdin: tar.child.stdout, stdout: 'stream' });
    if (!zstd.child.stdout)
        throw new Error('zstd has no stdout');
    const hash = (0, node_crypto_1.createHash)('sha256');
    let size = 0;
    const hashing = new node_stream_1.Transform({
        transform(chunk, _encoding, callback) {
            hash.update(chunk);
            size += chunk.length;
            callback(null, chunk);
        },
    });
    const written = (0, promises_1.pipeline)(zstd.child.stdout, hashing, (0, node_fs_1.createWriteStream)(outFile, { flags: 'wx' }));
    const [tarRun, zstdRun, write] = await Promise.allSettled([tar.done, zstd.done, written]);
    for (const run of [tarRun, zstdRun])
        if (run.status === 'rejected')
            throw run.reason;
    const t = tarRun.value;
    const z = zstdRun.value;
    if (t.stopped || z.stopped)
        throw new ArchiveStoppedError(failure('tar | zstd', { ...t, stopped: true }));
    if (t.code !== 0)
        throw new Error(failure('tar', t));
    if (z.code !== 0)
        throw new Error(failure('zstd', z));
    if (write.status === 'rejected')
        throw new Error(`writing ${outFile}: ${(0, errors_1.errorMessage)(write.reason)}`);
    return { sha256: hash.digest('hex'), size };
}
/** SHA-256 (hex) and size of a file. */
async function hashFile(file) {
    const hash = (0, node_crypto_1.createHash)('sha256');
    let size = 0;
    for await (const chunk of (0, node_fs_1.createReadStream)(file)) {
        hash.update(chunk);
        size += chunk.length;
    }
    return { sha256: hash.digest('hex'), size };
}
/** The text of a C-quoted string starting at line[start] (a `"`), escapes kept as written, and its end. */
function quoted(line, start) {
    let text = '';
    for (let i = start + 1; i < line.length; i += 1) {
        const c = line[i] ?? '';
        if (c === '\\') {
            text += c + (line[i + 1] ?? '');
            i += 1;
        }
        else if (c === '"')
            return { text, end: i };
        else
            text += c;
    }
    return undefined;
}
/** Member types pull accepts (the first letter of `tar -tv`): regular file, folder, symlink. */
const ACCEPTED_TYPES = new Set(['-', 'd', 'l']);
/**
 * Why one line of `tar -tv --quoting-style=c` is refused, or undefined: only files, folders and symlinks,
 * each under `<arch>/` (not absolute, no `..`, no other top name) and not below a symlink of the archive
 * (a member written through a link would land outside the folder).
 */
function refuseMember(line, arch, links) {
    const start = line.indexOf('"');
    const name = start >= 0 ? quoted(line, start)?.text : undefined;
    if (name === undefined)
        return `unreadable listing line '${line}'`;
    const type = line[0] ?? '';
    if (!ACCEPTED_TYPES.has(type))
        return `${name}: not a file, folder or symlink (type '${type}')`;
    if (name.startsWith('/'))
        return `${name}: an absolute name`;
    const parts = name.split('/');
    if (parts[parts.length - 1] === '')
        parts.pop();
    if (parts[0] !== arch)
        return `${name}: not under ${arch}/`;
    if (parts.some((p) => p === '..' || p === '.' || p === ''))
        return `${name}: a '..', '.' or empty component`;
    for (let i = 2; i < parts.length; i += 1) {
        if (links.has(parts.slice(0, i).join('/')))
            return `${name}: below the symlink ${parts.slice(0, i).join('/')}`;
    }
    if (type === 'l')
        links.add(parts.join('/'));
    return undefined;
}
/** Lists the archive's members (`tar --zstd -tv`) and returns why it is refused, or undefined when every one passes. */
async function refuseArchive(file, arch, bounds) {
    const listing = (0, run_1.startBounded)('tar', ['--zstd', '-t', '-v', '--numeric-owner', '--quoting-style=c', '-f', file], { ...bounds, stdout: 'stream', env: TAR_ENV });
    if (!listing.child.stdout)
        throw new Error('tar has no stdout');
    const links = new Set();
    let refused;
    let members = 0;
    const lines = (0, node_readline_1.createInterface)({ input: listing.child.stdout, crlfDelay: Infinity });
    const reading = (async () => {
        for await (const line of lines) {
            members += 1;
            refused ??= refuseMember(line, arch, links);
        }
    })();
    const [run] = await Promise.all([listing.done, reading]);
    if (run.code !== 0 || run.stopped)
        return `listing failed: ${failure('tar', run)}`;
    if (members === 0)
        return 'the archive is empty';
    return refused;
}
/** Extracts into dest (an empty private folder): modes kept, owner the extracting user. */
async function extractArchive(file, dest, bounds) {
    const run = await (0, run_1.runBounded)('tar', ['--zstd', '-x', '-p', '--no-same-owner', '--delay-directory-restore', '-f', file, '-C', dest], { ...bounds, env: TAR_ENV });
    return run.code === 0 && !run.stopped ? undefined : `extraction failed: ${failure('tar', run)}`;
}


/***/ }),

/***/ 449:
/***/ ((__unused_webpack_module, exports) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.Budget = exports.STOP_GRACE_MS = void 0;
/**
 * Time kept between the end of the work and the hard end of a run (ms): a stopped rsync gets SIGTERM, then
 * SIGKILL one second later, and the command removes its lease, staging folder and locks.
 */
exports.STOP_GRACE_MS = 2_500;
/**
 * The hard time budget of a run (RUNTIME_SYNC_TIMEOUT_SECONDS) plus an abort for SIGTERM/SIGINT.
 *
 * Work (every subprocess gets `remainingMs()` and `signal`) is stopped STOP_GRACE_MS before the end (or
 * half the budget for tiny budgets), so the command can clean up and print its summary in time;
 * `whenOver()` resolves at the hard end (or a grace after an abort), for racing work that may hang in the
 * kernel on a dead mount.
 */
class Budget {
    totalMs;
    now;
    workEndMs;
    controller = new AbortController();
    timers = [];
    abortReason = '';
    over;
    endOver = () => undefined;
    constructor(totalMs, now = Date.now) {
        this.totalMs = totalMs;
        this.now = now;
        const grace = Math.min(exports.STOP_GRACE_MS, totalMs / 2);
        this.workEndMs = now() + totalMs - grace;
        this.over = new Promise((resolve) => (this.endOver = resolve));
        this.later(() => this.abort(`the time budget of ${totalMs / 1000} s ran out`), totalMs - grace);
        this.later(() => this.endOver(), totalMs);
        this.signal.addEventListener('abort', () => this.later(() => this.endOver(), grace), { once: true });
    }
    later(fn, ms) {
        const timer = setTimeout(fn, ms);
        timer.unref();
        this.timers.push(timer);
    }
    get signal() {
        return this.controller.signal;
    }
    /** Why the work was stopped ('' while it is not). */
    get reason() {
        return this.abortReason;
    }
    /** Time left for work (ms). */
    remainingMs() {
        return this.signal.aborted ? 0 : Math.max(0, this.workEndMs - this.now());
    }
    abort(reason) {
        if (this.signal.aborted)
            return;
        this.abortReason = reason;
        this.controller.abort(new Error(reason));
    }
    /** Resolves at the hard end of the run. */
    whenOver() {
        return this.over;
    }
    dispose() {
        this.timers.forEach(clearTimeout);
    }
}
exports.Budget = Budget;


/***/ }),

/***/ 894:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.refuseForeignRoot = refuseForeignRoot;
exports.refuseForeignArch = refuseForeignArch;
const errors_1 = __nccwpck_require__(919);
function refuseForeignRoot(scan, ctx) {
    if (scan.archMismatch)
        refuseForeignArch(scan.arch ?? '?', ctx);
}
/** The architecture rule: a root written by machines of another architecture is a wrong mount. */
function refuseForeignArch(rootArch, ctx) {
    if (rootArch === ctx.arch)
        return;
    throw new errors_1.ArchMismatchError(`${ctx.settings.root} holds the tool cache of '${rootArch}' machines but this machine is ` +
        `'${ctx.arch}': mount this architecture's EFS volume at RUNTIME_SYNC_ROOT (a wrong mount would mix binaries)`);
}


/***/ }),

/***/ 613:
/***/ (function(__unused_webpack_module, exports, __nccwpck_require__) {


var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.chooseVictims = chooseVictims;
exports.prune = prune;
const fs = __importStar(__nccwpck_require__(24));
const node_fs_1 = __nccwpck_require__(24);
const node_path_1 = __importDefault(__nccwpck_require__(760));
const lease_1 = __nccwpck_require__(858);
const staging_1 = __nccwpck_require__(445);
const errors_1 = __nccwpck_require__(919);
const names_1 = __nccwpck_require__(273);
const probe_1 = __nccwpck_require__(995);
const context_1 = __nccwpck_require__(894);
const DAY_MS = 24 * 60 * 60 * 1000;
/** Versions to remove: unused for longer than maxAgeDays, then the least recently used beyond the cap. */
function chooseVictims(versions, nowMs, maxAgeDays, maxSizeBytes) {
    const byAge = [...versions].sort((a, b) => a.lastUsedMs - b.lastUsedMs);
    const victims = new Set();
    if (maxAgeDays !== undefined) {
        for (const v of byAge)
            if (nowMs - v.lastUsedMs > maxAgeDays * DAY_MS)
                victims.add(v);
    }
    if (maxSizeBytes !== undefined) {
        // what a version takes on the volume: its folder's bytes and its archive's size, when it has both
        const size = (v) => v.storedBytes ?? v.bytes ?? 0;
        let total = byAge.filter((v) => !victims.has(v)).reduce((n, v) => n + size(v), 0);
        for (const v of byAge) {
            if (total <= maxSizeBytes)
                break;
            if (victims.has(v))
                continue;
            victims.add(v);
            total -= size(v);
        }
    }
    return byAge.filter((v) => victims.has(v));
}
/** Renames from to to; false when from is gone. */
async function moveIfThere(from, to) {
    try {
        await node_fs_1.promises.rename(from, to);
        return true;
    }
    catch (error) {
        if ((0, errors_1.errnoCode)(error) === 'ENOENT')
            return false;
        throw error;
    }
}
/**
 * Removes one whole version, in every form it has (folder, archive), unless a pull holds a lease on it. The
 * markers go first (the version stops being complete, so no new pull picks it), then leases are read again:
 * a pull that saw a marker wrote its lease before looking, so it shows up now and the markers are put back
 * (by link, which never replaces a marker a push placed meanwhile). Then the folder and the archive are
 * renamed into the trash (one step each) and deleted there.
 */
async function removeVersion(ctx, v, trash) {
    const root = ctx.settings.root;
    const key = (0, names_1.versionKey)(v);
    if ((await (0, lease_1.readLeases)(root, Date.now())).covers(key))
        return 'in use';
    const markers = [
        ...(v.forms.includes('folder') ? [(0, names_1.markerFile)(v)] : []),
        ...(v.forms.includes('archive') ? [(0, names_1.archiveMarkerFile)(v)] : []),
    ].map((rel, i) => ({ at: node_path_1.default.join(root, rel), aside: node_path_1.default.join(trash, `${(0, names_1.keyFileName)(v)}.marker-${i}`) }));
    const moved = [];
    for (const m of markers)
        if (await moveIfThere(m.at, m.aside))
            moved.push(m);
    if (moved.length === 0)
        return 'gone'; // removed by another prune
    if ((await (0, lease_1.readLeases)(root, Date.now())).covers(key)) {
        for (const m of moved) {
            await node_fs_1.promises.link(m.aside, m.at).catch(() => undefined);
            await node_fs_1.promises.unlink(m.aside).catch(() => undefined);
        }
        return 'in use';
    }
    if (v.forms.includes('folder'))
        await moveIfThere(node_path_1.default.join(root, (0, names_1.versionDir)(v)), node_path_1.default.join(trash, (0, names_1.keyFileName)(v)));
    if (v.forms.includes('archive'))
        await moveIfThere(node_path_1.default.join(root, (0, names_1.archiveFile)(v)), node_path_1.default.join(trash, `${(0, names_1.keyFileName)(v)}${names_1.ARCHIVE_SUFFIX}`));
    await (0, staging_1.removeTree)(trash, ctx.budget.remainingMs(), ctx.budget.signal);
    await node_fs_1.promises.unlink(node_path_1.default.join(root, names_1.USAGE_DIR, (0, names_1.keyFileName)(v))).catch(() => undefined);
    for (const dir of [node_path_1.default.join(root, v.tool, v.version), node_path_1.default.join(root, v.tool)]) {
        await node_fs_1.promises.rmdir(dir).catch(() => undefined); // only when empty
    }
    return 'removed';
}
/**
 * Archives without their marker, placed longer than the lock ttl ago: a push killed between placing the
 * archive and its marker left them; they never counted. Returns their paths.
 */
async function removeUnmarkedArchives(ctx, found) {
    const root = ctx.settings.root;
    const removed = [];
    for (const a of found) {
        if (Date.now() - a.changedMs < ctx.settings.lockTtlMs)
            continue;
        const file = node_path_1.default.join(root, a.path);
        if (fs.existsSync(`${file}${names_1.MARKER_SUFFIX}`))
            continue; // marked meanwhile
        const st = await node_fs_1.promises.lstat(file).catch(() => undefined);
        if (!st || Date.now() - st.ctimeMs < ctx.settings.lockTtlMs)
            continue;
        await node_fs_1.promises.unlink(file).catch(() => undefined);
        removed.push(a.path);
        const parts = a.path.split('/');
        for (const dir of [node_path_1.default.join(root, parts[0] ?? '', parts[1] ?? ''), node_path_1.default.join(root, parts[0] ?? '')]) {
            await node_fs_1.promises.rmdir(dir).catch(() => undefined); // only when empty
        }
    }
    return removed;
}
/** prune: removes whole versions by age and/or size cap, never one in use by a pull; cleans expired leftovers. */
async function prune(ctx) {
    const { settings, budget, log, tally } = ctx;
    const remote = await (0, probe_1.probeRoot)({ root: settings.root, expectArch: ctx.arch, sizes: true }, budget);
    (0, context_1.refuseForeignRoot)(remote, ctx);
    const victims = chooseVictims(remote.versions, Date.now(), settings.maxAgeDays, settings.maxSizeBytes);
    log.info(`${remote.versions.length} versions on ${settings.root}, ${victims.length} to remove`);
    let kept = 0;
    for (const v of victims) {
        if (budget.remainingMs() <= 0)
            throw new errors_1.BudgetExceededError(`prune stopped: ${budget.reason}`);
        const trash = node_path_1.default.join(settings.root, names_1.TRASH_DIR, `${ctx.owner.id}-${victims.indexOf(v)}`);
        await node_fs_1.promises.mkdir(trash, { recursive: true });
        const outcome = await removeVersion(ctx, v, trash);
        if (outcome === 'removed') {
            tally.versions += 1;
            tally.files += v.files ?? 0;
            tally.bytes += v.bytes ?? 0;
            log.info(`removed ${(0, names_1.versionKey)(v)} (last use ${new Date(v.lastUsedMs).toISOString()})`);
        }
        else {
            await node_fs_1.promises.rmdir(trash).catch(() => undefined);
            if (outcome === 'in use') {
                kept += 1;
                log.info(`kept ${(0, names_1.versionKey)(v)}: in use by a pull`);
            }
        }
    }
    if (kept > 0)
        tally.notes.push(`${kept} kept because a pull is using them`);
    const unmarked = await removeUnmarkedArchives(ctx, remote.unmarkedArchives);
    if (unmarked.length > 0)
        log.info(`removed unmarked archives (killed pushes): ${unmarked.join(', ')}`);
    const report = await (0, staging_1.cleanupExpired)(settings.root, settings.lockTtlMs, Date.now(), () => budget.remainingMs());
    if (report.removed.length > 0)
        log.info(`removed expired leftovers: ${report.removed.join(', ')}`);
}


/***/ }),

/***/ 42:
/***/ (function(__unused_webpack_module, exports, __nccwpck_require__) {


var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.pull = pull;
const fs = __importStar(__nccwpck_require__(24));
const node_fs_1 = __nccwpck_require__(24);
const node_path_1 = __importDefault(__nccwpck_require__(760));
const archive_1 = __nccwpck_require__(469);
const budget_1 = __nccwpck_require__(449);
const errors_1 = __nccwpck_require__(919);
const lease_1 = __nccwpck_require__(858);
const local_work_1 = __nccwpck_require__(549);
const staging_1 = __nccwpck_require__(445);
const usage_1 = __nccwpck_require__(55);
const names_1 = __nccwpck_require__(273);
const probe_1 = __nccwpck_require__(995);
const scan_1 = __nccwpck_require__(832);
const context_1 = __nccwpck_require__(894);
/** A lease outlives the pull's budget by this much (ms), so clock skew between hosts does not end it early. */
const LEASE_MARGIN_MS = 60_000;
/** When rsync is unusable, how long pull waits for the probe to finish so it can remove its lease (ms). */
const RSYNC_ERROR_LEASE_WAIT_MS = 2_000;
/** Archives checked and extracted at once (each extraction is one tar and one zstd). */
const EXTRACTIONS_AT_ONCE = 2;
/**
 * Writes the local marker of each copied version, with the content and mtime the scan read on the root. This
 * replaces a second rsync for the markers: on EFS that costs a process start and a few round trips per
 * marker (~0.3 s on the model volume), a local write costs nothing. Each marker is written only after the
 * rsync of all folders succeeded; the markers are independent of each other, so they are written in parallel.
 */
async function writeMarkers(toolCache, versions) {
    await Promise.all(versions.map((v) => writeMarker(toolCache, v)));
}
async function writeMarker(toolCache, v) {
    const file = node_path_1.default.join(toolCache, (0, names_1.markerFile)(v));
    await node_fs_1.promises.writeFile(file, Buffer.from(v.marker ?? '', 'base64'));
    const mtimeSeconds = v.markerMtimeMs / 1000;
    await node_fs_1.promises.utimes(file, mtimeSeconds, mtimeSeconds);
}
/**
 * The two independent start-up steps at once: `rsync --version` and the root probe (a child process, the
 * guard against a hung mount, which also writes the lease). A missing or old rsync is a setup error and is
 * reported as such, whatever the root does; the lease the probe may have written meanwhile is removed first,
 * waiting at most RSYNC_ERROR_LEASE_WAIT_MS for the probe (a hung root keeps it: it expires on its own).
 */
async function startPull(ctx, request) {
    const probing = (0, probe_1.probeRoot)(request, ctx.budget);
    // settled either way here; the outcome is read below
    probing.catch(() => undefined);
    let rsync;
    try {
        // the archive layout's tools are checked up front, like rsync: a missing one is a setup error
        const tools = ctx.settings.layout === 'archive' ? (0, archive_1.checkArchiveTools)() : undefined;
        [rsync] = await Promise.all([ctx.rsync(), tools]);
    }
    catch (error) {
        const probed = await Promise.race([
            probing.catch(() => undefined),
            new Promise((resolve) => setTimeout(() => resolve(undefined), RSYNC_ERROR_LEASE_WAIT_MS).unref()),
        ]);
        if (probed?.leaseWritten === true && request.lease)
            await node_fs_1.promises.unlink(request.lease.path).catch(() => undefined);
        throw error;
    }
    return { rsync, remote: await probing };
}
/** Runs `work` on every item, at most `width` at a time. */
async function atMost(width, items, work) {
    let next = 0;
    const worker = async () => {
        while (next < items.length) {
            const item = items[next];
            next += 1;
            await work(item);
        }
    };
    await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
}
/** The folder form: one rsync for every folder; the markers after it, from what the scan read. */
async function pullFolders(ctx, rsync, wanted, leased) {
    const { settings, budget, log, tally } = ctx;
    if (wanted.length === 0)
        return;
    const data = await rsync.copy({
        sourceRoot: settings.root,
        destRoot: settings.toolCache,
        paths: wanted.map(names_1.versionDir),
        timeoutMs: budget.remainingMs(),
        signal: budget.signal,
    });
    tally.files += data.stats.files;
    tally.bytes += data.stats.bytes;
    if (!data.ok) {
        const why = data.stopped ? budget.reason : `rsync exited ${String(data.exitCode)}: ${data.errorTail}`;
        log.warn(`pull stopped, no version was marked complete: ${why}`);
        tally.notes.push(`warning: ${why}`);
        return;
    }
    // The local markers and the usage records on the root do not depend on each other: both at once.
    const recording = leased
        ? (0, usage_1.recordUse)(settings.root, wanted).catch((e) => log.warn(`last use not recorded: ${(0, errors_1.errorMessage)(e)}`))
        : Promise.resolve();
    await Promise.all([writeMarkers(settings.toolCache, wanted), recording]);
    tally.files += wanted.length;
    tally.versions += wanted.length;
    for (const v of wanted)
        log.info(`pulled ${(0, names_1.versionKey)(v)}`);
}
/**
 * One archive, received in `work`: size and sha256 against its marker, every member under `<arch>/`
 * (refuseArchive), extracted into a private folder, file count and bytes against the marker, then the
 * folder renamed into the tool cache and the local marker written, last. Returns why it was refused, or
 * undefined when installed (or installed meanwhile by someone else, which is left alone).
 */
async function installArchive(ctx, work, v) {
    const { settings, budget } = ctx;
    const expected = v.archive;
    if (!expected)
        return 'its marker was not read';
    const file = node_path_1.default.join(work, (0, names_1.archiveFile)(v));
    const size = (await node_fs_1.promises.stat(file).catch(() => undefined))?.size;
    if (size === undefined)
        return 'the archive was not copied';
    if (size !== expected.size)
        return `the archive has ${size} bytes, its marker says ${expected.size}`;
    const bounds = () => ({ timeoutMs: budget.remainingMs(), signal: budget.signal });
    // Hashing and listing only read the file: both at once; nothing is extracted before both passed.
    const [{ sha256 }, refused] = await Promise.all([(0, archive_1.hashFile)(file), (0, archive_1.refuseArchive)(file, v.arch, bounds())]);
    if (sha256 !== expected.sha256)
        return `the archive has sha256 ${sha256}, its marker says ${expected.sha256}`;
    if (refused)
        return `member refused: ${refused}`;
    const into = node_path_1.default.join(work, '.extract', (0, names_1.keyFileName)(v));
    await node_fs_1.promises.mkdir(into, { recursive: true });
    const failed = await (0, archive_1.extractArchive)(file, into, bounds());
    if (failed)
        return failed;
    const top = await node_fs_1.promises.readdir(into);
    if (top.length !== 1 || top[0] !== v.arch)
        return `extracted ${top.join(', ')} instead of ${v.arch}/`;
    const count = await (0, archive_1.countTree)(node_path_1.default.join(into, v.arch));
    if (count.files !== expected.files || count.bytes !== expected.bytes) {
        return `extracted ${count.files} files, ${count.bytes} bytes; its marker says ${expected.files}, ${expected.bytes}`;
    }
    await node_fs_1.promises.unlink(file).catch(() => undefined); // room on the local disk, as soon as possible
    const target = node_path_1.default.join(settings.toolCache, (0, names_1.versionDir)(v));
    await node_fs_1.promises.mkdir(node_path_1.default.dirname(target), { recursive: true });
    if (fs.existsSync(node_path_1.default.join(settings.toolCache, (0, names_1.markerFile)(v)))) {
        ctx.log.info(`${(0, names_1.versionKey)(v)}: installed locally meanwhile, left alone`);
        return undefined;
    }
    // a folder without its marker never counted (an interrupted pull's): moved aside, removed with `work`
    await node_fs_1.promises.rename(target, node_path_1.default.join(work, '.extract', `${(0, names_1.keyFileName)(v)}.old`)).catch((e) => {
        if ((0, errors_1.errnoCode)(e) !== 'ENOENT')
            throw e;
    });
    await node_fs_1.promises.rename(node_path_1.default.join(into, v.arch), target);
    await writeMarker(settings.toolCache, v);
    ctx.tally.versions += 1;
    ctx.tally.files += expected.files + 1;
    ctx.tally.bytes += expected.bytes;
    ctx.log.info(`pulled ${(0, names_1.versionKey)(v)} (archive)`);
    return undefined;
}
/**
 * The archive form: one rsync of every archive into a private work folder in the tool cache, then at most
 * EXTRACTIONS_AT_ONCE at a time checked and installed (installArchive). A refused version is a warning and
 * stays absent. The work folder is removed at the end (one left by a killed pull, by the next pull).
 */
async function pullArchives(ctx, rsync, wanted, leased) {
    const { settings, budget, log, tally } = ctx;
    if (wanted.length === 0)
        return;
    if (settings.layout !== 'archive') {
        try {
            await (0, archive_1.checkArchiveTools)();
        }
        catch (error) {
            const why = `${wanted.length} versions exist only as archives and were not pulled: ${(0, errors_1.errorMessage)(error)}`;
            log.warn(why);
            tally.notes.push(`warning: ${why}`);
            return;
        }
    }
    const work = (0, local_work_1.localWorkDir)(settings.toolCache, 'pull', ctx.owner);
    await node_fs_1.promises.mkdir(work, { recursive: true });
    try {
        const copy = await rsync.copy({
            sourceRoot: settings.root,
            destRoot: work,
            paths: wanted.map(names_1.archiveFile),
            timeoutMs: budget.remainingMs(),
            signal: budget.signal,
        });
        if (!copy.ok) {
            const why = copy.stopped ? budget.reason : `rsync exited ${String(copy.exitCode)}: ${copy.errorTail}`;
            log.warn(`archive copy failed, only the archives that arrived whole are installed: ${why}`);
            tally.notes.push(`warning: ${why}`);
            if (copy.stopped)
                return;
        }
        const installed = [];
        const refused = [];
        await atMost(EXTRACTIONS_AT_ONCE, wanted, async (v) => {
            let why;
            try {
                why = await installArchive(ctx, work, v);
            }
            catch (error) {
                why = (0, errors_1.errorMessage)(error);
            }
            if (why === undefined)
                installed.push(v);
            else {
                log.warn(`${(0, names_1.versionKey)(v)}: archive refused, not installed: ${why}`);
                refused.push((0, names_1.versionKey)(v));
            }
        });
        if (refused.length > 0)
            tally.notes.push(`warning: archives refused: ${refused.join(', ')}`);
        if (leased && installed.length > 0)
            await (0, usage_1.recordUse)(settings.root, installed).catch((e) => log.warn(`last use not recorded: ${(0, errors_1.errorMessage)(e)}`));
    }
    finally {
        await (0, staging_1.removeTree)(work, Math.max(budget_1.STOP_GRACE_MS, budget.remainingMs()));
        await node_fs_1.promises.rmdir(node_path_1.default.dirname(work)).catch(() => undefined); // .runtime-sync, when empty
    }
}
/** Which form each wanted version is pulled in: the layout's when the root has both, else the one there. */
function byForm(ctx, wanted) {
    const viaArchive = (v) => v.forms.includes('archive') && (ctx.settings.layout === 'archive' || !v.forms.includes('folder'));
    return { archives: wanted.filter(viaArchive), folders: wanted.filter((v) => !viaArchive(v)) };
}
/**
 * pull: every complete version on the root that the local cache lacks. Folders: one rsync for all of them,
 * and only after it succeeded their markers (so a local marker never precedes its folder). Archives: one
 * rsync for all of them, then each checked, extracted and renamed into place, marker last. The two run at
 * once. A failure is a warning: a version whose marker is not written stays absent for @actions/tool-cache.
 */
async function pull(ctx) {
    const { settings, log } = ctx;
    const lease = (0, lease_1.leasePath)(settings.root, ctx.owner);
    const expiresAtMs = Date.now() + settings.timeoutMs + LEASE_MARGIN_MS;
    // The local scan first (the local disk: a few ms), so that the probe need not open the markers of versions
    // already here (a warm runner start: no marker read, no usage lookup on EFS). Its error is raised after the
    // children, so the lease is handled as for any other failure.
    let local;
    try {
        local = (0, scan_1.scanRoot)(fs, { root: settings.toolCache }, scan_1.SCAN_NAMES);
    }
    catch (error) {
        local = error instanceof Error ? error : new Error((0, errors_1.errorMessage)(error));
    }
    const { rsync, remote } = await startPull(ctx, {
        root: settings.root,
        expectArch: ctx.arch,
        markers: true,
        known: local instanceof Error ? [] : local.versions.map(names_1.versionKey),
        lease: { path: lease, body: (0, lease_1.leaseBody)(ctx.owner, expiresAtMs, null) },
    });
    (0, context_1.refuseForeignRoot)(remote, ctx);
    const leased = remote.leaseWritten === true;
    if (!leased)
        log.warn(`could not take a lease on ${settings.root} (${remote.leaseError ?? '?'}): prune may race this pull`);
    // Narrowing the lease runs alongside the copy: until it lands the lease covers every version (null), after
    // it the versions copied, so every moment is covered. It is awaited before the lease is removed.
    let narrowing = Promise.resolve();
    try {
        if (local instanceof Error)
            throw local;
        await node_fs_1.promises.mkdir(settings.toolCache, { recursive: true });
        const have = new Set(local.versions.map(names_1.versionKey));
        const wanted = remote.versions.filter((v) => !have.has((0, names_1.versionKey)(v)));
        log.info(`${remote.versions.length} complete versions on ${settings.root}, ${have.size} already local, ` +
            `${wanted.length} to pull`);
        // what a killed archive pull left in the local tool cache (a readdir when there is nothing)
        const removed = await (0, local_work_1.removeDeadLocalWork)(settings.toolCache, budget_1.STOP_GRACE_MS);
        if (removed.length > 0)
            log.info(`removed local leftovers: ${removed.join(', ')}`);
        if (wanted.length === 0)
            return;
        if (leased)
            narrowing = (0, lease_1.rewriteLease)(lease, (0, lease_1.leaseBody)(ctx.owner, expiresAtMs, wanted.map(names_1.versionKey))).catch((e) => log.warn(`lease not narrowed (it keeps covering every version): ${(0, errors_1.errorMessage)(e)}`));
        const { archives, folders } = byForm(ctx, wanted);
        if (archives.length > 0)
            log.info(`${archives.length} as archives, ${folders.length} as folders`);
        await Promise.all([pullFolders(ctx, rsync, folders, leased), pullArchives(ctx, rsync, archives, leased)]);
    }
    finally {
        if (leased) {
            await narrowing;
            await node_fs_1.promises.unlink(lease).catch(() => undefined);
        }
    }
}


/***/ }),

/***/ 801:
/***/ (function(__unused_webpack_module, exports, __nccwpck_require__) {


var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.push = push;
const fs = __importStar(__nccwpck_require__(24));
const node_fs_1 = __nccwpck_require__(24);
const node_path_1 = __importDefault(__nccwpck_require__(760));
const archive_1 = __nccwpck_require__(469);
const arch_claim_1 = __nccwpck_require__(247);
const local_work_1 = __nccwpck_require__(549);
const lock_1 = __nccwpck_require__(161);
const staging_1 = __nccwpck_require__(445);
const usage_1 = __nccwpck_require__(55);
const errors_1 = __nccwpck_require__(919);
const names_1 = __nccwpck_require__(273);
const probe_1 = __nccwpck_require__(995);
const scan_1 = __nccwpck_require__(832);
const context_1 = __nccwpck_require__(894);
const publishers_1 = __nccwpck_require__(777);
const verify_1 = __nccwpck_require__(497);
/** Time kept back from the budget for removing our staging folder after a failed copy (ms). */
const CLEANUP_RESERVE_MS = 3_000;
/** errno codes of a write refused by the mount (read-only bind or EFS without ClientWrite) or by permissions. */
const REFUSED_WRITE = new Set(['EROFS', 'EACCES', 'EPERM']);
/**
 * Refuses early, with the reason, when this runner cannot write the root: a reader pool mounts the shared
 * tool cache read-only (the task definition and its IAM role), which is what keeps a job from planting a
 * version, whatever this program does.
 */
async function requireWritableRoot(ctx) {
    const probe = node_path_1.default.join(ctx.settings.root, names_1.STAGING_DIR, `${ctx.owner.id}.write-probe`);
    try {
        await node_fs_1.promises.mkdir(node_path_1.default.dirname(probe), { recursive: true });
        await node_fs_1.promises.writeFile(probe, '', { flag: 'wx' });
        await node_fs_1.promises.unlink(probe);
    }
    catch (error) {
        const code = (0, errors_1.errnoCode)(error);
        if (code === undefined || !REFUSED_WRITE.has(code))
            throw error;
        throw new errors_1.ReadOnlyRootError(`push refused: ${ctx.settings.root} is read-only for this runner (${code}); this pool reads the shared ` +
            'tool cache but may not write it (only a writer pool, runtime_sync_push = true in Terraform, pushes): ' +
            'set RUNTIME_SYNC_PUSH=false for this pool');
    }
}
/** Writes the root's architecture file when it has none; a root of the other architecture is refused. */
async function claimRootArch(ctx, current) {
    if (current !== null)
        return;
    const claim = await (0, arch_claim_1.claimArch)(ctx.settings.root, ctx.arch, ctx.owner.id);
    if (claim.claimed)
        ctx.log.info(`${ctx.settings.root} now belongs to ${ctx.arch} machines (${names_1.ARCH_FILE})`);
    else
        (0, context_1.refuseForeignArch)(claim.arch, ctx);
}
/**
 * Places one staged version: the folder by rename (fails when the version exists: left alone), then the
 * marker by rename. A folder already in place without its marker was renamed there whole by a push that
 * died before its marker; it gets the marker.
 */
async function placeOne(ctx, staging, v) {
    const root = ctx.settings.root;
    const target = node_path_1.default.join(root, (0, names_1.versionDir)(v));
    await node_fs_1.promises.mkdir(node_path_1.default.dirname(target), { recursive: true });
    try {
        await node_fs_1.promises.rename(node_path_1.default.join(staging.dir, (0, names_1.versionDir)(v)), target);
    }
    catch (error) {
        const code = (0, errors_1.errnoCode)(error);
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST')
            throw error;
        if (fs.existsSync(node_path_1.default.join(root, (0, names_1.markerFile)(v))))
            return 'present';
        ctx.log.info(`${(0, names_1.versionKey)(v)}: folder already in place without its marker, completing it`);
    }
    await node_fs_1.promises.rename(node_path_1.default.join(staging.dir, (0, names_1.markerFile)(v)), node_path_1.default.join(root, (0, names_1.markerFile)(v)));
    return 'placed';
}
/** The form push writes in this run's layout. */
function pushedForm(ctx) {
    return ctx.settings.layout === 'archive' ? 'archive' : 'folder';
}
/** The lock of a version's form (the two forms are written independently). */
function lockName(ctx, v) {
    return pushedForm(ctx) === 'archive' ? `${(0, names_1.keyFileName)(v)}${names_1.ARCHIVE_SUFFIX}` : (0, names_1.keyFileName)(v);
}
/** The marker that makes the pushed form visible on the root. */
function formMarker(ctx, v) {
    return pushedForm(ctx) === 'archive' ? (0, names_1.archiveMarkerFile)(v) : (0, names_1.markerFile)(v);
}
/** The complete local versions the root lacks in this layout's form (after the root was probed and claimed). */
async function candidates(ctx) {
    const { settings, budget, log } = ctx;
    const remote = await (0, probe_1.probeRoot)({ root: settings.root, expectArch: ctx.arch }, budget);
    (0, context_1.refuseForeignRoot)(remote, ctx);
    await requireWritableRoot(ctx);
    await claimRootArch(ctx, remote.arch);
    const local = (0, scan_1.scanRoot)(fs, { root: settings.toolCache }, scan_1.SCAN_NAMES);
    const form = pushedForm(ctx);
    const onRoot = new Set(remote.versions.filter((v) => v.forms.includes(form)).map(names_1.versionKey));
    const missing = local.versions.filter((v) => !onRoot.has((0, names_1.versionKey)(v)));
    log.info(`${local.versions.length} complete local versions, ${missing.length} missing on ${settings.root} ` +
        `(${settings.layout} layout)`);
    if (local.incomplete.length > 0)
        log.info(`not pushed, incomplete: ${local.incomplete.join(', ')}`);
    return missing;
}
/** Acquire: the versions whose lock this push holds and that are still not on the root. */
async function acquire(ctx, locks, wanted) {
    const mine = [];
    for (const v of wanted) {
        if (!(await locks.tryAcquire(lockName(ctx, v)))) {
            ctx.log.info(`${(0, names_1.versionKey)(v)}: another runner is pushing it, skipping`);
            continue;
        }
        if (fs.existsSync(node_path_1.default.join(ctx.settings.root, formMarker(ctx, v)))) {
            ctx.log.info(`${(0, names_1.versionKey)(v)}: pushed by another runner meanwhile`);
            await locks.release(lockName(ctx, v));
            continue;
        }
        mine.push(v);
    }
    return mine;
}
/** Keeps the locks and the staging folder alive (mtimes) every ttl/4 while the copy runs. */
function startHeartbeat(ctx, locks, staging) {
    const timer = setInterval(() => {
        void locks.heartbeat().then((lost) => {
            for (const name of lost)
                ctx.log.warn(`lock lost for ${decodeURIComponent(name)} (taken over after expiry)`);
        });
        void staging.heartbeat(new Date()).catch(() => undefined);
    }, Math.max(250, ctx.settings.lockTtlMs / 4));
    timer.unref();
    return timer;
}
/** Stage: one rsync of every folder and marker (or archive and its marker) into the staging folder; a failed copy throws. */
async function stage(ctx, staging, mine, source) {
    const { budget } = ctx;
    const rsync = await ctx.rsync();
    const copy = await rsync.copy({
        sourceRoot: source.root,
        destRoot: staging.dir,
        paths: mine.flatMap(source.paths),
        timeoutMs: Math.max(0, budget.remainingMs() - CLEANUP_RESERVE_MS),
        signal: budget.signal,
    });
    if (copy.ok)
        return copy;
    if (copy.stopped || budget.remainingMs() <= CLEANUP_RESERVE_MS) {
        throw new errors_1.BudgetExceededError(`push stopped before ${mine.length} versions were copied (${budget.reason || 'time budget ran out'}); ` +
            'nothing partial is visible, a later push completes them');
    }
    throw new Error(`rsync exited ${String(copy.exitCode)} copying to ${staging.dir}: ${copy.errorTail}`);
}
/** Place: the staged versions, each moved into place (placeOne or placeArchive), marker last. */
async function place(ctx, staging, versions, placeOne) {
    const placed = [];
    for (const v of versions) {
        if ((await placeOne(ctx, staging, v)) === 'placed') {
            placed.push(v);
            ctx.log.info(`pushed ${(0, names_1.versionKey)(v)}`);
        }
        else {
            ctx.log.info(`${(0, names_1.versionKey)(v)}: appeared on the root meanwhile, left alone`);
        }
    }
    await (0, usage_1.recordUse)(ctx.settings.root, placed).catch((e) => ctx.log.warn(`last use not recorded: ${(0, errors_1.errorMessage)(e)}`));
    return placed;
}
/** Removes other pushes' expired locks and staging folders, within what is left of the budget. */
async function removeExpiredLeftovers(ctx) {
    const { settings, budget, log } = ctx;
    if (budget.remainingMs() <= CLEANUP_RESERVE_MS)
        return;
    try {
        const report = await (0, staging_1.cleanupExpired)(settings.root, settings.lockTtlMs, Date.now(), () => Math.max(0, budget.remainingMs() - CLEANUP_RESERVE_MS));
        if (report.removed.length > 0)
            log.info(`removed expired leftovers: ${report.removed.join(', ')}`);
    }
    catch (error) {
        log.warn(`cleaning expired leftovers failed: ${(0, errors_1.errorMessage)(error)}`);
    }
}
/**
 * push: every complete local version the root lacks, each under its lock (acquire), copied by one rsync into
 * a private staging folder (stage) and renamed into place with its marker last (place). Never deletes a
 * version on the root.
 */
async function push(ctx) {
    const { settings, budget, log, tally } = ctx;
    if (!settings.pushEnabled) {
        log.info('RUNTIME_SYNC_PUSH is false: not writing the shared cache');
        tally.notes.push('push disabled');
        return;
    }
    // a missing rsync (or tar, zstd for the archive layout) is a setup error, reported before the root is touched
    await Promise.all([ctx.rsync(), settings.layout === 'archive' ? (0, archive_1.checkArchiveTools)() : undefined]);
    const wanted = await candidates(ctx);
    const locks = new lock_1.LockSet(node_path_1.default.join(settings.root, names_1.LOCKS_DIR), settings.lockTtlMs, ctx.owner);
    const staging = new staging_1.Staging(settings.root, ctx.owner);
    let heartbeat;
    let stagingCreated = false;
    try {
        const mine = await acquire(ctx, locks, wanted);
        if (mine.length === 0)
            return;
        await staging.create(ctx.owner);
        stagingCreated = true;
        heartbeat = startHeartbeat(ctx, locks, staging);
        if (settings.layout === 'archive') {
            await pushArchives(ctx, staging, mine);
        }
        else {
            const copy = await stage(ctx, staging, mine, {
                root: settings.toolCache,
                paths: (v) => [(0, names_1.versionDir)(v), (0, names_1.markerFile)(v)],
            });
            const placed = await place(ctx, staging, await verifyVersions(ctx, staging.dir, mine), placeOne);
            tally.versions += placed.length;
            tally.files += copy.stats.files;
            tally.bytes += copy.stats.bytes;
        }
    }
    finally {
        if (heartbeat)
            clearInterval(heartbeat);
        if (stagingCreated)
            await staging.remove(Math.max(CLEANUP_RESERVE_MS, budget.remainingMs()));
        await locks.releaseAll();
        await removeExpiredLeftovers(ctx);
    }
}
/**
 * With RUNTIME_SYNC_VERIFY=published (the default), the versions under `base` (the staged copies in the
 * folder layout, the local tool cache in the archive layout) that are their tool's published release; the
 * others are refused (logged, noted in the summary, not placed).
 */
async function verifyVersions(ctx, base, versions) {
    if (ctx.settings.verify === 'off')
        return [...versions];
    const byTool = (0, publishers_1.publishers)(ctx.settings);
    const accepted = [];
    const refused = [];
    for (const v of versions) {
        const verdict = await (0, verify_1.verifyAgainstPublished)(v, node_path_1.default.join(base, (0, names_1.versionDir)(v)), byTool.get(v.tool), ctx.budget);
        if (verdict.ok) {
            ctx.log.info(`${(0, names_1.versionKey)(v)}: verified, ${verdict.detail}`);
            accepted.push(v);
        }
        else {
            ctx.log.warn(`${(0, names_1.versionKey)(v)}: refused, not placed on the shared cache: ${verdict.reason}`);
            refused.push((0, names_1.versionKey)(v));
        }
    }
    if (refused.length > 0)
        ctx.tally.notes.push(`refused by verification: ${refused.join(', ')}`);
    return accepted;
}
/**
 * Places one staged archive, then its marker, each by link(2), which fails with EEXIST rather than replace
 * a file (rename would): a version placed meanwhile is left alone. An archive in place without its marker,
 * older than the lock ttl (its ctime: the time it was linked), is what a push killed between its two links
 * left; it never counted, and this push, holding the lock, replaces it.
 */
async function placeArchive(ctx, staging, v) {
    const root = ctx.settings.root;
    const target = node_path_1.default.join(root, (0, names_1.archiveFile)(v));
    const marker = node_path_1.default.join(root, (0, names_1.archiveMarkerFile)(v));
    const link = async (from, to) => {
        try {
            await node_fs_1.promises.link(from, to);
            return true;
        }
        catch (error) {
            if ((0, errors_1.errnoCode)(error) !== 'EEXIST')
                throw error;
            return false;
        }
    };
    await node_fs_1.promises.mkdir(node_path_1.default.dirname(target), { recursive: true });
    if (!(await link(node_path_1.default.join(staging.dir, (0, names_1.archiveFile)(v)), target))) {
        if (fs.existsSync(marker))
            return 'present';
        const placedAt = (await node_fs_1.promises.lstat(target)).ctimeMs;
        if (Date.now() - placedAt < ctx.settings.lockTtlMs)
            return 'present'; // another push is placing it
        ctx.log.info(`${(0, names_1.versionKey)(v)}: replacing an unmarked archive left by a killed push`);
        await node_fs_1.promises.unlink(target).catch(() => undefined);
        if (!(await link(node_path_1.default.join(staging.dir, (0, names_1.archiveFile)(v)), target)))
            return 'present';
    }
    return (await link(node_path_1.default.join(staging.dir, (0, names_1.archiveMarkerFile)(v)), marker)) ? 'placed' : 'present';
}
/**
 * Archives one local version into `work` (tar | zstd, hashed while written) and drafts its marker next to
 * it. The budget running out is a BudgetExceededError; any other failure (tar saw a file change, no room)
 * is thrown for this version alone.
 */
async function archiveOne(ctx, work, v) {
    const { settings, budget } = ctx;
    await node_fs_1.promises.mkdir(node_path_1.default.join(work, v.tool, v.version), { recursive: true });
    const count = await (0, archive_1.countTree)(node_path_1.default.join(settings.toolCache, (0, names_1.versionDir)(v)));
    let built;
    try {
        built = await (0, archive_1.createArchive)(node_path_1.default.join(settings.toolCache, v.tool, v.version), v.arch, node_path_1.default.join(work, (0, names_1.archiveFile)(v)), {
            timeoutMs: Math.max(0, budget.remainingMs() - CLEANUP_RESERVE_MS),
            signal: budget.signal,
        });
    }
    catch (error) {
        if (!(error instanceof archive_1.ArchiveStoppedError))
            throw error;
        throw new errors_1.BudgetExceededError(`push stopped while archiving ${(0, names_1.versionKey)(v)} (${budget.reason || 'time budget ran out'}); ` +
            'nothing partial is visible, a later push completes it');
    }
    const marker = {
        marker: (await node_fs_1.promises.readFile(node_path_1.default.join(settings.toolCache, (0, names_1.markerFile)(v)))).toString('base64'),
        ...built,
        ...count,
    };
    await node_fs_1.promises.writeFile(node_path_1.default.join(work, (0, names_1.archiveMarkerFile)(v)), JSON.stringify(marker));
    ctx.log.info(`${(0, names_1.versionKey)(v)}: archived, ${count.files} files, ${count.bytes} bytes in ${built.size} bytes`);
    return marker;
}
/**
 * The archive layout: each verified local version is archived locally (tar | zstd, hashed while written,
 * its marker drafted next to it), then one rsync copies every archive and marker into the staging folder,
 * and each is linked into place, marker last.
 */
async function pushArchives(ctx, staging, mine) {
    const { settings, budget, log, tally } = ctx;
    const verified = await verifyVersions(ctx, settings.toolCache, mine);
    if (verified.length === 0)
        return;
    const removedWork = await (0, local_work_1.removeDeadLocalWork)(settings.toolCache, CLEANUP_RESERVE_MS);
    if (removedWork.length > 0)
        log.info(`removed local leftovers: ${removedWork.join(', ')}`);
    const work = (0, local_work_1.localWorkDir)(settings.toolCache, 'push', ctx.owner);
    const counts = new Map();
    try {
        const failed = [];
        for (const v of verified) {
            try {
                counts.set(v, await archiveOne(ctx, work, v));
            }
            catch (error) {
                if (error instanceof errors_1.BudgetExceededError)
                    throw error;
                log.warn(`${(0, names_1.versionKey)(v)}: not archived, not pushed: ${(0, errors_1.errorMessage)(error)}`);
                failed.push((0, names_1.versionKey)(v));
            }
        }
        if (failed.length > 0)
            tally.notes.push(`not archived: ${failed.join(', ')}`);
        const archived = verified.filter((v) => counts.has(v));
        if (archived.length === 0)
            return;
        await stage(ctx, staging, archived, { root: work, paths: (v) => [(0, names_1.archiveFile)(v), (0, names_1.archiveMarkerFile)(v)] });
        const placed = await place(ctx, staging, archived, placeArchive);
        tally.versions += placed.length;
        for (const v of placed) {
            tally.files += counts.get(v)?.files ?? 0;
            tally.bytes += counts.get(v)?.bytes ?? 0;
        }
    }
    finally {
        await (0, staging_1.removeTree)(work, Math.max(CLEANUP_RESERVE_MS, budget.remainingMs()));
        await node_fs_1.promises.rmdir(node_path_1.default.dirname(work)).catch(() => undefined); // .runtime-sync, when empty
    }
}


/***/ }),

/***/ 311:
/***/ (function(__unused_webpack_module, exports, __nccwpck_require__) {


var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.status = status;
const fs = __importStar(__nccwpck_require__(24));
const errors_1 = __nccwpck_require__(919);
const log_1 = __nccwpck_require__(680);
const probe_1 = __nccwpck_require__(995);
const scan_1 = __nccwpck_require__(832);
const names_1 = __nccwpck_require__(273);
const context_1 = __nccwpck_require__(894);
function rows(where, scan) {
    const line = (v) => [
        where.padEnd(6),
        (0, names_1.versionKey)(v).padEnd(40),
        (v.forms.length > 1 ? 'both' : (v.forms[0] ?? '')).padEnd(7),
        (0, log_1.formatBytes)(v.bytes ?? 0).padStart(10),
        String(v.files ?? 0).padStart(8),
        `  ${new Date(v.lastUsedMs).toISOString()}`,
    ].join(' ');
    return [
        ...scan.versions.map(line),
        ...scan.incomplete.map((key) => `${where.padEnd(6)} ${key.padEnd(40)} (incomplete: no marker, never moved)`),
        ...scan.unmarkedArchives.map((a) => `${where.padEnd(6)} ${a.path.padEnd(40)} (archive without its marker: being placed, or left by a killed push)`),
    ];
}
/**
 * status: versions on the root and locally, with their form (folder, archive or both; an archive's size and
 * file count come from its marker), sizes, file counts and last use.
 */
async function status(ctx) {
    const { settings, budget, tally } = ctx;
    const remote = await (0, probe_1.probeRoot)({ root: settings.root, expectArch: ctx.arch, sizes: true }, budget);
    (0, context_1.refuseForeignRoot)(remote, ctx);
    let local;
    try {
        local = (0, scan_1.scanRoot)(fs, { root: settings.toolCache, sizes: true }, scan_1.SCAN_NAMES);
    }
    catch (error) {
        ctx.log.warn(`cannot read the local tool cache ${settings.toolCache}: ${(0, errors_1.errorMessage)(error)}`);
        local = {
            exists: false,
            arch: null,
            archMismatch: false,
            versions: [],
            incomplete: [],
            unmarkedArchives: [],
        };
    }
    const out = [
        `root ${settings.root} (${remote.arch ?? 'no architecture yet'}), local ${settings.toolCache}`,
        `${'where'.padEnd(6)} ${'version'.padEnd(40)} ${'form'.padEnd(7)} ${'size'.padStart(10)} ${'files'.padStart(8)}   last use`,
        ...rows('efs', remote),
        ...rows('local', local),
    ];
    process.stdout.write(`${out.join('\n')}\n`);
    tally.versions = remote.versions.length;
    tally.files = remote.versions.reduce((n, v) => n + (v.files ?? 0), 0);
    tally.bytes = remote.versions.reduce((n, v) => n + (v.bytes ?? 0), 0);
    const localBytes = local.versions.reduce((n, v) => n + (v.bytes ?? 0), 0);
    tally.notes.push(`on the root; local: ${local.versions.length} versions, ${localBytes} bytes`);
}


/***/ }),

/***/ 782:
/***/ (function(__unused_webpack_module, exports, __nccwpck_require__) {


var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.HELP = exports.DEFAULT_LAYOUT = exports.LAYOUTS = exports.VERIFY_MODES = exports.DEFAULT_GO_DL_URL = exports.DEFAULT_NODE_DIST_URL = exports.DEFAULT_LOCK_TTL_SECONDS = exports.DEFAULT_TOOL_CACHE = exports.DEFAULT_TIMEOUT_SECONDS = exports.COMMANDS = void 0;
exports.parseSize = parseSize;
exports.parseArgs = parseArgs;
const node_path_1 = __importDefault(__nccwpck_require__(760));
const errors_1 = __nccwpck_require__(919);
exports.COMMANDS = ['pull', 'push', 'status', 'prune'];
/** Default time budgets per command (seconds). push must fit inside the ECS task's stopTimeout. */
exports.DEFAULT_TIMEOUT_SECONDS = {
    pull: 300,
    push: 90,
    status: 300,
    prune: 3600,
};
exports.DEFAULT_TOOL_CACHE = '/opt/hostedtoolcache';
/** Lock and staging expiry (seconds): a killed push's lock is taken over, and its staging removed, after this. */
exports.DEFAULT_LOCK_TTL_SECONDS = 60;
/** Where the tools publish their releases and checksums (push verifies against them). */
exports.DEFAULT_NODE_DIST_URL = 'https://nodejs.org/dist';
exports.DEFAULT_GO_DL_URL = 'https://go.dev/dl';
exports.VERIFY_MODES = ['published', 'off'];
/** How versions are kept on the root: one folder each (rsync of every file) or one archive each. */
exports.LAYOUTS = ['folders', 'archive'];
/**
 * The program's default is the folder layout: it needs nothing but rsync (the archive layout also needs tar
 * and zstd) and is the faster one on a local disk; Terraform sets `archive` for EFS, where it is several
 * times faster (runtime-sync/README.md, "Layouts").
 */
exports.DEFAULT_LAYOUT = 'folders';
exports.HELP = `Usage: runtime-sync <command> [flags]

Keeps the runner tool cache (@actions/tool-cache layout) on a shared EFS volume, one per CPU architecture.

Commands:
  pull     copy every complete tool version from the EFS root to the local tool cache (runner entrypoint)
  push     copy every complete local version the EFS root lacks to it (entrypoint exit trap)
  status   list versions on the EFS root and locally, with sizes and last use
  prune    remove versions unused for N days (--max-age-days) or beyond a size cap (--max-size)

Flags (each overrides its environment variable):
  --root DIR            RUNTIME_SYNC_ROOT             EFS mount of this architecture (required)
  --tool-cache DIR      RUNNER_TOOL_CACHE             local tool cache (default ${exports.DEFAULT_TOOL_CACHE})
  --timeout SECONDS     RUNTIME_SYNC_TIMEOUT_SECONDS  hard budget (default pull 300, push 90, status 300, prune 3600)
  --push true|false     RUNTIME_SYNC_PUSH             false: push does nothing (default true)
  --lock-ttl SECONDS    RUNTIME_SYNC_LOCK_TTL_SECONDS lock and staging expiry (default ${exports.DEFAULT_LOCK_TTL_SECONDS})
  --rsync PATH          RUNTIME_SYNC_RSYNC            rsync program (default rsync from PATH)
  --verify MODE         RUNTIME_SYNC_VERIFY           push: published (default; only versions that match the
                                                      tool's published release and checksums) or off
  --layout LAYOUT       RUNTIME_SYNC_LAYOUT           folders (default: one folder per version, rsync of
                                                      every file) or archive (one .tar.zst per version;
                                                      needs tar and zstd); pull reads both
  --node-dist-url URL   RUNTIME_SYNC_NODE_DIST_URL    Node releases (default ${exports.DEFAULT_NODE_DIST_URL})
  --go-dl-url URL       RUNTIME_SYNC_GO_DL_URL        Go releases (default ${exports.DEFAULT_GO_DL_URL})
  --max-age-days N      RUNTIME_SYNC_PRUNE_MAX_AGE_DAYS  prune: versions unused for more than N days
  --max-size SIZE       RUNTIME_SYNC_PRUNE_MAX_SIZE   prune: size cap, bytes or with K/M/G/T (1024-based)
  -h, --help            this text
  --version             the program version

Exit codes:
  0  done; pull also exits 0 after a warning (root missing, unreadable, slow, copy failed)
  1  unexpected failure (push, status, prune)
  2  bad command line or setting
  3  the root belongs to the other CPU architecture (wrong mount)
  4  rsync is missing or older than 3.0 (archive layout: or tar, zstd missing)
  5  push or prune ran out of time or was stopped by SIGTERM/SIGINT
  6  the root is missing, unreadable or did not answer in time (push, status, prune)
  7  push: the root is mounted read-only for this runner (a reader pool); nothing was written

Every run prints one summary line on stdout: versions, files, bytes, seconds.
`;
/**
 * A non-negative number of some unit (seconds, days): fractions allowed; zero only when `allowZero`.
 * The name says the unit to the reader; the message names the setting.
 */
function positiveNumber(value, name, allowZero = false) {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) {
        throw new errors_1.UsageError(`${name} must be a ${allowZero ? 'non-negative' : 'positive'} number, got '${value}'`);
    }
    return n;
}
/**
 * The action's grammar (src/config/settings.ts), so one setting reads the same everywhere: a boolean is
 * `true` or `false` in any case. Where the action reads anything else as false, runtime-sync refuses it.
 */
function bool(value, name) {
    const v = value.trim().toLowerCase();
    if (v === 'true')
        return true;
    if (v === 'false')
        return false;
    throw new errors_1.UsageError(`${name} must be true or false, got '${value}'`);
}
const SIZE_UNITS = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };
/**
 * A byte count in the action's grammar (src/config/settings.ts): a whole number, optionally followed by
 * K, M, G (and here T, for volume caps), with an optional `B` or `iB`; the units are 1024-based.
 */
function parseSize(value, name) {
    const match = /^(\d+)\s*([kmgt]?)(i?b)?$/i.exec(value.trim());
    const bytes = match ? Number(match[1]) * (SIZE_UNITS[(match[2] ?? '').toLowerCase()] ?? 1) : NaN;
    if (!Number.isSafeInteger(bytes)) {
        throw new errors_1.UsageError(`${name} must be a whole number of bytes, optionally with K, M, G or T (1024-based) such as 500M, ` +
            `200G or 1T, got '${value}'`);
    }
    return bytes;
}
function verifyMode(value) {
    const v = value.trim().toLowerCase();
    if (exports.VERIFY_MODES.includes(v))
        return v;
    throw new errors_1.UsageError(`RUNTIME_SYNC_VERIFY (--verify) must be published or off, got '${value}'`);
}
function layout(value) {
    const v = value.trim().toLowerCase();
    if (exports.LAYOUTS.includes(v))
        return v;
    throw new errors_1.UsageError(`RUNTIME_SYNC_LAYOUT (--layout) must be folders or archive, got '${value}'`);
}
function httpUrl(value, name, example) {
    let url;
    try {
        url = new URL(value);
    }
    catch {
        url = undefined;
    }
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
        throw new errors_1.UsageError(`${name} must be an http(s) URL (e.g. ${example}), got '${value}'`);
    }
    return value.replace(/\/+$/, '');
}
function absoluteDir(value, name, example) {
    if (!node_path_1.default.isAbsolute(value)) {
        throw new errors_1.UsageError(`${name} must be an absolute path (e.g. ${example}), got '${value}'`);
    }
    return node_path_1.default.resolve(value);
}
const SETTINGS = [
    {
        flag: '--root',
        variable: 'RUNTIME_SYNC_ROOT',
        apply: (s, v, name) => (s.root = absoluteDir(v, name, '/mnt/runtime-cache')),
    },
    {
        flag: '--tool-cache',
        variable: 'RUNNER_TOOL_CACHE',
        apply: (s, v, name) => (s.toolCache = absoluteDir(v, name, exports.DEFAULT_TOOL_CACHE)),
    },
    {
        flag: '--timeout',
        variable: 'RUNTIME_SYNC_TIMEOUT_SECONDS',
        apply: (s, v, name) => (s.timeoutMs = 1000 * positiveNumber(v, name)),
    },
    { flag: '--push', variable: 'RUNTIME_SYNC_PUSH', apply: (s, v, name) => (s.pushEnabled = bool(v, name)) },
    {
        flag: '--lock-ttl',
        variable: 'RUNTIME_SYNC_LOCK_TTL_SECONDS',
        apply: (s, v, name) => (s.lockTtlMs = 1000 * positiveNumber(v, name)),
    },
    { flag: '--rsync', variable: 'RUNTIME_SYNC_RSYNC', apply: (s, v) => (s.rsyncPath = v) },
    { flag: '--verify', variable: 'RUNTIME_SYNC_VERIFY', apply: (s, v) => (s.verify = verifyMode(v)) },
    { flag: '--layout', variable: 'RUNTIME_SYNC_LAYOUT', apply: (s, v) => (s.layout = layout(v)) },
    {
        flag: '--node-dist-url',
        variable: 'RUNTIME_SYNC_NODE_DIST_URL',
        apply: (s, v, name) => (s.nodeDistUrl = httpUrl(v, name, exports.DEFAULT_NODE_DIST_URL)),
    },
    {
        flag: '--go-dl-url',
        variable: 'RUNTIME_SYNC_GO_DL_URL',
        apply: (s, v, name) => (s.goDlUrl = httpUrl(v, name, exports.DEFAULT_GO_DL_URL)),
    },
    {
        flag: '--max-age-days',
        variable: 'RUNTIME_SYNC_PRUNE_MAX_AGE_DAYS',
        apply: (s, v, name) => (s.maxAgeDays = positiveNumber(v, name, true)),
    },
    {
        flag: '--max-size',
        variable: 'RUNTIME_SYNC_PRUNE_MAX_SIZE',
        apply: (s, v, name) => (s.maxSizeBytes = parseSize(v, name)),
    },
];
const BY_FLAG = new Map(SETTINGS.map((spec) => [spec.flag, spec]));
/** Splits argv into the command and flag values (`--flag value` or `--flag=value`, trimmed). */
function readArgv(argv) {
    const flags = new Map();
    let command;
    for (let i = 0; i < argv.length; i += 1) {
        const arg = argv[i] ?? '';
        if (arg === '-h' || arg === '--help' || arg === 'help')
            return { kind: 'help' };
        if (arg === '--version')
            return { kind: 'version' };
        if (!arg.startsWith('-')) {
            if (command !== undefined)
                throw new errors_1.UsageError(`unexpected argument '${arg}'; see runtime-sync --help`);
            command = arg;
            continue;
        }
        const eq = arg.indexOf('=');
        const flag = eq >= 0 ? arg.slice(0, eq) : arg;
        if (!BY_FLAG.has(flag))
            throw new errors_1.UsageError(`unknown flag '${flag}'; see runtime-sync --help`);
        const value = eq >= 0 ? arg.slice(eq + 1) : argv[(i += 1)];
        if (value === undefined)
            throw new errors_1.UsageError(`${flag} needs a value; see runtime-sync --help`);
        if (flag === '--push' && eq < 0 && value.startsWith('-'))
            throw new errors_1.UsageError(`--push needs true or false`);
        flags.set(flag, value.trim());
    }
    return { kind: 'run', command, flags };
}
function checkCommand(command) {
    if (command === undefined)
        throw new errors_1.UsageError(`a command is required (${exports.COMMANDS.join(', ')}); see --help`);
    if (!exports.COMMANDS.includes(command)) {
        throw new errors_1.UsageError(`unknown command '${command}': use one of ${exports.COMMANDS.join(', ')}`);
    }
    return command;
}
/** Rules across settings: a root, something for prune to do, and two folders apart. */
function checkTogether(settings) {
    if (!settings.root) {
        throw new errors_1.UsageError('RUNTIME_SYNC_ROOT is not set: set it (or --root) to where this architecture’s EFS volume is mounted');
    }
    if (settings.command === 'prune' &&
        settings.maxAgeDays === undefined &&
        settings.maxSizeBytes === undefined) {
        throw new errors_1.UsageError('prune needs --max-age-days N or --max-size SIZE (or RUNTIME_SYNC_PRUNE_MAX_AGE_DAYS / _MAX_SIZE)');
    }
    const inside = (a, b) => a === b || a.startsWith(`${b}${node_path_1.default.sep}`);
    if (inside(settings.root, settings.toolCache) || inside(settings.toolCache, settings.root)) {
        throw new errors_1.UsageError(`RUNTIME_SYNC_ROOT (${settings.root}) and RUNNER_TOOL_CACHE (${settings.toolCache}) must not contain each other`);
    }
}
/**
 * Reads argv (without node and script) and the environment into Settings; bad input is a UsageError. Each
 * setting comes from its flag, else its variable (an empty value counts as unset), else its default.
 */
function parseArgs(argv, env) {
    const read = readArgv(argv);
    if (read.kind !== 'run')
        return read;
    const command = checkCommand(read.command);
    const settings = {
        command,
        root: '',
        toolCache: exports.DEFAULT_TOOL_CACHE,
        timeoutMs: 1000 * exports.DEFAULT_TIMEOUT_SECONDS[command],
        pushEnabled: true,
        lockTtlMs: 1000 * exports.DEFAULT_LOCK_TTL_SECONDS,
        rsyncPath: 'rsync',
        verify: 'published',
        layout: exports.DEFAULT_LAYOUT,
        nodeDistUrl: exports.DEFAULT_NODE_DIST_URL,
        goDlUrl: exports.DEFAULT_GO_DL_URL,
    };
    for (const spec of SETTINGS) {
        const value = read.flags.get(spec.flag) || env[spec.variable];
        if (value)
            spec.apply(settings, value, `${spec.variable} (${spec.flag})`);
    }
    checkTogether(settings);
    return { kind: 'run', settings };
}


/***/ }),

/***/ 247:
/***/ (function(__unused_webpack_module, exports, __nccwpck_require__) {


var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.claimArch = claimArch;
const node_fs_1 = __nccwpck_require__(24);
const node_path_1 = __importDefault(__nccwpck_require__(760));
const errors_1 = __nccwpck_require__(919);
const names_1 = __nccwpck_require__(273);
/**
 * Writes the root's architecture file once, whole. The content is written to a private file under the
 * staging folder first and then hard-linked into place: link fails with EEXIST when the file exists, and
 * the name appears with its content, so a concurrent reader never sees an empty file. (Creating it with
 * O_EXCL and writing afterwards left a moment in which another pusher read '' and took the root for a
 * foreign architecture's.) EFS supports hard links within a file system.
 */
async function claimArch(root, arch, ownerId) {
    const file = node_path_1.default.join(root, names_1.ARCH_FILE);
    const draft = node_path_1.default.join(root, names_1.STAGING_DIR, `${ownerId}.arch`);
    await node_fs_1.promises.mkdir(node_path_1.default.dirname(draft), { recursive: true });
    await node_fs_1.promises.writeFile(draft, `${arch}\n`);
    try {
        await node_fs_1.promises.link(draft, file);
        return { claimed: true };
    }
    catch (error) {
        if ((0, errors_1.errnoCode)(error) !== 'EEXIST')
            throw error;
        return { claimed: false, arch: (await node_fs_1.promises.readFile(file, 'utf8')).trim() };
    }
    finally {
        await node_fs_1.promises.unlink(draft).catch(() => undefined);
    }
}


/***/ }),

/***/ 858:
/***/ (function(__unused_webpack_module, exports, __nccwpck_require__) {


var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.leasePath = leasePath;
exports.leaseBody = leaseBody;
exports.rewriteLease = rewriteLease;
exports.readLeases = readLeases;
const node_fs_1 = __nccwpck_require__(24);
const node_path_1 = __importDefault(__nccwpck_require__(760));
const names_1 = __nccwpck_require__(273);
function leasePath(root, owner) {
    return node_path_1.default.join(root, names_1.LEASES_DIR, `${owner.id}.json`);
}
function leaseBody(owner, expiresAtMs, versions) {
    const body = { ...owner, expiresAtMs, versions };
    return JSON.stringify(body);
}
/** Replaces the lease atomically (write aside, rename over). */
async function rewriteLease(file, body) {
    const tmp = `${file}.tmp`;
    await node_fs_1.promises.writeFile(tmp, body);
    await node_fs_1.promises.rename(tmp, file);
}
async function readLeases(root, now) {
    const dir = node_path_1.default.join(root, names_1.LEASES_DIR);
    const names = await node_fs_1.promises.readdir(dir).catch(() => []);
    const live = [];
    const expiredFiles = [];
    for (const name of names.filter((n) => n.endsWith('.json'))) {
        const file = node_path_1.default.join(dir, name);
        try {
            const body = JSON.parse(await node_fs_1.promises.readFile(file, 'utf8'));
            if (body.expiresAtMs > now)
                live.push(body);
            else
                expiredFiles.push(file);
        }
        catch {
            // removed meanwhile, or half-written by a writer that renames: ignore
        }
    }
    return {
        covers: (key) => live.some((l) => l.versions === null || l.versions.includes(key)),
        expiredFiles,
    };
}


/***/ }),

/***/ 549:
/***/ (function(__unused_webpack_module, exports, __nccwpck_require__) {


var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.localWorkDir = localWorkDir;
exports.removeDeadLocalWork = removeDeadLocalWork;
const node_fs_1 = __nccwpck_require__(24);
const node_path_1 = __importDefault(__nccwpck_require__(760));
const names_1 = __nccwpck_require__(273);
const staging_1 = __nccwpck_require__(445);
/**
 * Private work folders in the local tool cache, `<tool cache>/.runtime-sync/<pull|push>-<pid>-<id>/`: where
 * pull receives and extracts archives (the same file system as the tool cache, so a version is renamed into
 * place) and push builds them. The dot name keeps them out of every scan. One left by a killed run (its
 * pid gone) is removed by the next pull or push.
 */
function localWorkDir(toolCache, kind, owner) {
    return node_path_1.default.join(toolCache, names_1.LOCAL_WORK_DIR, `${kind}-${owner.pid}-${owner.id}`);
}
function running(pid) {
    try {
        process.kill(pid, 0);
        return true;
    }
    catch (error) {
        return error.code === 'EPERM';
    }
}
/** Removes the work folders of runs that are gone; returns their names. */
async function removeDeadLocalWork(toolCache, timeoutMs) {
    const base = node_path_1.default.join(toolCache, names_1.LOCAL_WORK_DIR);
    const names = await node_fs_1.promises.readdir(base).catch(() => []);
    const removed = [];
    for (const name of names) {
        const pid = Number(/^(?:pull|push)-(\d+)-/.exec(name)?.[1]);
        if (!Number.isInteger(pid) || pid === process.pid || running(pid))
            continue;
        if (await (0, staging_1.removeTree)(node_path_1.default.join(base, name), timeoutMs))
            removed.push(name);
    }
    return removed;
}


/***/ }),

/***/ 161:
/***/ (function(__unused_webpack_module, exports, __nccwpck_require__) {


var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.LockSet = void 0;
const node_fs_1 = __nccwpck_require__(24);
const node_path_1 = __importDefault(__nccwpck_require__(760));
const errors_1 = __nccwpck_require__(919);
/**
 * Per-version push locks that work on NFS, where advisory locks are not reliable.
 *
 * - A lock is the file `<dir>/<name>.lock`, created with O_EXCL (open 'wx'), holding its owner as JSON.
 * - Its expiry is its mtime + ttl; the holder refreshes the mtime (heartbeat) every ttl / 4.
 * - A stale lock (expired) is taken over by renaming it aside to a name only this owner uses (one rename of
 *   the same source wins), checking that what was moved is still the stale lock that was seen, and then
 *   creating a fresh lock with O_EXCL. If a live lock was moved by mistake it is linked back (link fails
 *   rather than overwrites).
 * - Correctness does not rest on the lock: a version only becomes visible by an atomic rename that fails
 *   when it already exists. The lock makes concurrent pushers do the work once.
 */
class LockSet {
    dir;
    ttlMs;
    owner;
    now;
    held = new Map();
    constructor(dir, ttlMs, owner, now = Date.now) {
        this.dir = dir;
        this.ttlMs = ttlMs;
        this.owner = owner;
        this.now = now;
    }
    file(name) {
        return node_path_1.default.join(this.dir, `${name}.lock`);
    }
    body() {
        return JSON.stringify({
            ...this.owner,
            acquiredAt: new Date(this.now()).toISOString(),
            ttlMs: this.ttlMs,
        });
    }
    async create(file) {
        try {
            await node_fs_1.promises.writeFile(file, this.body(), { flag: 'wx' });
            return true;
        }
        catch (error) {
            if ((0, errors_1.errnoCode)(error) === 'EEXIST')
                return false;
            throw error;
        }
    }
    /** Takes the lock if it is free or expired; false when another owner holds a live lock. */
    async tryAcquire(name) {
        const file = this.file(name);
        await node_fs_1.promises.mkdir(this.dir, { recursive: true });
        if (await this.create(file))
            return this.keep(name, file);
        let seen;
        let mtimeMs;
        try {
            seen = await node_fs_1.promises.readFile(file, 'utf8');
            mtimeMs = (await node_fs_1.promises.stat(file)).mtimeMs;
        }
        catch (error) {
            if ((0, errors_1.errnoCode)(error) !== 'ENOENT')
                throw error;
            return (await this.create(file)) && this.keep(name, file); // released meanwhile
        }
        if (this.now() - mtimeMs < this.ttlMs)
            return false;
        const aside = `${file}.stale-${this.owner.id}`;
        try {
            await node_fs_1.promises.rename(file, aside);
        }
        catch (error) {
            if ((0, errors_1.errnoCode)(error) === 'ENOENT')
                return false; // another pusher took it over first
            throw error;
        }
        const moved = await node_fs_1.promises.readFile(aside, 'utf8');
        const movedMtimeMs = (await node_fs_1.promises.stat(aside)).mtimeMs;
        if (moved !== seen || this.now() - movedMtimeMs < this.ttlMs) {
            // We moved a lock someone took over (or refreshed) after we looked: give it back.
            await node_fs_1.promises.link(aside, file).catch(() => undefined);
            await node_fs_1.promises.unlink(aside).catch(() => undefined);
            return false;
        }
        await node_fs_1.promises.unlink(aside);
        return (await this.create(file)) && this.keep(name, file);
    }
    keep(name, file) {
        this.held.set(name, file);
        return true;
    }
    /** Refreshes every held lock; returns the names whose lock was lost (taken over or removed). */
    async heartbeat() {
        const lost = [];
        const t = new Date(this.now());
        for (const [name, file] of this.held) {
            try {
                const content = JSON.parse(await node_fs_1.promises.readFile(file, 'utf8'));
                if (content.id !== this.owner.id)
                    throw new Error('taken over');
                await node_fs_1.promises.utimes(file, t, t);
            }
            catch {
                lost.push(name);
                this.held.delete(name);
            }
        }
        return lost;
    }
    async release(name) {
        const file = this.held.get(name);
        if (!file)
            return;
        this.held.delete(name);
        try {
            const content = JSON.parse(await node_fs_1.promises.readFile(file, 'utf8'));
            if (content.id === this.owner.id)
                await node_fs_1.promises.unlink(file);
        }
        catch {
            // gone or unreadable: it expires on its own
        }
    }
    async releaseAll() {
        for (const name of [...this.held.keys()])
            await this.release(name);
    }
}
exports.LockSet = LockSet;


/***/ }),

/***/ 771:
/***/ (function(__unused_webpack_module, exports, __nccwpck_require__) {


var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.newOwner = newOwner;
const node_crypto_1 = __nccwpck_require__(598);
const node_os_1 = __importDefault(__nccwpck_require__(542));
function newOwner() {
    return { id: (0, node_crypto_1.randomBytes)(8).toString('hex'), host: node_os_1.default.hostname(), pid: process.pid };
}


/***/ }),

/***/ 445:
/***/ (function(__unused_webpack_module, exports, __nccwpck_require__) {


var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.Staging = void 0;
exports.removeTree = removeTree;
exports.cleanupExpired = cleanupExpired;
const node_fs_1 = __nccwpck_require__(24);
const node_path_1 = __importDefault(__nccwpck_require__(760));
const errors_1 = __nccwpck_require__(919);
const names_1 = __nccwpck_require__(273);
const run_1 = __nccwpck_require__(761);
/**
 * A push's private staging folder `<root>/.staging/<owner id>/` and its heartbeat file
 * `<root>/.staging/<owner id>.alive` (mtime refreshed with the locks). Anything in .staging whose heartbeat
 * is older than the lock ttl belongs to a killed or stopped push and is removed by later pushes and prune.
 */
class Staging {
    dir;
    alive;
    constructor(root, owner) {
        this.dir = node_path_1.default.join(root, names_1.STAGING_DIR, owner.id);
        this.alive = `${this.dir}.alive`;
    }
    async create(owner) {
        await node_fs_1.promises.mkdir(node_path_1.default.dirname(this.dir), { recursive: true });
        await node_fs_1.promises.writeFile(this.alive, JSON.stringify(owner)); // heartbeat first: a folder never lacks one for long
        await node_fs_1.promises.mkdir(this.dir);
    }
    async heartbeat(now) {
        await node_fs_1.promises.utimes(this.alive, now, now);
    }
    async remove(timeoutMs) {
        await removeTree(this.dir, timeoutMs);
        await node_fs_1.promises.unlink(this.alive).catch(() => undefined);
    }
}
exports.Staging = Staging;
/** `rm -rf` in a child bounded in time (a tree on NFS can take long, and may hang). */
async function removeTree(target, timeoutMs, signal) {
    const result = await (0, run_1.runBounded)('rm', ['-rf', '--', target], { timeoutMs, signal });
    return result.code === 0;
}
async function mtimeMs(file) {
    try {
        return (await node_fs_1.promises.lstat(file)).mtimeMs;
    }
    catch (error) {
        if ((0, errors_1.errnoCode)(error) === 'ENOENT')
            return undefined;
        throw error;
    }
}
/**
 * Removes what killed runs left behind, once expired: staging folders, lock files moved aside during a
 * takeover, expired leases, and the trash of an interrupted prune. Stops when the time is up.
 */
async function cleanupExpired(root, ttlMs, now, deadline, signal) {
    const removed = [];
    const list = async (dir) => node_fs_1.promises.readdir(node_path_1.default.join(root, dir)).catch(() => []);
    const stagingNames = await list(names_1.STAGING_DIR);
    for (const name of stagingNames.filter((n) => !n.endsWith('.alive'))) {
        if (deadline() <= 0)
            break;
        const dir = node_path_1.default.join(root, names_1.STAGING_DIR, name);
        const heartbeat = (await mtimeMs(`${dir}.alive`)) ?? (await mtimeMs(dir)) ?? now;
        if (now - heartbeat < ttlMs)
            continue;
        if (await removeTree(dir, deadline(), signal)) {
            await node_fs_1.promises.unlink(`${dir}.alive`).catch(() => undefined);
            removed.push(node_path_1.default.join(names_1.STAGING_DIR, name));
        }
    }
    for (const name of stagingNames.filter((n) => n.endsWith('.alive'))) {
        const dir = node_path_1.default.join(root, names_1.STAGING_DIR, name.slice(0, -'.alive'.length));
        const heartbeat = await mtimeMs(node_path_1.default.join(root, names_1.STAGING_DIR, name));
        if (heartbeat !== undefined && now - heartbeat >= ttlMs && (await mtimeMs(dir)) === undefined) {
            await node_fs_1.promises.unlink(node_path_1.default.join(root, names_1.STAGING_DIR, name)).catch(() => undefined);
        }
    }
    for (const name of (await list(names_1.LOCKS_DIR)).filter((n) => n.includes('.lock.stale-'))) {
        const file = node_path_1.default.join(root, names_1.LOCKS_DIR, name);
        const t = await mtimeMs(file);
        if (t !== undefined && now - t >= ttlMs) {
            await node_fs_1.promises.unlink(file).catch(() => undefined);
            removed.push(node_path_1.default.join(names_1.LOCKS_DIR, name));
        }
    }
    for (const name of await list(names_1.LEASES_DIR)) {
        const file = node_path_1.default.join(root, names_1.LEASES_DIR, name);
        try {
            const body = JSON.parse(await node_fs_1.promises.readFile(file, 'utf8'));
            if ((body.expiresAtMs ?? 0) > now)
                continue;
        }
        catch {
            const t = await mtimeMs(file);
            if (t === undefined || now - t < ttlMs)
                continue;
        }
        await node_fs_1.promises.unlink(file).catch(() => undefined);
        removed.push(node_path_1.default.join(names_1.LEASES_DIR, name));
    }
    for (const name of await list(names_1.TRASH_DIR)) {
        if (deadline() <= 0)
            break;
        const target = node_path_1.default.join(root, names_1.TRASH_DIR, name);
        const t = await mtimeMs(target);
        if (t !== undefined && now - t >= ttlMs && (await removeTree(target, deadline(), signal))) {
            removed.push(node_path_1.default.join(names_1.TRASH_DIR, name));
        }
    }
    return { removed };
}


/***/ }),

/***/ 55:
/***/ (function(__unused_webpack_module, exports, __nccwpck_require__) {


var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.recordUse = recordUse;
const node_fs_1 = __nccwpck_require__(24);
const node_path_1 = __importDefault(__nccwpck_require__(760));
const names_1 = __nccwpck_require__(273);
/**
 * Last use of each version, for prune and status: `<root>/.usage/<key>`, whose mtime is the time of the last
 * pull or push. Written by both commands; the files are written in parallel (on EFS each one costs a few
 * round trips).
 */
async function recordUse(root, versions) {
    if (versions.length === 0)
        return;
    const now = new Date().toISOString();
    await node_fs_1.promises.mkdir(node_path_1.default.join(root, names_1.USAGE_DIR), { recursive: true });
    await Promise.all(versions.map((v) => node_fs_1.promises.writeFile(node_path_1.default.join(root, names_1.USAGE_DIR, (0, names_1.keyFileName)(v)), now)));
}


/***/ }),

/***/ 919:
/***/ ((__unused_webpack_module, exports) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.ArchiveToolsUnavailableError = exports.ReadOnlyRootError = exports.RootUnavailableError = exports.BudgetExceededError = exports.RsyncUnavailableError = exports.ArchMismatchError = exports.UsageError = exports.RuntimeSyncError = exports.ExitCode = void 0;
exports.isSetupError = isSetupError;
exports.errorMessage = errorMessage;
exports.errnoCode = errnoCode;
/**
 * Exit codes and the named errors that carry them. The failure policy lives in one place (`exitCodeFor` in main.ts):
 * `pull` turns everything except a usage error, a foreign-architecture root and a missing rsync into a
 * warning and exits 0; the other commands exit with the code of the error.
 */
exports.ExitCode = {
    /** Done (for `pull`: also when it only warned). */
    Ok: 0,
    /** Unexpected failure (push, status, prune). */
    Failure: 1,
    /** Bad command line or setting; the message names the flag or variable and the fix. */
    Usage: 2,
    /** The root was written by the other CPU architecture: a wrong mount. */
    ArchMismatch: 3,
    /** rsync is missing or too old. */
    RsyncUnavailable: 4,
    /** push or prune ran out of its time budget (RUNTIME_SYNC_TIMEOUT_SECONDS) or was stopped by a signal. */
    BudgetExceeded: 5,
    /** The root is missing, unreadable or did not answer in time (push, status, prune). */
    RootUnavailable: 6,
    /** push: the root is mounted read-only for this runner (a reader pool): nothing was written. */
    ReadOnlyRoot: 7,
};
class RuntimeSyncError extends Error {
    exitCode;
    constructor(message, exitCode) {
        super(message);
        this.exitCode = exitCode;
        this.name = new.target.name;
    }
}
exports.RuntimeSyncError = RuntimeSyncError;
class UsageError extends RuntimeSyncError {
    constructor(message) {
        super(message, exports.ExitCode.Usage);
    }
}
exports.UsageError = UsageError;
class ArchMismatchError extends RuntimeSyncError {
    constructor(message) {
        super(message, exports.ExitCode.ArchMismatch);
    }
}
exports.ArchMismatchError = ArchMismatchError;
class RsyncUnavailableError extends RuntimeSyncError {
    constructor(message) {
        super(message, exports.ExitCode.RsyncUnavailable);
    }
}
exports.RsyncUnavailableError = RsyncUnavailableError;
class BudgetExceededError extends RuntimeSyncError {
    constructor(message) {
        super(message, exports.ExitCode.BudgetExceeded);
    }
}
exports.BudgetExceededError = BudgetExceededError;
class RootUnavailableError extends RuntimeSyncError {
    constructor(message) {
        super(message, exports.ExitCode.RootUnavailable);
    }
}
exports.RootUnavailableError = RootUnavailableError;
class ReadOnlyRootError extends RuntimeSyncError {
    constructor(message) {
        super(message, exports.ExitCode.ReadOnlyRoot);
    }
}
exports.ReadOnlyRootError = ReadOnlyRootError;
/** Errors that are a wrong setup rather than a passing condition: even `pull` fails on them. */
function isSetupError(error) {
    return (error instanceof UsageError ||
        error instanceof ArchMismatchError ||
        error instanceof RsyncUnavailableError);
}
function errorMessage(error) {
    return error instanceof Error ? error.message : String(error);
}
function errnoCode(error) {
    if (typeof error === 'object' && error !== null && 'code' in error) {
        const code = error.code;
        return typeof code === 'string' ? code : undefined;
    }
    return undefined;
}
/** The archive layout's tar or zstd is missing (the same exit code as a missing rsync). */
class ArchiveToolsUnavailableError extends RsyncUnavailableError {
}
exports.ArchiveToolsUnavailableError = ArchiveToolsUnavailableError;


/***/ }),

/***/ 273:
/***/ (function(__unused_webpack_module, exports, __nccwpck_require__) {


var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.TRASH_DIR = exports.USAGE_DIR = exports.LEASES_DIR = exports.STAGING_DIR = exports.LOCKS_DIR = exports.ARCH_FILE = exports.LOCAL_WORK_DIR = exports.ARCHIVE_MARKER_SUFFIX = exports.ARCHIVE_SUFFIX = exports.MARKER_SUFFIX = void 0;
exports.versionKey = versionKey;
exports.keyFileName = keyFileName;
exports.versionDir = versionDir;
exports.markerFile = markerFile;
exports.archiveFile = archiveFile;
exports.archiveMarkerFile = archiveMarkerFile;
const node_path_1 = __importDefault(__nccwpck_require__(760));
/**
 * Names in the tool cache (`<tool>/<version>/<arch>/…` + `<tool>/<version>/<arch>.complete`, the layout
 * of @actions/tool-cache) and the bookkeeping folders runtime-sync keeps in the EFS root. Bookkeeping
 * names start with a dot, which no tool folder does, so scans skip them.
 */
exports.MARKER_SUFFIX = '.complete';
/** The archive form of a version, next to its folder: `<tool>/<version>/<arch>.tar.zst` + its marker. */
exports.ARCHIVE_SUFFIX = '.tar.zst';
exports.ARCHIVE_MARKER_SUFFIX = `${exports.ARCHIVE_SUFFIX}${exports.MARKER_SUFFIX}`;
/** In the local tool cache: pull's and push's private work folders (a dot name, so scans skip it). */
exports.LOCAL_WORK_DIR = '.runtime-sync';
exports.ARCH_FILE = '.runtime-sync-arch';
exports.LOCKS_DIR = '.locks';
exports.STAGING_DIR = '.staging';
exports.LEASES_DIR = '.leases';
exports.USAGE_DIR = '.usage';
exports.TRASH_DIR = '.trash';
/** `node/20.11.1/x64` */
function versionKey(v) {
    return `${v.tool}/${v.version}/${v.arch}`;
}
/** The key as one file name (for locks and usage records). */
function keyFileName(v) {
    return encodeURIComponent(versionKey(v));
}
/** The version folder, relative to a cache root. */
function versionDir(v) {
    return node_path_1.default.join(v.tool, v.version, v.arch);
}
/** The completeness marker, relative to a cache root. */
function markerFile(v) {
    return node_path_1.default.join(v.tool, v.version, `${v.arch}${exports.MARKER_SUFFIX}`);
}
/** The archive of a version, relative to a cache root. */
function archiveFile(v) {
    return node_path_1.default.join(v.tool, v.version, `${v.arch}${exports.ARCHIVE_SUFFIX}`);
}
/** The archive's marker (JSON, see ArchiveMarker), relative to a cache root. */
function archiveMarkerFile(v) {
    return node_path_1.default.join(v.tool, v.version, `${v.arch}${exports.ARCHIVE_MARKER_SUFFIX}`);
}


/***/ }),

/***/ 995:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.probeRoot = probeRoot;
const errors_1 = __nccwpck_require__(919);
const run_1 = __nccwpck_require__(761);
const scan_1 = __nccwpck_require__(832);
/**
 * Scans the EFS root in a child process bounded by the run's budget. A missing, unreadable or hung root
 * becomes a RootUnavailableError naming the root and what to check.
 */
async function probeRoot(request, budget) {
    const root = request.root;
    const run = await (0, run_1.runBounded)(process.execPath, ['-e', scan_1.SCAN_PROGRAM, JSON.stringify(request), JSON.stringify(scan_1.SCAN_NAMES)], { timeoutMs: budget.remainingMs(), signal: budget.signal });
    if (run.stopped) {
        throw new errors_1.RootUnavailableError(`${root} did not answer before ${budget.reason || 'the time budget ran out'}: check the EFS mount (RUNTIME_SYNC_ROOT)`);
    }
    let reply;
    try {
        reply = JSON.parse(run.stdout);
    }
    catch {
        throw new errors_1.RootUnavailableError(`scanning ${root} failed (exit ${String(run.code)}): ${run.stderr.trim()}`);
    }
    if (!reply.ok || !reply.result) {
        throw new errors_1.RootUnavailableError(`cannot read ${root} (RUNTIME_SYNC_ROOT): ${reply.message ?? 'unknown error'}`);
    }
    if (!reply.result.exists) {
        throw new errors_1.RootUnavailableError(`${root} does not exist: mount this architecture's EFS volume there, or fix RUNTIME_SYNC_ROOT`);
    }
    return reply.result;
}


/***/ }),

/***/ 832:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.SCAN_PROGRAM = exports.SCAN_NAMES = void 0;
exports.scanRoot = scanRoot;
const names_1 = __nccwpck_require__(273);
exports.SCAN_NAMES = {
    archFile: names_1.ARCH_FILE,
    markerSuffix: names_1.MARKER_SUFFIX,
    archiveSuffix: names_1.ARCHIVE_SUFFIX,
    archiveMarkerSuffix: names_1.ARCHIVE_MARKER_SUFFIX,
    usageDir: names_1.USAGE_DIR,
};
/** Runs with `fsm` = node:fs. Symlinks are never followed: every entry is looked at with lstat. */
function scanRoot(fsm, request, names) {
    const join = (...parts) => parts.join('/');
    const result = {
        exists: false,
        arch: null,
        archMismatch: false,
        versions: [],
        incomplete: [],
        unmarkedArchives: [],
    };
    const rootStat = fsm.statSync(request.root, { throwIfNoEntry: false });
    if (!rootStat)
        return result;
    if (!rootStat.isDirectory())
        throw new Error(`${request.root} is not a directory`);
    result.exists = true;
    try {
        result.arch = fsm.readFileSync(join(request.root, names.archFile), 'utf8').trim();
    }
    catch (error) {
        if (error.code !== 'ENOENT')
            throw error;
    }
    if (request.expectArch !== undefined && result.arch !== null && result.arch !== request.expectArch) {
        result.archMismatch = true;
        return result;
    }
    if (request.lease) {
        try {
            fsm.mkdirSync(request.lease.path.slice(0, request.lease.path.lastIndexOf('/')), { recursive: true });
            fsm.writeFileSync(`${request.lease.path}.tmp`, request.lease.body);
            fsm.renameSync(`${request.lease.path}.tmp`, request.lease.path);
            result.leaseWritten = true;
        }
        catch (error) {
            result.leaseError = String(error.code ?? error);
        }
    }
    const dirs = (p) => fsm.readdirSync(p, { withFileTypes: true }).filter((d) => !d.name.startsWith('.'));
    const walk = (p, acc) => {
        for (const entry of fsm.readdirSync(p, { withFileTypes: true })) {
            const full = join(p, entry.name);
            if (entry.isDirectory())
                walk(full, acc);
            else {
                acc.files += 1;
                acc.bytes += fsm.lstatSync(full).size;
            }
        }
    };
    const known = new Set(request.known ?? []);
    for (const tool of dirs(request.root)) {
        if (!tool.isDirectory())
            continue;
        for (const version of dirs(join(request.root, tool.name))) {
            if (!version.isDirectory())
                continue;
            const versionPath = join(request.root, tool.name, version.name);
            const entries = fsm.readdirSync(versionPath, { withFileTypes: true });
            const folders = new Set(entries.filter((e) => e.isDirectory()).map((e) => e.name));
            const files = new Set(entries.filter((e) => e.isFile()).map((e) => e.name));
            const byArch = new Map();
            const usageMs = (arch) => {
                const usageName = encodeURIComponent(`${tool.name}/${version.name}/${arch}`);
                const usage = fsm.statSync(join(request.root, names.usageDir, usageName), { throwIfNoEntry: false });
                return usage ? usage.mtimeMs : 0;
            };
            const isKnown = (arch) => known.has(`${tool.name}/${version.name}/${arch}`);
            const add = (arch, form, markerMtimeMs) => {
                let v = byArch.get(arch);
                if (!v) {
                    v = { tool: tool.name, version: version.name, arch, forms: [], markerMtimeMs, lastUsedMs: 0 };
                    byArch.set(arch, v);
                }
                if (form === 'folder')
                    v.markerMtimeMs = markerMtimeMs;
                v.forms = form === 'folder' ? ['folder', ...v.forms] : [...v.forms, 'archive'];
                v.lastUsedMs = Math.max(v.lastUsedMs, markerMtimeMs, isKnown(arch) ? 0 : usageMs(arch));
                return v;
            };
            for (const name of files) {
                if (name.endsWith(names.archiveMarkerSuffix)) {
                    const arch = name.slice(0, -names.archiveMarkerSuffix.length);
                    if (!files.has(`${arch}${names.archiveSuffix}`))
                        continue;
                    if (isKnown(arch)) {
                        add(arch, 'archive', 0);
                        continue;
                    }
                    const markerPath = join(versionPath, name);
                    let archive;
                    try {
                        archive = JSON.parse(fsm.readFileSync(markerPath, 'utf8'));
                    }
                    catch {
                        continue; // unreadable: the archive does not count
                    }
                    const v = add(arch, 'archive', fsm.lstatSync(markerPath).mtimeMs);
                    if (request.markers || request.sizes)
                        v.archive = archive;
                }
                else if (name.endsWith(names.markerSuffix)) {
                    const arch = name.slice(0, -names.markerSuffix.length);
                    if (!folders.has(arch))
                        continue;
                    if (isKnown(arch)) {
                        add(arch, 'folder', 0);
                        continue;
                    }
                    const v = add(arch, 'folder', fsm.lstatSync(join(versionPath, name)).mtimeMs);
                    if (request.markers)
                        v.marker = fsm.readFileSync(join(versionPath, name)).toString('base64');
                }
                else if (name.endsWith(names.archiveSuffix) && !files.has(`${name}${names.markerSuffix}`)) {
                    result.unmarkedArchives.push({
                        path: `${tool.name}/${version.name}/${name}`,
                        changedMs: fsm.lstatSync(join(versionPath, name)).ctimeMs,
                    });
                }
            }
            for (const v of byArch.values()) {
                if (request.markers && v.marker === undefined)
                    v.marker = v.archive?.marker ?? '';
                if (request.sizes) {
                    const acc = { files: 0, bytes: 0 };
                    if (v.forms.includes('folder'))
                        walk(join(versionPath, v.arch), acc);
                    v.files = v.archive ? v.archive.files : acc.files;
                    v.bytes = v.archive ? v.archive.bytes : acc.bytes;
                    v.storedBytes = acc.bytes + (v.archive ? v.archive.size : 0);
                }
                result.versions.push(v);
            }
            for (const folder of folders) {
                if (!byArch.get(folder)?.forms.includes('folder'))
                    result.incomplete.push(`${tool.name}/${version.name}/${folder}`);
            }
        }
    }
    result.versions.sort((a, b) => (a.tool + a.version + a.arch).localeCompare(b.tool + b.version + b.arch));
    return result;
}
/** The child-process program: `node -e PROGRAM '<request json>'` prints the ScanResult as JSON. */
exports.SCAN_PROGRAM = `const fs = require('fs');\n` +
    `const scanRoot = ${scanRoot.toString()};\n` +
    `try { process.stdout.write(JSON.stringify({ ok: true, result: scanRoot(fs, JSON.parse(process.argv[1]), JSON.parse(process.argv[2])) })); }\n` +
    `catch (e) { process.stdout.write(JSON.stringify({ ok: false, code: e.code || '', message: String(e.message || e) })); }\n`;


/***/ }),

/***/ 680:
/***/ ((__unused_webpack_module, exports) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.createLogger = createLogger;
exports.emptyTally = emptyTally;
exports.formatBytes = formatBytes;
exports.summaryLine = summaryLine;
function createLogger(write = (l) => process.stderr.write(l), verbose = false) {
    const emit = (level, message) => {
        write(`${new Date().toISOString()} [${level}] ${message}\n`);
    };
    return {
        info: (m) => emit('info', m),
        warn: (m) => emit('warn', m),
        error: (m) => emit('error', m),
        debug: (m) => {
            if (verbose)
                emit('debug', m);
        },
    };
}
function emptyTally() {
    return { versions: 0, files: 0, bytes: 0, notes: [] };
}
function formatBytes(bytes) {
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let value = bytes;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
        value /= 1024;
        unit += 1;
    }
    return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}
/**
 * The summary line, e.g. `runtime-sync pull: 3 versions, 3012 files, 45678901 bytes (43.6 MiB), 1.8 s`
 * followed by `; <note>` for each note (warnings, skipped work).
 */
function summaryLine(command, tally, seconds) {
    const base = `runtime-sync ${command}: ${tally.versions} versions, ${tally.files} files, ` +
        `${tally.bytes} bytes (${formatBytes(tally.bytes)}), ${seconds.toFixed(1)} s`;
    return [base, ...tally.notes].join('; ');
}


/***/ }),

/***/ 617:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.VERSION = void 0;
exports.exitCodeFor = exitCodeFor;
exports.main = main;
/** The program: parses settings, runs one command under its budget, applies the exit-code policy. */
const budget_1 = __nccwpck_require__(449);
const arch_1 = __nccwpck_require__(984);
const pull_1 = __nccwpck_require__(42);
const push_1 = __nccwpck_require__(801);
const prune_1 = __nccwpck_require__(613);
const status_1 = __nccwpck_require__(311);
const owner_1 = __nccwpck_require__(771);
const config_1 = __nccwpck_require__(782);
const errors_1 = __nccwpck_require__(919);
const log_1 = __nccwpck_require__(680);
const rsync_1 = __nccwpck_require__(851);
exports.VERSION = '1.0.0';
const COMMAND_RUNNERS = { pull: pull_1.pull, push: push_1.push, status: status_1.status, prune: prune_1.prune };
/**
 * The failure policy, in one place: pull turns everything but a setup error into a warning and exit 0;
 * the other commands exit with the code carried by the error (1 for an unexpected one).
 */
function exitCodeFor(command, error) {
    if ((0, errors_1.isSetupError)(error))
        return error.exitCode;
    if (command === 'pull')
        return errors_1.ExitCode.Ok;
    return error instanceof errors_1.RuntimeSyncError ? error.exitCode : errors_1.ExitCode.Failure;
}
async function execute(settings, log) {
    const started = Date.now();
    const tally = (0, log_1.emptyTally)();
    const budget = new budget_1.Budget(settings.timeoutMs);
    const onSignal = (signal) => budget.abort(`stopped by ${signal}`);
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    let rsync;
    let code = errors_1.ExitCode.Ok;
    try {
        const ctx = {
            settings,
            budget,
            log,
            arch: (0, arch_1.detectArch)(),
            owner: (0, owner_1.newOwner)(),
            tally,
            rsync: () => (rsync ??= (0, rsync_1.createRsync)(settings.rsyncPath)),
        };
        // Work on a hung mount may never return: the budget ends the run regardless.
        const stopped = budget.whenOver().then(() => {
            throw new errors_1.BudgetExceededError(`${settings.command} did not finish in time: ${budget.reason}`);
        });
        await Promise.race([COMMAND_RUNNERS[settings.command](ctx), stopped]);
    }
    catch (error) {
        code = exitCodeFor(settings.command, error);
        if (code === errors_1.ExitCode.Ok) {
            log.warn(`${(0, errors_1.errorMessage)(error)} (pull goes on without the shared cache)`);
            tally.notes.push(`warning: ${(0, errors_1.errorMessage)(error)}`);
        }
        else {
            log.error((0, errors_1.errorMessage)(error));
            tally.notes.push(`error (exit ${code}): ${(0, errors_1.errorMessage)(error)}`);
        }
    }
    finally {
        budget.dispose();
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
    }
    process.stdout.write(`${(0, log_1.summaryLine)(settings.command, tally, (Date.now() - started) / 1000)}\n`);
    return code;
}
async function main(argv, env) {
    const log = (0, log_1.createLogger)();
    let parsed;
    try {
        parsed = (0, config_1.parseArgs)(argv, env);
    }
    catch (error) {
        log.error((0, errors_1.errorMessage)(error));
        process.stdout.write(`runtime-sync: error (exit ${errors_1.ExitCode.Usage}): ${(0, errors_1.errorMessage)(error)}\n`);
        return errors_1.ExitCode.Usage;
    }
    if (parsed.kind === 'help') {
        process.stdout.write(config_1.HELP);
        return errors_1.ExitCode.Ok;
    }
    if (parsed.kind === 'version') {
        process.stdout.write(`runtime-sync ${exports.VERSION}\n`);
        return errors_1.ExitCode.Ok;
    }
    return execute(parsed.settings, log);
}


/***/ }),

/***/ 761:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.startBounded = startBounded;
exports.runBounded = runBounded;
const node_child_process_1 = __nccwpck_require__(421);
/** After SIGTERM, how long a process group gets before SIGKILL (ms). rsync removes its temp files on TERM. */
const KILL_GRACE_MS = 1_000;
/** After SIGKILL, how long we wait for the exit event before giving up on it (ms): a process stuck in an
 * uninterruptible NFS call cannot die, and must not hold the run past its budget. */
const EXIT_WAIT_MS = 500;
/** Output kept per stream (characters, the tail): rsync may print an error per file. */
const OUTPUT_LIMIT = 256 * 1024;
function appendTail(current, chunk) {
    const next = current + chunk.toString('utf8');
    return next.length > OUTPUT_LIMIT ? next.slice(next.length - OUTPUT_LIMIT) : next;
}
/**
 * Starts a program in its own process group. On timeout or abort the whole group gets SIGTERM, then
 * SIGKILL, and `done` resolves without waiting for a child stuck in the kernel. `done` rejects only when
 * the program cannot be started (e.g. ENOENT).
 */
function startBounded(file, args, options) {
    const piped = options.input !== undefined || options.stdin !== undefined;
    const child = (0, node_child_process_1.spawn)(file, args, {
        detached: true,
        stdio: [piped ? 'pipe' : 'ignore', 'pipe', 'pipe'],
        env: options.env ?? process.env,
    });
    const done = new Promise((resolve, reject) => {
        let stdout = '';
        let stderr = '';
        let stopped = false;
        let settled = false;
        const timers = [];
        const finish = (code) => {
            if (settled)
                return;
            settled = true;
            timers.forEach(clearTimeout);
            options.signal?.removeEventListener('abort', stop);
            resolve({ code, stdout, stderr, stopped });
        };
        const killGroup = (signal) => {
            try {
                if (child.pid !== undefined)
                    process.kill(-child.pid, signal);
            }
            catch {
                // already gone
            }
        };
        function stop() {
            if (stopped || settled)
                return;
            stopped = true;
            killGroup('SIGTERM');
            timers.push(setTimeout(() => {
                killGroup('SIGKILL');
                child.unref();
                timers.push(setTimeout(() => finish(null), EXIT_WAIT_MS));
            }, KILL_GRACE_MS));
        }
        if (options.stdout !== 'stream')
            child.stdout?.on('data', (c) => (stdout = appendTail(stdout, c)));
        child.stderr?.on('data', (c) => (stderr = appendTail(stderr, c)));
        child.on('error', (error) => {
            if (settled)
                return;
            settled = true;
            timers.forEach(clearTimeout);
            options.signal?.removeEventListener('abort', stop);
            reject(error);
        });
        child.on('close', (code) => finish(code));
        if (piped && child.stdin) {
            child.stdin.on('error', () => undefined); // the program may exit without reading all of it
            if (options.stdin)
                options.stdin.pipe(child.stdin);
            else
                child.stdin.end(options.input);
        }
        if (options.signal?.aborted)
            stop();
        else
            options.signal?.addEventListener('abort', stop, { once: true });
        timers.push(setTimeout(stop, Math.max(0, options.timeoutMs)));
    });
    return { child, done };
}
/** Runs a program in its own process group (see startBounded) and returns its exit code and output. */
function runBounded(file, args, options) {
    return startBounded(file, args, options).done;
}


/***/ }),

/***/ 851:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.MIN_RSYNC_VERSION = void 0;
exports.parseRsyncVersion = parseRsyncVersion;
exports.parseRsyncStats = parseRsyncStats;
exports.copyArgs = copyArgs;
exports.createRsync = createRsync;
const errors_1 = __nccwpck_require__(919);
const run_1 = __nccwpck_require__(761);
/** Oldest rsync we accept: --files-from with --from0 and --stats output as parsed here. */
exports.MIN_RSYNC_VERSION = [3, 0, 0];
/** How long `rsync --version` may take (ms). */
const VERSION_PROBE_TIMEOUT_MS = 10_000;
const INSTALL_HINT = 'install rsync >= 3.0 in the runner image (Debian/Ubuntu: apt-get install -y rsync; ' +
    'Amazon Linux/RHEL: dnf install -y rsync; Alpine: apk add rsync) or set RUNTIME_SYNC_RSYNC to its path';
function parseRsyncVersion(output) {
    const match = /version\s+v?(\d+)\.(\d+)\.(\d+)/.exec(output);
    return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}
function atLeast(version, min) {
    for (let i = 0; i < min.length; i += 1) {
        if ((version[i] ?? 0) !== min[i])
            return (version[i] ?? 0) > (min[i] ?? 0);
    }
    return true;
}
/** Numbers in --stats output carry thousands separators (',' or '.', by locale); sizes are integers. */
function statNumber(output, label) {
    const match = new RegExp(`^${label}:\\s*([\\d.,]+)`, 'm').exec(output);
    return match?.[1] ? Number(match[1].replace(/[.,]/g, '')) : 0;
}
function parseRsyncStats(output) {
    return {
        files: statNumber(output, 'Number of regular files transferred'),
        bytes: statNumber(output, 'Total transferred file size'),
    };
}
/**
 * Arguments of one copy: archive mode (permissions, times, symlinks as symlinks — no -L/--copy-links, so
 * a link to /etc/passwd stays a link and its target's content is never read), explicit -r because
 * --files-from turns off the recursion -a implies, and a NUL-separated file list on stdin.
 */
function copyArgs(sourceRoot, destRoot) {
    return ['-a', '-r', '--files-from=-', '--from0', '--stats', '--', `${sourceRoot}/`, `${destRoot}/`];
}
/** Checks that rsync exists and is recent enough; the error says how to install it. */
async function createRsync(path) {
    let output;
    try {
        const result = await (0, run_1.runBounded)(path, ['--version'], { timeoutMs: VERSION_PROBE_TIMEOUT_MS });
        if (result.code !== 0)
            throw new Error(`'${path} --version' exited with ${String(result.code)}`);
        output = result.stdout;
    }
    catch (error) {
        const why = (0, errors_1.errnoCode)(error) === 'ENOENT' ? `rsync was not found at '${path}'` : (0, errors_1.errorMessage)(error);
        throw new errors_1.RsyncUnavailableError(`${why}: ${INSTALL_HINT}`);
    }
    const version = parseRsyncVersion(output);
    if (!version || !atLeast(version, exports.MIN_RSYNC_VERSION)) {
        const found = version ? version.join('.') : 'an unknown version';
        throw new errors_1.RsyncUnavailableError(`'${path}' is ${found}, older than ${exports.MIN_RSYNC_VERSION.join('.')}: ${INSTALL_HINT}`);
    }
    return {
        path,
        version: version.join('.'),
        async copy(request) {
            const args = copyArgs(request.sourceRoot, request.destRoot);
            const list = request.paths.map((p) => `${p}\0`).join('');
            const result = await (0, run_1.runBounded)(path, args, {
                timeoutMs: request.timeoutMs,
                signal: request.signal,
                input: list,
            });
            return {
                ok: result.code === 0 && !result.stopped,
                stopped: result.stopped,
                exitCode: result.code,
                stats: parseRsyncStats(result.stdout),
                errorTail: result.stderr.trim().split('\n').slice(-5).join(' | '),
                args,
            };
        },
    };
}


/***/ }),

/***/ 777:
/***/ ((__unused_webpack_module, exports) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.parseShasums = parseShasums;
exports.nodePublisher = nodePublisher;
exports.goReleaseNames = goReleaseNames;
exports.goPublisher = goPublisher;
exports.publishers = publishers;
/** Lines `<64 hex>  <file name>` of a SHASUMS256.txt (sha256sum's format; `*` marks binary mode). */
function parseShasums(text) {
    const sums = new Map();
    for (const line of text.split('\n')) {
        const match = /^([0-9a-fA-F]{64}) [ *](\S+)\s*$/.exec(line);
        if (match?.[1] && match[2])
            sums.set(match[2], match[1].toLowerCase());
    }
    return sums;
}
/** Node: `<dist>/v<version>/SHASUMS256.txt` lists `node-v<version>-linux-<x64|arm64>.tar.gz`. */
function nodePublisher(distUrl) {
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
            if (answer.status !== 200)
                throw new Error(`${sumsUrl} answered HTTP ${answer.status}`);
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
/** The names Go gives a tool-cache version: 1.22.0 is `go1.22.0`; before Go 1.21, 1.20.0 was `go1.20`. */
function goReleaseNames(version) {
    const names = [`go${version}`];
    if (/^\d+\.\d+\.0$/.test(version))
        names.push(`go${version.slice(0, -2)}`);
    return names;
}
/** Go: `<dl>/?mode=json&include=all` lists every release with its archives' sha256. */
function goPublisher(dlUrl) {
    const goArch = { x64: 'amd64', arm64: 'arm64' };
    return {
        tool: 'go',
        async locate(v, fetchText) {
            const listUrl = `${dlUrl}/?mode=json&include=all`;
            const answer = await fetchText(listUrl);
            if (answer.status !== 200)
                throw new Error(`${listUrl} answered HTTP ${answer.status}`);
            let releases;
            try {
                releases = JSON.parse(answer.body);
            }
            catch {
                throw new Error(`${listUrl} did not answer JSON`);
            }
            if (!Array.isArray(releases))
                throw new Error(`${listUrl} did not answer a JSON list of releases`);
            const names = goReleaseNames(v.version);
            const release = releases.find((r) => typeof r.version === 'string' && names.includes(r.version));
            if (!release) {
                return {
                    kind: 'unpublished',
                    reason: `Go ${v.version} is not a published release (not in ${listUrl})`,
                };
            }
            const files = Array.isArray(release.files) ? release.files : [];
            const file = files.find((f) => f.os === 'linux' &&
                f.arch === goArch[v.arch] &&
                f.kind === 'archive' &&
                typeof f.filename === 'string');
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
function publishers(settings) {
    return new Map([
        ['node', nodePublisher(settings.nodeDistUrl)],
        ['go', goPublisher(settings.goDlUrl)],
    ]);
}


/***/ }),

/***/ 184:
/***/ (function(__unused_webpack_module, exports, __nccwpck_require__) {


var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.describeTree = describeTree;
exports.treeDifferences = treeDifferences;
/**
 * What a folder holds, entry by entry, without following symlinks, and the differences between two such
 * descriptions: how push tells a tool-cache version from the published archive it claims to be.
 */
const node_crypto_1 = __nccwpck_require__(598);
const fs = __importStar(__nccwpck_require__(24));
const node_path_1 = __importDefault(__nccwpck_require__(760));
const COMPARED_BITS = 0o4000 | 0o2000 | 0o100;
function hashFile(file) {
    const hash = (0, node_crypto_1.createHash)('sha256');
    const fd = fs.openSync(file, 'r');
    try {
        const buffer = Buffer.alloc(1024 * 1024);
        let n;
        while ((n = fs.readSync(fd, buffer, 0, buffer.length, null)) > 0)
            hash.update(buffer.subarray(0, n));
    }
    finally {
        fs.closeSync(fd);
    }
    return hash.digest('hex');
}
/** Every entry under dir by relative path (lstat: symlinks are described, never followed). */
function describeTree(dir) {
    const out = new Map();
    const walk = (rel) => {
        for (const name of fs.readdirSync(node_path_1.default.join(dir, rel)).sort()) {
            const r = rel ? `${rel}/${name}` : name;
            const full = node_path_1.default.join(dir, r);
            const st = fs.lstatSync(full);
            const bits = st.mode & COMPARED_BITS;
            if (st.isSymbolicLink())
                out.set(r, { type: 'link', target: fs.readlinkSync(full), bits: 0 });
            else if (st.isDirectory()) {
                out.set(r, { type: 'dir', bits: 0 });
                walk(r);
            }
            else if (st.isFile())
                out.set(r, { type: 'file', size: st.size, sha256: hashFile(full), bits });
            else
                out.set(r, { type: 'other', bits });
        }
    };
    walk('');
    return out;
}
/** Differences of `actual` from `expected`, e.g. `changed bin/node (content)`, at most `limit` of them. */
function treeDifferences(expected, actual, limit = 5) {
    const found = [];
    for (const [rel, want] of expected) {
        const have = actual.get(rel);
        if (!have)
            found.push(`missing ${rel}`);
        else if (have.type !== want.type)
            found.push(`changed ${rel} (${want.type} became ${have.type})`);
        else if (have.sha256 !== want.sha256 || have.size !== want.size)
            found.push(`changed ${rel} (content)`);
        else if (have.target !== want.target)
            found.push(`changed ${rel} (link target)`);
        else if (have.bits !== want.bits)
            found.push(`changed ${rel} (mode)`);
    }
    for (const rel of actual.keys())
        if (!expected.has(rel))
            found.push(`added ${rel}`);
    return { count: found.length, first: found.slice(0, limit) };
}


/***/ }),

/***/ 497:
/***/ (function(__unused_webpack_module, exports, __nccwpck_require__) {


var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.fetchTextWithin = fetchTextWithin;
exports.verifyAgainstPublished = verifyAgainstPublished;
/**
 * Verification of a version against its tool's published release: the archive the publisher lists is
 * downloaded, its SHA-256 compared with the published checksum, extracted the way @actions/setup-* does
 * (leading folder stripped), and the version's folder must hold exactly what the archive holds.
 *
 * It runs on the copy in push's private staging folder, the very bytes that are renamed into place, so a
 * change to the local tool cache after the check cannot slip in.
 */
const node_crypto_1 = __nccwpck_require__(598);
const node_fs_1 = __nccwpck_require__(24);
const node_os_1 = __importDefault(__nccwpck_require__(542));
const node_path_1 = __importDefault(__nccwpck_require__(760));
const errors_1 = __nccwpck_require__(919);
const names_1 = __nccwpck_require__(273);
const run_1 = __nccwpck_require__(761);
const tree_1 = __nccwpck_require__(184);
/** Longest one checksum list or archive download may take (ms); the run's budget bounds it too. */
const FETCH_TIMEOUT_MS = 60_000;
/** Largest checksum list read (bytes): Go's full release list is ~2 MB. */
const MAX_TEXT_BYTES = 16 * 1024 * 1024;
/** Largest archive downloaded (bytes): a Go or Node linux archive is under 100 MB. */
const MAX_ARCHIVE_BYTES = 512 * 1024 * 1024;
function boundedSignal(budget) {
    return AbortSignal.any([
        budget.signal,
        AbortSignal.timeout(Math.max(1, Math.min(FETCH_TIMEOUT_MS, budget.remainingMs()))),
    ]);
}
/** GET with a time limit and a size limit; the body as text. */
function fetchTextWithin(budget) {
    return async (url) => {
        const response = await fetch(url, { signal: boundedSignal(budget), redirect: 'follow' });
        const body = Buffer.from(await response.arrayBuffer());
        if (body.length > MAX_TEXT_BYTES)
            throw new Error(`${url} answered more than ${MAX_TEXT_BYTES} bytes`);
        return { status: response.status, body: body.toString('utf8') };
    };
}
/** Streams url into file; returns its SHA-256. */
async function download(url, file, budget) {
    const response = await fetch(url, { signal: boundedSignal(budget), redirect: 'follow' });
    if (response.status !== 200 || !response.body)
        throw new Error(`${url} answered HTTP ${response.status}`);
    const hash = (0, node_crypto_1.createHash)('sha256');
    const out = (0, node_fs_1.createWriteStream)(file);
    let bytes = 0;
    try {
        for await (const chunk of response.body) {
            bytes += chunk.length;
            if (bytes > MAX_ARCHIVE_BYTES)
                throw new Error(`${url} is larger than ${MAX_ARCHIVE_BYTES} bytes`);
            hash.update(chunk);
            if (!out.write(chunk))
                await new Promise((resolve) => out.once('drain', () => resolve()));
        }
    }
    finally {
        await new Promise((resolve) => out.end(() => resolve()));
    }
    return hash.digest('hex');
}
/** Checks the version folder `dir` against the publisher's archive. Failures to reach it refuse too. */
async function verifyAgainstPublished(v, dir, publisher, budget) {
    if (!publisher) {
        return {
            ok: false,
            reason: `${v.tool} publishes no checksums runtime-sync can check (verified tools: node, go)`,
        };
    }
    const work = await node_fs_1.promises.mkdtemp(node_path_1.default.join(node_os_1.default.tmpdir(), 'runtime-sync-verify-'));
    try {
        const lookup = await publisher.locate(v, fetchTextWithin(budget));
        if (lookup.kind === 'unpublished')
            return { ok: false, reason: lookup.reason };
        const { archive } = lookup;
        const file = node_path_1.default.join(work, 'archive.tar.gz');
        const sha256 = await download(archive.url, file, budget);
        if (sha256 !== archive.sha256) {
            return {
                ok: false,
                reason: `${archive.url} has sha256 ${sha256}, but ${archive.checksumSource} publishes ${archive.sha256}`,
            };
        }
        const extracted = node_path_1.default.join(work, 'tree');
        await node_fs_1.promises.mkdir(extracted);
        const tar = await (0, run_1.runBounded)('tar', ['-xzf', file, '-C', extracted, `--strip-components=${archive.stripComponents}`, '--no-same-owner'], { timeoutMs: budget.remainingMs(), signal: budget.signal });
        if (tar.code !== 0) {
            return {
                ok: false,
                reason: `extracting ${archive.url} failed: ${tar.stopped ? 'out of time' : tar.stderr.trim()}`,
            };
        }
        const diff = (0, tree_1.treeDifferences)((0, tree_1.describeTree)(extracted), (0, tree_1.describeTree)(dir));
        if (diff.count > 0) {
            return {
                ok: false,
                reason: `${(0, names_1.versionKey)(v)} differs from ${archive.url} in ${diff.count} entries: ${diff.first.join(', ')}`,
            };
        }
        return { ok: true, detail: `matches ${archive.url} (sha256 from ${archive.checksumSource})` };
    }
    catch (error) {
        return { ok: false, reason: `could not verify ${(0, names_1.versionKey)(v)}: ${(0, errors_1.errorMessage)(error)}` };
    }
    finally {
        await node_fs_1.promises.rm(work, { recursive: true, force: true }).catch(() => undefined);
    }
}


/***/ }),

/***/ 421:
/***/ ((module) => {

module.exports = require("node:child_process");

/***/ }),

/***/ 598:
/***/ ((module) => {

module.exports = require("node:crypto");

/***/ }),

/***/ 24:
/***/ ((module) => {

module.exports = require("node:fs");

/***/ }),

/***/ 542:
/***/ ((module) => {

module.exports = require("node:os");

/***/ }),

/***/ 760:
/***/ ((module) => {

module.exports = require("node:path");

/***/ }),

/***/ 481:
/***/ ((module) => {

module.exports = require("node:readline");

/***/ }),

/***/ 75:
/***/ ((module) => {

module.exports = require("node:stream");

/***/ }),

/***/ 466:
/***/ ((module) => {

module.exports = require("node:stream/promises");

/***/ })

/******/ 	});
/************************************************************************/
/******/ 	// The module cache
/******/ 	var __webpack_module_cache__ = {};
/******/ 	
/******/ 	// The require function
/******/ 	function __nccwpck_require__(moduleId) {
/******/ 		// Check if module is in cache
/******/ 		var cachedModule = __webpack_module_cache__[moduleId];
/******/ 		if (cachedModule !== undefined) {
/******/ 			return cachedModule.exports;
/******/ 		}
/******/ 		// Create a new module (and put it into the cache)
/******/ 		var module = __webpack_module_cache__[moduleId] = {
/******/ 			// no module.id needed
/******/ 			// no module.loaded needed
/******/ 			exports: {}
/******/ 		};
/******/ 	
/******/ 		// Execute the module function
/******/ 		var threw = true;
/******/ 		try {
/******/ 			__webpack_modules__[moduleId].call(module.exports, module, module.exports, __nccwpck_require__);
/******/ 			threw = false;
/******/ 		} finally {
/******/ 			if(threw) delete __webpack_module_cache__[moduleId];
/******/ 		}
/******/ 	
/******/ 		// Return the exports of the module
/******/ 		return module.exports;
/******/ 	}
/******/ 	
/************************************************************************/
/******/ 	/* webpack/runtime/asset-relocator-loader */
/******/ 	if (typeof __nccwpck_require__ !== 'undefined') __nccwpck_require__.ab = __dirname + "/";
/******/ 	
/************************************************************************/
var __webpack_exports__ = {};
// This entry need to be wrapped in an IIFE because it uses a non-standard name for the exports (exports).
(() => {
var exports = __webpack_exports__;

Object.defineProperty(exports, "__esModule", ({ value: true }));
/** Entry point of the bundle (runtime-sync/dist/index.js): runs one command and exits with its code. */
const main_1 = __nccwpck_require__(617);
void (0, main_1.main)(process.argv.slice(2), process.env).then((code) => {
    // Exit now: a child stuck on a hung mount must not keep the runner waiting.
    process.exit(code);
});

})();

module.exports = __webpack_exports__;
/******/ })()
;