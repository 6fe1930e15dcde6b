import { randomUUID } from 'node:crypto';
import { decide, nextDecisionTime, rungCutoff, rungToJudge } from '../tune/asha.js';
import type { LossCheck } from './begin-run.js';
import { configHash, stableStringify } from './hash.js';
import type { Heartbeat } from './heartbeat.js';
import { currentOwner, DB_NOW, type Liveness } from './liveness.js';
import type { PgDatabase, Query } from './pg-database.js';
import {
  afterLoss,
  finiteOrNull,
  lostDecision,
  parseRungs,
  schedulerOf,
  settingDifferences,
  STUDY_COLUMNS,
  toAttempt,
  toRungResult,
  toStudy,
  toTrial,
  trialLost,
  TRIAL_COLUMNS,
  type AttemptRow,
  type RungRow,
  type Scheduler,
  type StudyRow,
  type TrialRow,
} from './study-rows.js';
import {
  TRIAL_STATES,
  type OpenStudy,
  type Owner,
  type RungResult,
  type StudyDefinition,
  type StudyProgress,
  type StudyRecord,
  type StudyStore,
  type TrialAttempt,
  type TrialDecision,
  type TrialEnd,
  type TrialRecord,
  type TrialReport,
  type TrialState,
} from './study-types.js';

const now = () => new Date().toISOString();

/** Advisory lock class under which a study's rung decisions are made one at a time (the second key is the study id). */
const RUNG_LOCK = 0x5f6e;

const REPORT_STATE = `SELECT t.state, t.attempt, t.study_id, t.last_step, t.reason,
  (SELECT string_agg(r.rung::text, ',') FROM rung_results r WHERE r.trial_id = t.id) AS recorded
  FROM trials t WHERE t.id = $1`;

interface ReportState {
  state: TrialState;
  attempt: number;
  study_id: number;
  last_step: number | null;
  reason: string | null;
  recorded: string | null;
}

/** What this process knows of an attempt it holds: its study and the rungs it recorded (only its own reports add any). */
interface HeldAttempt {
  attempt: number;
  studyId: number;
  recorded: Set<number>;
}

/**
 * The study store on PostgreSQL, for workers on many machines. A claim takes the lowest waiting
 * trial with SELECT ... FOR UPDATE SKIP LOCKED, after failing lost trials (heartbeat older than the
 * lease, by the server's clock); a report that reaches a rung is decided under the trial's row lock
 * and the study's rung lock, so that ASHA sees every machine's results. Reports between rungs of an
 * attempt this process holds need no round trip: only its own reports record its rungs, and the
 * heartbeat tells when it is taken away.
 */
export class PgStudyStore implements StudyStore {
  private readonly schedulers = new Map<number, Scheduler>();
  private readonly held = new Map<number, HeldAttempt>();

  constructor(
    private readonly db: PgDatabase,
    private readonly heartbeat: Heartbeat,
    private readonly liveness: Liveness,
    private readonly lossCheck: (q: Query) => Promise<LossCheck>,
  ) {}

  async openStudy(def: StudyDefinition): Promise<OpenStudy> {
    return this.db.tx(async (q): Promise<OpenStudy> => {
      const opened = async (): Promise<OpenStudy | null> => {
        const [existing] = await q<StudyRow>(`SELECT ${STUDY_COLUMNS} FROM studies s WHERE s.name = $1`, [def.name]);
        if (!existing) return null;
        const study = toStudy(existing);
        if (existing.settings_hash === configHash(def.settings)) return { kind: 'opened', study };
        return { kind: 'mismatch', study, differences: settingDifferences(study.settings, def.settings) };
      };
      const found = await opened();
      if (found) return found;
      if (def.configurations.length !== def.settings.samples) {
        throw new Error(`study ${def.name}: ${def.configurations.length} configurations for ${def.settings.samples} samples`);
      }
      // several workers may create it at once: one insert wins, the others wait for its commit and open it
      const [created] = await q<{ id: number }>(
        `INSERT INTO studies (name, experiment_id, optimiser, settings_hash, settings_json, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (name) DO NOTHING RETURNING id`,
        [def.name, def.experimentId, def.settings.optimiser, configHash(def.settings), stableStringify(def.settings), now()],
      );
      if (!created) return (await opened())!;
      await q(
        `INSERT INTO trials (study_id, number, config_json, state)
         SELECT $1, n - 1, c, 'waiting' FROM unnest($2::text[]) WITH ORDINALITY AS u(c, n)`,
        [created.id, def.configurations.map((c) => stableStringify(c))],
      );
      const [row] = await q<StudyRow>(`SELECT ${STUDY_COLUMNS} FROM studies s WHERE s.id = $1`, [created.id]);
      return { kind: 'created', study: toStudy(row) };
    });
  }

  async findStudy(name: string): Promise<StudyRecord | null> {
    const [row] = await this.db.query<StudyRow>(`SELECT ${STUDY_COLUMNS} FROM studies s WHERE s.name = $1`, [name]);
    return row ? toStudy(row) : null;
  }

  async listStudies(): Promise<StudyRecord[]> {
    return (await this.db.query<StudyRow>(`SELECT ${STUDY_COLUMNS} FROM studies s ORDER BY s.name`)).map(toStudy);
  }

  async claimTrial(studyId: number, owner: Owner = currentOwner()): Promise<TrialRecord | null> {
    // a claim sent again after its commit's answer was lost finds its trial by this token
    const token = randomUUID();
    return this.db.tx(async (q) => {
      const [mine] = await q<{ id: number }>('SELECT id FROM trials WHERE study_id = $1 AND claim_token = $2', [studyId, token]);
      if (mine) return this.trial(q, mine.id);
      await this.failLost(q, studyId);
      const [next] = await q<{ id: number }>(
        `SELECT id FROM trials WHERE study_id = $1 AND state = 'waiting' ORDER BY number LIMIT 1 FOR UPDATE SKIP LOCKED`,
        [studyId],
      );
      if (!next) return null;
      await q(
        `UPDATE trials SET state = 'running', attempt = attempt + 1, owner_pid = $1, owner_host = $2, claimed_at = $3,
           finished_at = NULL, run_id = NULL, reason = NULL, last_time = NULL, last_value = NULL, last_step = NULL,
           heartbeat_at = ${DB_NOW.postgres}, lease_s = $4, claim_token = $5
         WHERE id = $6`,
        [owner.pid, owner.host, now(), this.liveness.staleSeconds, token, next.id],
      );
      await q(
        `INSERT INTO trial_attempts (trial_id, attempt, owner_pid, owner_host, claimed_at)
         SELECT id, attempt, owner_pid, owner_host, claimed_at FROM trials WHERE id = $1`,
        [next.id],
      );
      return this.trial(q, next.id);
    });
  }

  async requeueOrphanedTrials(studyId: number): Promise<TrialRecord[]> {
    return this.db.tx((q) => this.failLost(q, studyId));
  }

  async attachRun(trialId: number, attempt: number, runId: number): Promise<boolean> {
    const attached = await this.db.tx(async (q) => {
      const rows = await q<{ study_id: number }>(
        `UPDATE trials SET run_id = $1, heartbeat_at = ${DB_NOW.postgres} WHERE id = $2 AND attempt = $3 AND state = 'running' RETURNING study_id`,
        [runId, trialId, attempt],
      );
      if (rows.length !== 1) return null;
      await q('UPDATE trial_attempts SET run_id = $1 WHERE trial_id = $2 AND attempt = $3', [runId, trialId, attempt]);
      const [state] = await q<ReportState>(REPORT_STATE, [trialId]);
      return state;
    });
    if (!attached) return false;
    this.held.set(trialId, { attempt, studyId: attached.study_id, recorded: parseRungs(attached.recorded) });
    this.heartbeat.hold({ kind: 'trial', id: trialId, attempt });
    return true;
  }

  async reportTrial(trialId: number, attempt: number, report: TrialReport): Promise<TrialDecision> {
    const mine = this.held.get(trialId);
    const alive = mine !== undefined && mine.attempt === attempt && this.heartbeat.isHeld({ kind: 'trial', id: trialId, attempt });
    let studyId: number;
    let recorded: Set<number>;
    if (alive) {
      studyId = mine.studyId;
      recorded = mine.recorded;
    } else {
      // not (or no longer) known to be held here: ask the database
      const [row] = await this.db.query<ReportState>(REPORT_STATE, [trialId]);
      if (!row || row.state !== 'running' || row.attempt !== attempt) return this.replayed(trialId, attempt, report, row);
      studyId = row.study_id;
      recorded = parseRungs(row.recorded);
    }
    const s = await this.scheduler(studyId);
    const reward = s.sign * report.value;
    if (Number.isFinite(reward) && report.time < s.asha.maxT && rungToJudge(s.asha.milestones, report.time, recorded) === null) {
      return { action: 'continue', rung: null, cutoff: null, reason: 'no new rung reached', nextDecisionAt: nextDecisionTime(s.asha.milestones, report.time, recorded, s.asha.maxT) };
    }
    const decision = await this.db.tx(async (q): Promise<{ d: TrialDecision; recorded: Set<number> | null }> => {
      const [t] = await q<ReportState>(`${REPORT_STATE} FOR UPDATE OF t`, [trialId]);
      if (!t || t.state !== 'running' || t.attempt !== attempt) return { d: this.replayed(trialId, attempt, report, t), recorded: null };
      await q('SELECT pg_advisory_xact_lock($1, $2)', [RUNG_LOCK, t.study_id]);
      const done = parseRungs(t.recorded);
      const show = (x: number) => `${s.metric} ${Number((s.sign * x).toPrecision(7))}`;
      const rung = rungToJudge(s.asha.milestones, report.time, done);
      const others = rung === null ? [] : await this.othersAt(q, t.study_id, rung, trialId);
      const d = decide(s.asha, { time: report.time, reward }, done, () => others, show);
      if (d.rung !== null && Number.isFinite(reward)) {
        await this.recordRung(q, t.study_id, trialId, attempt, d.rung, report, reward, d.cutoff, d.action);
        done.add(d.rung);
      }
      if (d.action === 'continue') await this.setLast(q, trialId, report);
      else await this.endTrial(q, trialId, attempt, d.action === 'complete' ? 'completed' : 'stopped', d.reason, report);
      return { d, recorded: done };
    });
    if (decision.d.action === 'continue' && decision.recorded) {
      const h = this.held.get(trialId);
      if (h && h.attempt === attempt) h.recorded = decision.recorded;
      return { ...decision.d, nextDecisionAt: nextDecisionTime(s.asha.milestones, report.time, decision.recorded, s.asha.maxT) };
    }
    this.release(trialId, attempt);
    return decision.d;
  }

  async finishTrial(trialId: number, attempt: number, end: TrialEnd): Promise<boolean> {
    const done = await this.db.tx(async (q) => {
      const [t] = await q<ReportState>(`${REPORT_STATE} FOR UPDATE OF t`, [trialId]);
      if (!t || t.state !== 'running' || t.attempt !== attempt) return false;
      const last = end.last;
      if (end.state === 'completed' && last) {
        // as Ray's on_trial_complete: the final result goes to the highest reached, unrecorded rung, unjudged
        const s = await this.scheduler(t.study_id, q);
        const reward = s.sign * last.value;
        const rung = rungToJudge(s.asha.milestones, last.time, parseRungs(t.recorded));
        if (rung !== null && Number.isFinite(reward)) {
          await q('SELECT pg_advisory_xact_lock($1, $2)', [RUNG_LOCK, t.study_id]);
          const cutoff = rungCutoff(await this.othersAt(q, t.study_id, rung, trialId), s.asha.reductionFactor);
          await this.recordRung(q, t.study_id, trialId, attempt, rung, last, reward, cutoff, 'complete');
        }
      }
      await this.endTrial(q, trialId, attempt, end.state, end.reason, last);
      return true;
    });
    this.release(trialId, attempt);
    return done;
  }

  async requeueTrial(trialId: number, attempt: number, reason: string): Promise<boolean> {
    const done = await this.db.tx(async (q) => {
      const [t] = await q<{ state: TrialState; attempt: number; study_id: number }>('SELECT state, attempt, study_id FROM trials WHERE id = $1 FOR UPDATE', [trialId]);
      if (!t || t.state !== 'running' || t.attempt !== attempt) return false;
      await this.requeue(q, t.study_id, trialId, attempt, reason, { state: 'waiting', outcome: 'requeued' });
      return true;
    });
    this.release(trialId, attempt);
    return done;
  }

  async getTrial(trialId: number): Promise<TrialRecord | null> {
    return this.trial(this.db.query, trialId);
  }

  async listTrials(studyId: number): Promise<TrialRecord[]> {
    return (await this.db.query<TrialRow>(`SELECT ${TRIAL_COLUMNS} FROM trials t WHERE t.study_id = $1 ORDER BY t.number`, [studyId])).map(toTrial);
  }

  async listRungResults(studyId: number): Promise<RungResult[]> {
    const s = await this.scheduler(studyId);
    const rows = await this.db.query<RungRow>(
      `SELECT r.*, t.number FROM rung_results r JOIN trials t ON t.id = r.trial_id
       WHERE r.study_id = $1 ORDER BY r.rung, r.recorded_at, t.number`,
      [studyId],
    );
    return rows.map((r) => toRungResult(r, s));
  }

  async listAttempts(studyId: number): Promise<TrialAttempt[]> {
    const rows = await this.db.query<AttemptRow>(
      `SELECT a.*, t.number FROM trial_attempts a JOIN trials t ON t.id = a.trial_id WHERE t.study_id = $1 ORDER BY t.number, a.attempt`,
      [studyId],
    );
    return rows.map(toAttempt);
  }

  async studyProgress(studyId: number): Promise<StudyProgress> {
    const s = await this.scheduler(studyId);
    const counts = Object.fromEntries(TRIAL_STATES.map((state) => [state, 0])) as Record<TrialState, number>;
    for (const r of await this.db.query<{ state: TrialState; n: number }>('SELECT state, COUNT(*) AS n FROM trials WHERE study_id = $1 GROUP BY state', [studyId])) {
      counts[r.state] = r.n;
    }
    const order = s.sign === -1 ? 'ASC' : 'DESC';
    const [best] = await this.db.query<TrialRow>(
      `SELECT ${TRIAL_COLUMNS} FROM trials t WHERE t.study_id = $1 AND t.last_value IS NOT NULL AND t.state IN ('running', 'stopped', 'completed')
       ORDER BY t.last_value ${order}, t.number LIMIT 1`,
      [studyId],
    );
    const rewards = s.asha.milestones.map((): number[] => []);
    for (const r of await this.db.query<{ rung: number; reward: number }>('SELECT rung, reward FROM rung_results WHERE study_id = $1', [studyId])) {
      rewards[r.rung]?.push(r.reward);
    }
    const rungs = s.asha.milestones.map((milestone, rung) => {
      const cutoff = rungCutoff(rewards[rung], s.asha.reductionFactor);
      return { rung, milestone, recorded: rewards[rung].length, cutoffValue: cutoff === null ? null : s.sign * cutoff };
    });
    return { counts, best: best ? toTrial(best) : null, rungs };
  }

  // ---- helpers ----

  /**
   * The answer for an attempt the database no longer shows running: if it ended at this very report
   * (a decision whose commit went through but whose answer was lost, sent again), that decision;
   * else 'lost'.
   */
  private replayed(trialId: number, attempt: number, report: TrialReport, row: ReportState | undefined): TrialDecision {
    this.release(trialId, attempt);
    if (row && row.attempt === attempt && row.last_step === report.step && (row.state === 'stopped' || row.state === 'completed')) {
      return { action: row.state === 'completed' ? 'complete' : 'stop', rung: null, cutoff: null, reason: row.reason ?? row.state };
    }
    return lostDecision(trialId, attempt, row);
  }

  private release(trialId: number, attempt: number): void {
    const h = this.held.get(trialId);
    if (h && h.attempt === attempt) this.held.delete(trialId);
    this.heartbeat.release({ kind: 'trial', id: trialId, attempt });
  }

  private async trial(q: Query, trialId: number): Promise<TrialRecord | null> {
    const [row] = await q<TrialRow>(`SELECT ${TRIAL_COLUMNS} FROM trials t WHERE t.id = $1`, [trialId]);
    return row ? toTrial(row) : null;
  }

  private async scheduler(studyId: number, q: Query = this.db.query): Promise<Scheduler> {
    let s = this.schedulers.get(studyId);
    if (!s) {
      const [row] = await q<{ settings_json: string }>('SELECT settings_json FROM studies WHERE id = $1', [studyId]);
      if (!row) throw new Error(`no study with id ${studyId} in this database`);
      s = schedulerOf(row.settings_json);
      this.schedulers.set(studyId, s);
    }
    return s;
  }

  private async othersAt(q: Query, studyId: number, rung: number, trialId: number): Promise<number[]> {
    const rows = await q<{ reward: number }>('SELECT reward FROM rung_results WHERE study_id = $1 AND rung = $2 AND trial_id <> $3', [studyId, rung, trialId]);
    return rows.map((r) => r.reward);
  }

  private async recordRung(q: Query, studyId: number, trialId: number, attempt: number, rung: number, r: TrialReport, reward: number, cutoff: number | null, decision: string): Promise<void> {
    await q(
      `INSERT INTO rung_results (trial_id, rung, study_id, attempt, time, step, wall_time, value, reward, cutoff, decision, recorded_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [trialId, rung, studyId, attempt, r.time, r.step, r.wallTime, r.value, reward, cutoff, decision, now()],
    );
  }

  private async setLast(q: Query, trialId: number, r: TrialReport): Promise<void> {
    await q('UPDATE trials SET last_time = $1, last_value = $2, last_step = $3 WHERE id = $4', [r.time, finiteOrNull(r.value), r.step, trialId]);
  }

  private async endTrial(q: Query, trialId: number, attempt: number, state: TrialState, reason: string, last: TrialReport | undefined): Promise<void> {
    const at = now();
    await q(
      `UPDATE trials SET state = $1, reason = $2, finished_at = $3,
         last_time = COALESCE($4, last_time), last_value = CASE WHEN $5 THEN $6 ELSE last_value END, last_step = COALESCE($7, last_step)
       WHERE id = $8`,
      [state, reason, at, last?.time ?? null, last !== undefined, last ? finiteOrNull(last.value) : null, last?.step ?? null, trialId],
    );
    await q('UPDATE trial_attempts SET ended_at = $1, outcome = $2, reason = $3 WHERE trial_id = $4 AND attempt = $5', [at, state, reason, trialId, attempt]);
  }

  /** Back to waiting (rung results go; the run is kept, marked interrupted if still running), or failed for good; the history says why. */
  private async requeue(
    q: Query,
    studyId: number,
    trialId: number,
    attempt: number,
    reason: string,
    to: { state: 'waiting' | 'failed'; outcome: 'requeued' | 'lost'; retries?: number },
  ): Promise<void> {
    const at = now();
    const [t] = await q<{ run_id: number | null }>('SELECT run_id FROM trials WHERE id = $1', [trialId]);
    if (t.run_id !== null) {
      await q(`UPDATE runs SET status = 'interrupted', error = $1, finished_at = $2 WHERE id = $3 AND status = 'running'`, [reason, at, t.run_id]);
    }
    await q('UPDATE trial_attempts SET ended_at = $1, outcome = $2, reason = $3 WHERE trial_id = $4 AND attempt = $5', [at, to.outcome, reason, trialId, attempt]);
    if (to.state === 'waiting') {
      await q('SELECT pg_advisory_xact_lock($1, $2)', [RUNG_LOCK, studyId]);
      await q('DELETE FROM rung_results WHERE trial_id = $1', [trialId]);
      await q(
        `UPDATE trials SET state = 'waiting', owner_pid = NULL, owner_host = NULL, run_id = NULL, reason = $1,
           last_time = NULL, last_value = NULL, last_step = NULL, heartbeat_at = NULL, retries = COALESCE($2, retries) WHERE id = $3`,
        [reason, to.retries ?? null, trialId],
      );
    } else {
      await q(`UPDATE trials SET state = 'failed', reason = $1, finished_at = $2, heartbeat_at = NULL, retries = COALESCE($3, retries) WHERE id = $4`, [
        reason, at, to.retries ?? null, trialId,
      ]);
    }
  }

  /** Fails the study's lost running trials (locking only those, skipping any another worker holds). */
  private async failLost(q: Query, studyId: number): Promise<TrialRecord[]> {
    const { clock } = await this.lossCheck(q);
    const candidates = await q<{ id: number }>(
      `SELECT id FROM trials WHERE study_id = $1 AND state = 'running' AND heartbeat_at IS NOT NULL
         AND greatest(heartbeat_at, $2) + lease_s < $3 ORDER BY id FOR UPDATE SKIP LOCKED`,
      [studyId, clock.serverStart, clock.now],
    );
    const out: TrialRecord[] = [];
    for (const { id } of candidates) {
      const t = (await this.trial(q, id))!;
      const why = trialLost(t, clock, false);
      if (why === null) continue;
      const next = afterLoss(t, why, this.liveness);
      await this.requeue(q, studyId, t.id, t.attempt, next.reason, { state: next.state, outcome: 'lost', retries: next.retries });
      out.push((await this.trial(q, t.id))!);
    }
    return out;
  }
}
