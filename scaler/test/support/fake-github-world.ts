/**
 * The state behind the fake GitHub: runners, jobs, webhook deliveries, and GitHub's rules for them
 * (routing by labels, single-use JIT configurations, minimum runner version, ephemeral runners removed
 * after their job). The HTTP layer (fake-github.ts) and the tests' world controls both act on it.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { Clock } from './clock';
import {
  compareVersions,
  EPHEMERAL_OFFLINE_REMOVAL_MS,
  JOB_QUEUE_LIMIT_MS,
  REDELIVERY_WINDOW_MS,
  RUNNER_MESSAGES,
  runnerServesJob,
} from './fake-github-rules';
import { decodeJitConfig, encodeJitConfig, JitDecodeError, newCredentials } from './jit-config';

export type RunnerStatus = 'online' | 'offline';
export type JobStatus = 'queued' | 'in_progress' | 'completed';
export type JobConclusion = 'success' | 'failure' | 'cancelled';

export interface FakeRunner {
  id: number;
  name: string;
  os: string;
  status: RunnerStatus;
  busy: boolean;
  ephemeral: boolean;
  /** Read-only label `self-hosted` first, then the custom labels as given. */
  labels: { id: number; name: string; type: 'read-only' | 'custom' }[];
  runnerGroupId: number;
  createdAtMs: number;
  /** Last time the runner connected (ms), undefined until its first connection. */
  lastConnectedAtMs?: number;
  /** The runner version that connected, once it did. */
  version?: string;
  /** Set once the JIT configuration has been used to start a runner: a second use is refused. */
  jitUsed: boolean;
  /** Client id inside the JIT configuration's .credentials: ties the configuration to this runner. */
  jitClientId: string;
  jobId?: number;
  /** True once the registration is deleted (by DELETE, or by GitHub after an ephemeral runner's job). */
  deleted: boolean;
}

export interface FakeJob {
  id: number;
  runId: number;
  runAttempt: number;
  /** "owner/name" */
  repo: string;
  name: string;
  workflowName: string;
  labels: string[];
  status: JobStatus;
  conclusion: JobConclusion | null;
  runnerId: number | null;
  runnerName: string | null;
  runnerGroupId: number | null;
  createdAtMs: number;
  startedAtMs: number | null;
  completedAtMs: number | null;
  headSha: string;
  headBranch: string;
}

export interface DeliveryRecord {
  /** Numeric id in the App's delivery log. */
  id: number;
  /** X-GitHub-Delivery; a redelivery keeps the original's GUID. */
  guid: string;
  event: string;
  action: string;
  deliveredAtMs: number;
  redelivery: boolean;
  /** HTTP status the endpoint answered; 0 when the endpoint was not reached (timed out / dropped). */
  statusCode: number;
  /** "OK" for 2xx, otherwise GitHub-like text. */
  status: string;
  durationS: number;
  installationId: number;
  repositoryId: number;
  headers: Record<string, string>;
  body: string;
  /** True when failure injection dropped it (never POSTed). */
  dropped: boolean;
}

export interface DeliveryInput {
  id: string;
  event: string;
  headers: Record<string, string>;
  body: string;
}
export type Deliver = (d: DeliveryInput) => Promise<number>;

/** Why the runner refused to start; `message` is the line the runner would print. */
export type RunnerConnectCode =
  'invalid_config' | 'session_exists' | 'registration_deleted' | 'version_deprecated' | 'token_expired';

export class RunnerConnectError extends Error {
  constructor(
    readonly code: RunnerConnectCode,
    message: string,
  ) {
    super(message);
    this.name = 'RunnerConnectError';
  }
}

/** Selects deliveries for failure injection: a fraction (drawn from a seeded generator) or a predicate. */
export type DeliverySelector =
  number | ((d: { event: string; action: string; jobId: number; guid: string }) => boolean);

/** Small deterministic PRNG (mulberry32), so a seeded simulation drops the same deliveries every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface WorldOptions {
  org: string;
  orgId: number;
  appId: number;
  installationId: number;
  webhookSecret: string;
  deliver?: Deliver;
  /** Real milliseconds the endpoint has to answer before the delivery is logged as timed out (GitHub: 10 s). */
  deliveryTimeoutMs: number;
  clock: Clock;
  minimumRunnerVersion: string;
  runnerGroups: { id: number; name: string }[];
  apiUrl: () => string;
}

function iso(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined
    ? null
    : new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export class GitHubWorld {
  readonly runners = new Map<number, FakeRunner>();
  readonly jobs = new Map<number, FakeJob>();
  readonly deliveries: DeliveryRecord[] = [];
  private nextRunnerId = 101;
  private nextLabelId = 1;
  private nextJobId = 30_000_000_001; // above 2^31: ids must not be squeezed into 32-bit integers
  private nextRunId = 12_000_000_001;
  private nextDeliveryId = 90_000_000_001;
  private readonly repoIds = new Map<string, number>();
  private dropRule?: { select: DeliverySelector; random: () => number; mode: 'failed' | 'missing' };
  private duplicateRule?: { select: DeliverySelector; random: () => number };
  private readonly pending = new Set<Promise<unknown>>();
  private readonly held: DeliveryRecord[] = [];
  private holdUntilMs = 0;

  constructor(private readonly options: WorldOptions) {}

  // ---- runners -------------------------------------------------------------------------------

  liveRunners(): FakeRunner[] {
    return [...this.runners.values()].filter((r) => !r.deleted).sort((a, b) => a.id - b.id);
  }

  runnerByName(name: string): FakeRunner | undefined {
    return this.liveRunners().find((r) => r.name === name);
  }

  /** Registers a JIT runner (offline until its configuration is used) and returns its encoded configuration. */
  createJitRunner(
    name: string,
    runnerGroupId: number,
    labels: string[],
    workFolder: string,
  ): { runner: FakeRunner; encoded: string } {
    const id = this.nextRunnerId++;
    const credentials = newCredentials(id);
    const runner: FakeRunner = {
      id,
      name,
      os: 'unknown',
      status: 'offline',
      busy: false,
      ephemeral: true,
      labels: this.labelObjects(labels),
      runnerGroupId,
      createdAtMs: this.options.clock.now(),
      jitUsed: false,
      jitClientId: credentials.data.clientId,
      deleted: false,
    };
    this.runners.set(id, runner);
    const group = this.options.runnerGroups.find((g) => g.id === runnerGroupId);
    const server = `https://pipelinesghubeus1.actions.githubusercontent.com/${this.options.orgId}/`;
    const encoded = encodeJitConfig(
      {
        agentId: id,
        agentName: name,
        poolId: runnerGroupId,
        poolName: group?.name ?? 'Default',
        serverUrl: server,
        serverUrlV2: 'https://broker.actions.githubusercontent.com/',
        gitHubUrl: `https://github.com/${this.options.org}`,
        workFolder,
        ephemeral: true,
        disableUpdate: false,
        useV2Flow: true,
        isHostedServer: false,
      },
      credentials,
    );
    return { runner, encoded };
  }

  /** A runner configured with a registration token (config.sh --token): online and idle at once. */
  createTokenRunner(name: string, labels: string[], ephemeral: boolean, version: string): FakeRunner {
    this.refuseOldVersion(version);
    const runner: FakeRunner = {
      id: this.nextRunnerId++,
      name,
      os: 'Linux',
      status: 'online',
      busy: false,
      ephemeral,
      labels: this.labelObjects(labels),
      runnerGroupId: 1,
      createdAtMs: this.options.clock.now(),
      lastConnectedAtMs: this.options.clock.now(),
      version,
      jitUsed: true,
      jitClientId: randomUUID(),
      deleted: false,
    };
    this.runners.set(runner.id, runner);
    this.assignQueuedJobs();
    return runner;
  }

  private labelObjects(labels: string[]): FakeRunner['labels'] {
    const custom = labels.filter((l) => l.toLowerCase() !== 'self-hosted');
    return [
      { id: this.nextLabelId++, name: 'self-hosted', type: 'read-only' as const },
      ...custom.map((name) => ({ id: this.nextLabelId++, name, type: 'custom' as const })),
    ];
  }

  private refuseOldVersion(version: string): void {
    const cmp = compareVersions(version, this.options.minimumRunnerVersion);
    if (Number.isNaN(cmp) || cmp < 0) {
      throw new RunnerConnectError(
        'version_deprecated',
        RUNNER_MESSAGES.versionDeprecated(version.replace(/^v/, '')),
      );
    }
  }

  /**
   * The runner binary starting with `run.sh --jitconfig`: decodes, creates its session, polls for
   * messages. Refusals throw RunnerConnectError with the runner's own line.
   */
  connectRunner(encoded: string, version: string): FakeRunner {
    let decoded;
    try {
      decoded = decodeJitConfig(encoded);
    } catch (error) {
      const why = error instanceof JitDecodeError ? error.message : String(error);
      throw new RunnerConnectError('invalid_config', RUNNER_MESSAGES.invalidJitConfig(why));
    }
    const runner = this.runners.get(decoded.runner.agentId);
    if (
      !runner ||
      runner.name !== decoded.runner.agentName ||
      runner.jitClientId !== decoded.credentials.data.clientId
    ) {
      // Credentials that belong to no registration: the server does not know this runner.
      throw new RunnerConnectError('registration_deleted', RUNNER_MESSAGES.registrationDeleted);
    }
    if (runner.deleted)
      throw new RunnerConnectError('registration_deleted', RUNNER_MESSAGES.registrationDeleted);
    if (runner.jitUsed) {
      throw runner.status === 'online'
        ? new RunnerConnectError('session_exists', RUNNER_MESSAGES.sessionExists)
        : new RunnerConnectError('registration_deleted', RUNNER_MESSAGES.registrationDeleted);
    }
    // The session is created before the first message poll, so an old runner burns its configuration.
    runner.jitUsed = true;
    runner.lastConnectedAtMs = this.options.clock.now();
    runner.version = version;
    runner.os = 'Linux';
    this.refuseOldVersion(version);
    runner.status = 'online';
    this.assignQueuedJobs();
    return runner;
  }

  /** The runner process stops (task stopped, crash). A busy runner's job fails, as on GitHub. */
  disconnectRunner(name: string): void {
    const runner = this.runnerByName(name);
    if (!runner) throw new Error(`disconnectRunner: no runner named ${name}`);
    runner.status = 'offline';
    if (runner.busy && runner.jobId !== undefined) {
      const job = this.jobs.get(runner.jobId);
      runner.busy = false;
      runner.jobId = undefined;
      if (job && job.status !== 'completed') this.finishJob(job, 'failure', runner);
    }
  }

  /** DELETE /orgs/{org}/actions/runners/{id}: 'busy' while the runner runs a job. */
  deleteRunner(id: number): 'deleted' | 'busy' | 'missing' {
    const runner = this.runners.get(id);
    if (!runner || runner.deleted) return 'missing';
    if (runner.busy) return 'busy';
    runner.deleted = true;
    runner.status = 'offline';
    return 'deleted';
  }

  // ---- jobs ------------------------------------------------------------------------------------

  repoId(fullName: string): number {
    let id = this.repoIds.get(fullName);
    if (id === undefined) {
      id = 700_000_000 + this.repoIds.size + 1;
      this.repoIds.set(fullName, id);
    }
    return id;
  }

  queueJob(input: {
    repo: string;
    labels: string[];
    runId?: number;
    name?: string;
    workflowName?: string;
  }): FakeJob {
    const repo = input.repo.includes('/') ? input.repo : `${this.options.org}/${input.repo}`;
    if (input.labels.length === 0) throw new Error('queueJob: a job needs at least one label (runs-on)');
    const job: FakeJob = {
      id: this.nextJobId++,
      runId: input.runId ?? this.nextRunId++,
      runAttempt: 1,
      repo,
      name: input.name ?? 'build',
      workflowName: input.workflowName ?? 'CI',
      labels: [...input.labels],
      status: 'queued',
      conclusion: null,
      runnerId: null,
      runnerName: null,
      runnerGroupId: null,
      createdAtMs: this.options.clock.now(),
      startedAtMs: null,
      completedAtMs: null,
      headSha: randomUUID().replace(/-/g, '').padEnd(40, '0').slice(0, 40),
      headBranch: 'main',
    };
    this.repoId(repo);
    this.jobs.set(job.id, job);
    this.emitJobEvent(job, 'queued');
    this.assignQueuedJobs();
    return job;
  }

  completeJob(jobId: number, conclusion: JobConclusion = 'success'): FakeJob {
    const job = this.jobs.get(jobId);
    if (!job) throw new Error(`completeJob: no job ${jobId}`);
    if (job.status !== 'in_progress')
      throw new Error(`completeJob: job ${jobId} is ${job.status}, not in_progress`);
    const runner = job.runnerId === null ? undefined : this.runners.get(job.runnerId);
    this.finishJob(job, conclusion, runner);
    return job;
  }

  /** Cancels a job; a queued job completes with no runner, as when a workflow run is cancelled. */
  cancelJob(jobId: number): FakeJob {
    const job = this.jobs.get(jobId);
    if (!job) throw new Error(`cancelJob: no job ${jobId}`);
    if (job.status === 'completed') return job;
    const runner = job.runnerId === null ? undefined : this.runners.get(job.runnerId);
    this.finishJob(job, 'cancelled', runner);
    return job;
  }

  private finishJob(job: FakeJob, conclusion: JobConclusion, runner: FakeRunner | undefined): void {
    job.status = 'completed';
    job.conclusion = conclusion;
    job.completedAtMs = this.options.clock.now();
    if (runner) {
      runner.busy = false;
      runner.jobId = undefined;
      // An ephemeral runner takes one job; GitHub then removes its registration (DOCS.jitRunners).
      if (runner.ephemeral) {
        runner.deleted = true;
        runner.status = 'offline';
      }
    }
    this.emitJobEvent(job, 'completed');
    this.assignQueuedJobs();
  }

  /** GitHub's assignment: the oldest queued job goes to an idle online runner that has all its labels. */
  private assignQueuedJobs(): void {
    const queued = [...this.jobs.values()].filter((j) => j.status === 'queued').sort((a, b) => a.id - b.id);
    for (const job of queued) {
      const runner = this.liveRunners().find(
        (r) =>
          r.status === 'online' &&
          !r.busy &&
          runnerServesJob(
            r.labels.map((l) => l.name),
            job.labels,
          ),
      );
      if (!runner) continue;
      runner.busy = true;
      runner.jobId = job.id;
      job.status = 'in_progress';
      job.startedAtMs = this.options.clock.now();
      job.runnerId = runner.id;
      job.runnerName = runner.name;
      job.runnerGroupId = runner.runnerGroupId;
      this.emitJobEvent(job, 'in_progress');
    }
  }

  /**
   * Time-driven rules; call after advancing the clock: ephemeral runners not connected for a day are
   * removed, jobs queued for more than 24 h fail, and deliveries held by an outage are sent once it ends.
   */
  tick(): void {
    const now = this.options.clock.now();
    for (const runner of this.liveRunners()) {
      const since = runner.lastConnectedAtMs ?? runner.createdAtMs;
      if (runner.ephemeral && runner.status === 'offline' && now - since > EPHEMERAL_OFFLINE_REMOVAL_MS)
        runner.deleted = true;
    }
    // A job no runner picked up within 24 h is terminated (DOCS.selfHostedLimits).
    for (const job of [...this.jobs.values()]) {
      if (job.status === 'queued' && now - job.createdAtMs > JOB_QUEUE_LIMIT_MS)
        this.finishJob(job, 'failure', undefined);
    }
    if (now >= this.holdUntilMs && this.held.length > 0) {
      for (const record of this.held.splice(0)) this.send(record);
    }
  }

  // ---- webhook deliveries ------------------------------------------------------------------

  jobPayload(job: FakeJob): Record<string, unknown> {
    const group = this.options.runnerGroups.find((g) => g.id === job.runnerGroupId);
    const api = this.options.apiUrl();
    return {
      id: job.id,
      run_id: job.runId,
      run_attempt: job.runAttempt,
      run_url: `${api}/repos/${job.repo}/actions/runs/${job.runId}`,
      node_id: `CR_${Buffer.from(String(job.id)).toString('base64')}`,
      head_sha: job.headSha,
      head_branch: job.headBranch,
      url: `${api}/repos/${job.repo}/actions/jobs/${job.id}`,
      html_url: `https://github.com/${job.repo}/actions/runs/${job.runId}/job/${job.id}`,
      check_run_url: `${api}/repos/${job.repo}/check-runs/${job.id}`,
      status: job.status,
      conclusion: job.conclusion,
      created_at: iso(job.createdAtMs),
      started_at: iso(job.startedAtMs ?? job.createdAtMs),
      completed_at: iso(job.completedAtMs),
      name: job.name,
      workflow_name: job.workflowName,
      steps: [],
      labels: job.labels,
      runner_id: job.runnerId,
      runner_name: job.runnerName,
      runner_group_id: job.runnerGroupId,
      runner_group_name: group?.name ?? null,
    };
  }

  private emitJobEvent(job: FakeJob, action: 'queued' | 'in_progress' | 'completed'): void {
    const [owner = this.options.org, name = job.repo] = job.repo.split('/');
    const workflowJob = this.jobPayload(job);
    const body = JSON.stringify({
      action,
      workflow_job: workflowJob,
      repository: {
        id: this.repoId(job.repo),
        name,
        full_name: job.repo,
        private: true,
        owner: { login: owner, id: this.options.orgId, type: 'Organization' },
      },
      organization: { login: this.options.org, id: this.options.orgId },
      sender: { login: 'octocat', id: 1, type: 'User' },
      installation: { id: this.options.installationId, node_id: `MDIz${this.options.installationId}` },
    });
    const record = this.newRecord('workflow_job', action, body, randomUUID(), false);
    this.dispatch(record, job.id);
  }

  private newRecord(
    event: string,
    action: string,
    body: string,
    guid: string,
    redelivery: boolean,
  ): DeliveryRecord {
    const signature = createHmac('sha256', this.options.webhookSecret).update(body).digest('hex');
    const signature1 = createHmac('sha1', this.options.webhookSecret).update(body).digest('hex');
    const payload = JSON.parse(body) as { repository?: { id?: number } };
    return {
      id: this.nextDeliveryId++,
      guid,
      event,
      action,
      deliveredAtMs: this.options.clock.now(),
      redelivery,
      statusCode: 0,
      status: 'Pending',
      durationS: 0,
      installationId: this.options.installationId,
      repositoryId: payload.repository?.id ?? 0,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'GitHub-Hookshot/fake',
        'x-github-event': event,
        'x-github-delivery': guid,
        'x-github-hook-id': '4242',
        'x-github-hook-installation-target-id': String(this.options.appId),
        'x-github-hook-installation-target-type': 'integration',
        'x-hub-signature': `sha1=${signature1}`,
        'x-hub-signature-256': `sha256=${signature}`,
      },
      body,
      dropped: false,
    };
  }

  private selected(
    rule: { select: DeliverySelector; random: () => number } | undefined,
    record: DeliveryRecord,
    jobId: number,
  ): boolean {
    if (!rule) return false;
    if (typeof rule.select === 'number') return rule.random() < rule.select;
    return rule.select({ event: record.event, action: record.action, jobId, guid: record.guid });
  }

  private dispatch(record: DeliveryRecord, jobId: number): void {
    if (this.selected(this.dropRule, record, jobId)) {
      record.dropped = true;
      if (this.dropRule?.mode === 'missing') return; // never sent, not in the delivery log either
      record.status = 'Timed out';
      this.deliveries.push(record);
      return;
    }
    const duplicate = this.selected(this.duplicateRule, record, jobId);
    this.deliveries.push(record);
    if (this.options.clock.now() < this.holdUntilMs) {
      this.held.push(record);
    } else {
      this.send(record);
    }
    if (duplicate) {
      const copy = { ...record, id: this.nextDeliveryId++, headers: { ...record.headers } };
      this.deliveries.push(copy);
      this.send(copy);
    }
  }

  private send(record: DeliveryRecord): void {
    const deliver = this.options.deliver;
    if (!deliver) {
      record.status = 'No endpoint';
      return;
    }
    const startedReal = Date.now();
    // GitHub gives the endpoint 10 s (real time) to answer, then logs the delivery as failed; the
    // handler may still be working (and acting) after that.
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.options.deliveryTimeoutMs);
    });
    const answered = deliver({
      id: record.guid,
      event: record.event,
      headers: { ...record.headers },
      body: record.body,
    });
    const work = Promise.race([answered, timedOut])
      .then(
        (outcome) => {
          if (outcome === 'timeout' || outcome === 0) {
            record.statusCode = 0;
            record.status = 'Timed out';
            return;
          }
          record.statusCode = outcome;
          record.status = outcome >= 200 && outcome < 300 ? 'OK' : `Invalid HTTP Response: ${outcome}`;
        },
        () => {
          record.statusCode = 0;
          record.status = 'Timed out';
        },
      )
      .finally(() => {
        clearTimeout(timer);
        record.durationS = (Date.now() - startedReal) / 1000;
        this.pending.delete(work);
      });
    // A handler that outlives the timeout is still awaited by settled(), so a test never ends mid-handler.
    const tail = answered.then(
      () => undefined,
      () => undefined,
    );
    const both = Promise.all([work, tail]).then(() => undefined);
    this.pending.add(work);
    this.pending.add(both);
    void both.finally(() => this.pending.delete(both));
  }

  /** Resolves when every delivery sent so far has been answered (deliveries may trigger more). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** POST /app/hook/deliveries/{id}/attempts: the same payload and GUID again, logged as a redelivery. */
  redeliver(id: number): 'accepted' | 'missing' | 'too_old' {
    const original = this.deliveries.find((d) => d.id === id);
    if (!original) return 'missing';
    if (this.options.clock.now() - original.deliveredAtMs > REDELIVERY_WINDOW_MS) return 'too_old';
    const record = this.newRecord(original.event, original.action, original.body, original.guid, true);
    this.deliveries.push(record);
    this.send(record);
    return 'accepted';
  }

  dropDeliveries(select: DeliverySelector | null, seed = 1, mode: 'failed' | 'missing' = 'failed'): void {
    this.dropRule = select === null ? undefined : { select, random: seededRandom(seed), mode };
  }

  duplicateDeliveries(select: DeliverySelector | null, seed = 2): void {
    this.duplicateRule = select === null ? undefined : { select, random: seededRandom(seed) };
  }

  /** Deliveries raised before `untilMs` (fake clock) wait and are sent by tick() after it. */
  holdDeliveriesUntil(untilMs: number): void {
    this.holdUntilMs = untilMs;
  }

  deliveryJson(d: DeliveryRecord): Record<string, unknown> {
    return {
      id: d.id,
      guid: d.guid,
      delivered_at: iso(d.deliveredAtMs),
      redelivery: d.redelivery,
      duration: d.durationS,
      status: d.status,
      status_code: d.statusCode,
      event: d.event,
      action: d.action,
      installation_id: d.installationId,
      repository_id: d.repositoryId,
      throttled_at: null,
    };
  }

  static iso = iso;
}
