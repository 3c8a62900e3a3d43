/** Entries in S3: match, download and extract; archive and upload. */
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { rm } from 'node:fs/promises';
import { availableParallelism, homedir } from 'node:os';
import type { Writable } from 'node:stream';
import { createEntryArchive } from '../archive/entry';
import { extractArchive, ExtractPipeline, Pipeline } from '../archive/pipeline';
import { resolvePaths } from '../archive/paths';
import {
  extractSegments,
  readTrailer,
  SEGMENTED_FORMAT,
  SegmentedExtraction,
  TAIL_PROBE_BYTES,
} from '../archive/segments';
import { ArchiveTools, explainToolFailure, findArchiveTools } from '../archive/tools';
import { readJournal, removeJournalled } from '../archive/journal';
import {
  ARCHIVE_FORMAT,
  EXTRACT_STOP_GRACE_MS,
  FORMAT_METADATA_KEY,
  ZSTD_LEVEL,
  ZSTD_THREADS,
} from '../config/constants';
import type { CacheSettings, S3Settings } from '../config/settings';
import type { BrokerGrant } from '../credentials/broker';
import { CredentialsDeps, resolveBrokerGrant, resolveCredentials } from '../credentials/credentials';
import type { Logger } from '../logging/logger';
import { TransferProgress } from '../logging/progress';
import { EntryLocation, entryName, KEY_TAIL_METADATA_KEY, scopeFolder } from '../matching/encoding';
import { findMatch, Match } from '../matching/match';
import { restoreScopes, saveScope } from '../matching/scopes';
import { cacheVersion } from '../matching/version';
import { createS3Client, isNotFound, request, RequestScope } from '../storage/client';
import { DownloadOptions, downloadToBuffer, downloadToStream, writeInOrder } from '../storage/download';
import { s3Lister } from '../storage/list';
import { Budget, Sleep, withinBudget } from '../storage/retry';
import { describeBudget, StepTimeoutError } from '../errors/errors';
import { uploadStream } from '../storage/upload';
import type { CacheBackend, RestoreOutcome, SaveOutcome } from './backend';
import type { ActionIO } from './io';
import { messages } from './messages';
import { beginRestore, RestoreTicket, unfinishedRestores } from './unfinished';
import { recordAccess } from '../manage/access';

/** The longest the last-access record may add to a restore (two small requests in-region). */
const ACCESS_RECORD_TIMEOUT_MS = 3000;

/** Reports the program's failure rather than the broken pipe it caused. */
function pipelineError(pipeline: Pick<Pipeline, 'failure'>, error: unknown): unknown {
  return pipeline.failure() ?? error;
}

/** The pipelines of a restore, as one: a plain entry's single one, or a segmented entry's. */
type Extraction = Pick<SegmentedExtraction, 'journals' | 'done' | 'failure' | 'stop'>;

/** The segments' journals once the restore has ended (the ticket removes its own). */
async function removeJournals(journals: readonly string[], own: string): Promise<void> {
  await Promise.all(
    journals.filter((journal) => journal !== own).map((journal) => rm(journal, { force: true })),
  );
}

async function settle(pipeline: Pick<Pipeline, 'kill' | 'done'>): Promise<void> {
  pipeline.kill();
  await pipeline.done.catch(() => undefined);
}

export class S3Backend implements CacheBackend {
  constructor(
    private readonly s3: S3Settings,
    private readonly io: ActionIO,
    private readonly credentials: CredentialsDeps,
    private readonly sleep?: Sleep,
  ) {}

  private get logger(): Logger {
    return this.io;
  }

  /** The step's budget (DAZN_CACHE_STEP_TIMEOUT_MINS): every request of the step ends with it. */
  private scope(settings: CacheSettings): RequestScope {
    return {
      budget: new Budget(settings.tuning.stepTimeoutMs, 'DAZN_CACHE_STEP_TIMEOUT_MINS'),
      sleep: this.sleep,
      onRetry: (message) => this.logger.info(message),
    };
  }

  /**
   * The S3 client, and in isolated mode (broker-url) the broker's grant: its credentials are the
   * client's, its repository folder and scopes the layout of every key of the step.
   */
  private async client(
    settings: CacheSettings,
    scope: RequestScope,
  ): Promise<{ client: S3Client; grant?: BrokerGrant }> {
    const bounds = { idleMs: settings.tuning.requestTimeoutMs };
    if (this.s3.broker) {
      const grant = await resolveBrokerGrant(this.s3, this.logger, this.credentials, { bounds, scope });
      return { client: createS3Client(this.s3, grant.credentials, bounds), grant };
    }
    const credentials = await resolveCredentials(this.s3, settings.github, this.logger, this.credentials, {
      bounds,
      scope,
    });
    return { client: createS3Client(this.s3, credentials, bounds) };
  }

  private location(settings: CacheSettings, scope: string, grant?: BrokerGrant): EntryLocation {
    const segment = grant ? [grant.write, ...grant.read].find((g) => g?.ref === scope)?.scope : undefined;
    return {
      prefix: this.s3.prefix,
      repository: grant ? grant.repository : settings.github.repository,
      scope,
      version: cacheVersion(settings.paths, settings.enableCrossOsArchive),
      ...(segment !== undefined ? { scopeSegment: segment } : {}),
    };
  }

  async restore(settings: CacheSettings): Promise<RestoreOutcome | undefined> {
    const scope = this.scope(settings);
    let client: S3Client | undefined;
    try {
      let grant: BrokerGrant | undefined;
      ({ client, grant } = await this.client(settings, scope));
      const version = cacheVersion(settings.paths, settings.enableCrossOsArchive);
      // Isolated mode reads only the scopes the broker's session may read, in its order.
      const scopes = grant ? grant.read.map((g) => g.ref) : restoreScopes(settings.github);
      const match = await findMatch(s3Lister(client, this.s3.bucket, scope), {
        prefix: this.s3.prefix,
        repository: grant ? grant.repository : settings.github.repository,
        version,
        scopes,
        primaryKey: settings.primaryKey,
        restoreKeys: settings.restoreKeys,
        ...(grant ? { segments: new Map(grant.read.map((g) => [g.ref, g.scope])) } : {}),
      });
      if (!match) {
        const folders = scopes.map(
          (scope) => `s3://${this.s3.bucket}/${scopeFolder(this.location(settings, scope, grant))}`,
        );
        this.logger.info(
          messages.noMatch([settings.primaryKey, ...settings.restoreKeys], scopes, version, folders),
        );
        return undefined;
      }
      this.logger.info(
        messages.matched(match.cacheKey, match.scope, `s3://${this.s3.bucket}/${match.objectKey}`),
      );
      if (settings.lookupOnly) return { matchedKey: match.cacheKey, scope: match.scope, size: match.size };
      const tools = findArchiveTools();
      const started = Date.now();
      const size = await this.download(settings, client, match, tools, scope);
      await this.noteAccess(client, match.objectKey);
      return { matchedKey: match.cacheKey, scope: match.scope, size, milliseconds: Date.now() - started };
    } finally {
      client?.destroy();
      scope.budget.dispose();
    }
  }

  /**
   * Tags the entry with today's day for prune's least-recently-used order (src/manage/access.ts):
   * after the extraction, at most ACCESS_RECORD_TIMEOUT_MS, and never a failure of the restore
   * (a role without s3:PutObjectTagging only loses the record).
   */
  private async noteAccess(client: S3Client, key: string): Promise<void> {
    const signal = AbortSignal.timeout(ACCESS_RECORD_TIMEOUT_MS);
    try {
      await recordAccess(client, this.s3.bucket, key, new Date(), signal);
    } catch (error) {
      this.logger.debug(
        `Could not record the use of s3://${this.s3.bucket}/${key} for prune: ${String(error)}`,
      );
    }
  }

  /**
   * Streams the entry into zstd -d | tar -x (one pipeline, or one per segment of a segmented
   * entry). Size and ETag come from the listing (no HeadObject round trip); the format comes with
   * the first response's metadata. An entry of at most one range is one GET into memory; a larger
   * one starts with a GET of its last TAIL_PROBE_BYTES, which hold a segmented entry's index.
   */
  private async download(
    settings: CacheSettings,
    client: S3Client,
    match: Match,
    tools: ArchiveTools,
    scope: RequestScope,
  ): Promise<number> {
    const { objectKey: key, size, etag } = match;
    const where = `s3://${this.s3.bucket}/${key}`;
    const { tuning } = settings;
    let format: string | undefined;
    const checkMetadata = (metadata: Record<string, string> | undefined): void => {
      const found = metadata?.[FORMAT_METADATA_KEY];
      if (found !== ARCHIVE_FORMAT && found !== SEGMENTED_FORMAT) {
        throw new Error(messages.otherFormat(key, found, `${ARCHIVE_FORMAT} or ${SEGMENTED_FORMAT}`));
      }
      format ??= found;
    };
    const { workspace } = settings.github;
    const ticket = await beginRestore(settings.github, match.cacheKey);
    const progress = new TransferProgress('Downloaded', this.logger, size).start();
    const started = Date.now();
    const options = (concurrency: number, counted: boolean): DownloadOptions => ({
      partSize: tuning.downloadPartSize,
      concurrency,
      // One deadline for the whole download, however many GETs of segments follow each other.
      deadlineMs: Math.max(1, tuning.downloadTimeoutMs - (Date.now() - started)),
      budget: scope.budget,
      stallTimeoutMs: tuning.requestTimeoutMs,
      sleep: this.sleep,
      onProgress: counted ? (bytes) => progress.add(bytes) : undefined,
      onRetry: (message) => this.logger.info(message),
    });
    const source = { client, bucket: this.s3.bucket, key, size, etag, checkMetadata };
    const startPipeline = (journal: string): ExtractPipeline =>
      extractArchive(tools, workspace, settings.paths, journal);
    let extraction: Extraction | undefined;
    try {
      const small = size <= tuning.downloadPartSize;
      const tailBytes = small ? size : Math.min(size, TAIL_PROBE_BYTES);
      let tail = await downloadToBuffer(
        { ...source, ranges: small ? undefined : [[size - tailBytes, tailBytes]] },
        options(1, small),
      );
      if (format === ARCHIVE_FORMAT) {
        const single = startPipeline(ticket.journal);
        extraction = { journals: [ticket.journal], ...single };
        if (small) single.input.end(tail);
        else {
          await downloadToStream(single.input, source, options(tuning.downloadConcurrency, true));
          single.input.end();
        }
      } else {
        let trailer = readTrailer(tail, size, where);
        if (trailer.status === 'more') {
          const more = trailer.tailBytes;
          tail = await downloadToBuffer({ ...source, ranges: [[size - more, more]] }, options(1, false));
          trailer = readTrailer(tail, size, where);
        }
        if (trailer.status !== 'index')
          throw new Error(`${where}: the index of the entry could not be read.`);
        const { index } = trailer;
        const tailStart = size - tail.length;
        const fileSegments = index.segments.filter((segment) => segment.kind === 'files').length;
        const perSegment = Math.max(2, Math.ceil(tuning.downloadConcurrency / fileSegments));
        const feed = async (segment: number, sink: Writable): Promise<void> => {
          const { chunks } = index.segments[segment];
          if (chunks.every(([start]) => start >= tailStart)) {
            // Already read with the index (a small entry): from memory.
            const slices = chunks.map(([start, length]) =>
              tail.subarray(start - tailStart, start - tailStart + length),
            );
            await writeInOrder(sink, slices, scope.budget.signal);
            progress.add(slices.reduce((sum, slice) => sum + slice.length, 0));
            return;
          }
          await downloadToStream(sink, { ...source, ranges: chunks }, options(perSegment, true));
        };
        extraction = extractSegments(index, ticket.journal, startPipeline, feed);
      }
      const extracted = extraction.done;
      // tar finishing the last files is bounded by the step's budget too (a hung file system).
      await withinBudget(
        extracted,
        scope.budget,
        () =>
          new StepTimeoutError(
            `tar -x did not finish writing the entry within ${describeBudget(scope.budget.milliseconds, 'DAZN_CACHE_STEP_TIMEOUT_MINS')}.`,
          ),
      );
      progress.stop(); // the rest is bookkeeping, not a transfer
      await removeJournals(extraction.journals, ticket.journal);
      await ticket.settle();
    } catch (error) {
      const cause = extraction?.failure() ?? error;
      const exitedOnItsOwn = extraction ? await extraction.stop(EXTRACT_STOP_GRACE_MS) : true;
      await this.takeBack(workspace, ticket, extraction?.journals ?? [ticket.journal], exitedOnItsOwn);
      throw await explainToolFailure(tools, cause);
    } finally {
      progress.stop();
    }
    return size;
  }

  /**
   * A restore that did not finish removes every path tar wrote (its journals), so no partial tree
   * stays to be taken for the entry, and says so in one line. What cannot be removed keeps the
   * job's marker, and the job's saves refuse (orchestration/unfinished.ts).
   */
  private async takeBack(
    workspace: string,
    ticket: RestoreTicket,
    journals: readonly string[],
    journalComplete: boolean,
  ): Promise<void> {
    try {
      const written = (await Promise.all(journals.map((journal) => readJournal(journal)))).flat();
      const removal = await removeJournalled(written, workspace, homedir());
      const remaining = journalComplete
        ? removal.failed
        : [...removal.failed, 'tar had to be killed, so its list of written paths may be incomplete'];
      if (remaining.length === 0) {
        await removeJournals(journals, ticket.journal);
        await ticket.settle();
        if (removal.files + removal.folders > 0)
          this.logger.info(messages.restoreTakenBack(removal.files, removal.folders));
      } else {
        await ticket.markIncomplete(remaining);
        this.logger.warning(messages.restoreLeftPaths(remaining));
      }
    } catch (error) {
      await ticket
        .markIncomplete([`the journal could not be read: ${(error as Error).message}`])
        .catch(() => undefined);
      this.logger.warning(messages.restoreJournalUnreadable((error as Error).message));
    }
  }

  async save(settings: CacheSettings, primaryKey: string): Promise<SaveOutcome> {
    const workspace = settings.github.workspace;
    const unfinished = await unfinishedRestores(settings.github);
    if (unfinished.length > 0) {
      this.logger.warning(messages.unfinishedRestore(primaryKey, unfinished));
      return { status: 'not-saved' };
    }
    const paths = await resolvePaths(settings.paths, workspace);
    if (paths.length === 0) {
      this.logger.warning(messages.noPaths);
      return { status: 'no-paths' };
    }
    // Isolated mode asks the broker first: a read-only job (its trigger) archives nothing.
    const requests = this.scope(settings);
    let client: S3Client | undefined;
    let grant: BrokerGrant | undefined;
    if (this.s3.broker) {
      let made: { client: S3Client; grant?: BrokerGrant };
      try {
        made = await this.client(settings, requests);
      } catch (error) {
        requests.budget.dispose();
        throw error;
      }
      ({ client, grant } = made);
      if (!grant?.write) {
        client.destroy();
        requests.budget.dispose();
        this.logger.warning(messages.readOnly(grant?.readOnlyReason ?? 'the broker made this job read-only'));
        return { status: 'not-saved' };
      }
    }
    const scope = grant?.write ? grant.write.ref : saveScope(settings.github);
    const { objectKey: key, keyTail } = entryName(this.location(settings, scope, grant), primaryKey);
    let archiveTools: ArchiveTools;
    let archive: Awaited<ReturnType<typeof createEntryArchive>>;
    const started = Date.now();
    try {
      archiveTools = findArchiveTools();
      archive = await createEntryArchive(archiveTools, workspace, paths, {
        level: ZSTD_LEVEL,
        threads: ZSTD_THREADS,
        cores: availableParallelism(),
        segments: settings.tuning.segments,
      });
    } catch (error) {
      client?.destroy();
      requests.budget.dispose();
      throw error;
    }
    const metadata: Record<string, string> = { [FORMAT_METADATA_KEY]: archive.format };
    if (keyTail !== undefined)
      metadata[KEY_TAIL_METADATA_KEY] = Buffer.from(keyTail, 'utf8').toString('base64');
    // tar | zstd starts before the credentials; the existence check runs while the archive is made
    // and uploaded, and is awaited just before the write that would make the entry visible (which
    // is conditional anyway): no round trip of its own on the way. An existing entry stops the save
    // there (a multipart upload is aborted).
    const progress = new TransferProgress('Uploaded', this.logger);
    try {
      client ??= (await this.client(settings, requests)).client;
      const existing = this.exists(client, key, requests);
      existing.catch(() => undefined); // awaited before the commit; a failure there fails the save
      progress.start();
      const result = await uploadStream(
        archive.output,
        { client, bucket: this.s3.bucket, key, metadata },
        {
          partSize: settings.tuning.uploadPartSize,
          concurrency: settings.tuning.uploadConcurrency,
          onProgress: (bytes) => progress.add(bytes),
          scope: requests,
          beforeCommit: async () => {
            await archive.done;
            return (await existing) ? 'exists' : 'commit';
          },
        },
      );
      if (result.status === 'exists') return { status: 'exists', scope };
      return { status: 'created', size: result.size, milliseconds: Date.now() - started, scope };
    } catch (error) {
      const cause = pipelineError(archive, error);
      await settle(archive);
      throw await explainToolFailure(archiveTools, cause);
    } finally {
      progress.stop();
      client?.destroy();
      requests.budget.dispose();
      await archive.remove();
    }
  }

  private async exists(client: S3Client, key: string, scope: RequestScope): Promise<boolean> {
    try {
      await request(
        'S3',
        {
          operation: 'HeadObject',
          target: `s3://${this.s3.bucket}/${key}`,
          purpose: 'the check that the key is not saved yet',
        },
        scope,
        (abortSignal) =>
          client.send(new HeadObjectCommand({ Bucket: this.s3.bucket, Key: key }), { abortSignal }),
        isNotFound,
      );
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }
}
