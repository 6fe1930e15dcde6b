import type Database from 'better-sqlite3';
import { decide, nextDecisionTime, rungCutoff, rungToJudge } from '../tune/asha.js';
import type { LossCheck } from './begin-run.js';
import { configHash, stableStringify } from './hash.js';
import type { Heartbeat } from './heartbeat.js';
import { currentOwner, DB_NOW, type Liveness } from './liveness.js';
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

/**
 * The study store on the SQLite results database (sharing the Store's connection). Every method
 * that changes a study runs in one IMMEDIATE transaction, so concurrent processes are serialised by
 * SQLite's write lock (waiting up to the busy timeout) instead of failing with "database is locked".
 */
export class SqliteStudyStore implements StudyStore {
  private readonly schedulers = new Map<number, Scheduler>();
  private readonly statements = new Map<string, Database.Statement>();
  private readonly fastReport: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    private readonly heartbeat: Heartbeat,
    private readonly liveness: Liveness,
    private readonly lossCheck: () => LossCheck,
  ) {
    this.fastReport = this.sql(
      `SELECT t.state, t.attempt, t.study_id, (SELECT group_concat(r.rung) FROM rung_results r WHERE r.trial_id = t.id) AS recorded
       FROM trials t WHERE t.id = ?`,
    );
  }

  async openStudy(def: StudyDefinition): Promise<OpenStudy> {
    return this.db.transaction((): OpenStudy => {
      const existing = this.studyRow(def.name);
      if (existing) {
        const study = toStudy(existing);
        if (existing.settings_hash === configHash(def.settings)) return { kind: 'opened', study };
        return { kind: 'mismatch', study, differences: settingDifferences(study.settings, def.settings) };
      }
      if (def.configurations.length !== def.settings.samples) {
        throw new Error(`study ${def.name}: ${def.configurations.length} configurations for ${def.settings.samples} samples`);
      }
      const info = this.sql(
          `INSERT INTO studies (name, experiment_id, optimiser, settings_hash, settings_json, created_at)
           VALUES (?, ?, ?, ?, ?, ?)`,
        )
        .run(def.name, def.experimentId, def.settings.optimiser, configHash(def.settings), stableStringify(def.settings), now());
      const studyId = Number(info.lastInsertRowid);
      const insert = this.sql(`INSERT INTO trials (study_id, number, config_json, state) VALUES (?, ?, ?, 'waiting')`);
      def.configurations.forEach((c, i) => insert.run(studyId, i, stableStringify(c)));
      return { kind: 'created', study: toStudy(this.studyRow(def.name)!) };
    }).immediate();
  }

  async findStudy(name: string): Promise<StudyRecord | null> {
    const row = this.studyRow(name);
    return row ? toStudy(row) : null;
  }

  async listStudies(): Promise<StudyRecord[]> {
    return (this.sql(`SELECT ${STUDY_COLUMNS} FROM studies s ORDER BY s.name`).all() as StudyRow[]).map(toStudy);
  }

  async claimTrial(studyId: number, owner: Owner = currentOwner()): Promise<TrialRecord | null> {
    return this.db.transaction((): TrialRecord | null => {
      this.requeueOrphans(studyId);
      const next = this.sql(`SELECT id FROM trials WHERE study_id = ? AND state = 'waiting' ORDER BY number LIMIT 1`)
        .get(studyId) as { id: number } | undefined;
      if (!next) return null;
      const claimedAt = now();
      this.sql(
          `UPDATE trials SET state = 'running', attempt = attempt + 1, owner_pid = ?, owner_host = ?, claimed_at = ?,
             finished_at = NULL, run_id = NULL, reason = NULL, last_time = NULL, last_value = NULL, last_step = NULL,
             heartbeat_at = ${DB_NOW.sqlite}, lease_s = ?
           WHERE id = ?`,
        )
        .run(owner.pid, owner.host, claimedAt, this.liveness.staleSeconds, next.id);
      this.sql(
          `INSERT INTO trial_attempts (trial_id, attempt, owner_pid, owner_host, claimed_at)
           SELECT id, attempt, owner_pid, owner_host, claimed_at FROM trials WHERE id = ?`,
        )
        .run(next.id);
      return this.trial(next.id);
    }).immediate();
  }

  async requeueOrphanedTrials(studyId: number): Promise<TrialRecord[]> {
    return this.db.transaction(() => this.requeueOrphans(studyId)).immediate();
  }

  async attachRun(trialId: number, attempt: number, runId: number): Promise<boolean> {
    const attached = this.db.transaction((): boolean => {
      const info = this.sql(`UPDATE trials SET run_id = ?, heartbeat_at = ${DB_NOW.sqlite} WHERE id = ? AND attempt = ? AND state = 'running'`)
        .run(runId, trialId, attempt);
      if (info.changes !== 1) return false;
      this.sql('UPDATE trial_attempts SET run_id = ? WHERE trial_id = ? AND attempt = ?').run(runId, trialId, attempt);
      return true;
    }).immediate();
    if (attached) this.heartbeat.hold({ kind: 'trial', id: trialId, attempt });
    return attached;
  }

  async reportTrial(trialId: number, attempt: number, report: TrialReport): Promise<TrialDecision> {
    // the common case: no rung newly reached, so the answer is "continue" from one read
    const row = this.fastReport.get(trialId) as { state: TrialState; attempt: number; study_id: number; recorded: string | null } | undefined;
    if (!row || row.state !== 'running' || row.attempt !== attempt) return lostDecision(trialId, attempt, row);
    const s = this.scheduler(row.study_id);
    const reward = s.sign * report.value;
    const recorded = parseRungs(row.recorded);
    if (Number.isFinite(reward) && report.time < s.asha.maxT && rungToJudge(s.asha.milestones, report.time, recorded) === null) {
      return { action: 'continue', rung: null, cutoff: null, reason: 'no new rung reached', nextDecisionAt: nextDecisionTime(s.asha.milestones, report.time, recorded, s.asha.maxT) };
    }
    return this.db.transaction((): TrialDecision => {
      const t = this.fastReport.get(trialId) as typeof row;
      if (!t || t.state !== 'running' || t.attempt !== attempt) return lostDecision(trialId, attempt, t);
      const show = (x: number) => `${s.metric} ${Number((s.sign * x).toPrecision(7))}`;
      const done = parseRungs(t.recorded);
      const d = decide(s.asha, { time: report.time, reward }, done, (rung) => this.othersAt(t.study_id, rung, trialId), show);
      if (d.rung !== null && Number.isFinite(reward)) {
        this.recordRung(t.study_id, trialId, attempt, d.rung, report, reward, d.cutoff, d.action);
        done.add(d.rung);
      }
      if (d.action !== 'continue') {
        this.endTrial(trialId, attempt, d.action === 'complete' ? 'completed' : 'stopped', d.reason, report);
        return d;
      }
      this.setLast(trialId, report);
      return { ...d, nextDecisionAt: nextDecisionTime(s.asha.milestones, report.time, done, s.asha.maxT) };
    }).immediate();
  }

  async finishTrial(trialId: number, attempt: number, end: TrialEnd): Promise<boolean> {
    return this.db.transaction((): boolean => {
      const t = this.fastReport.get(trialId) as { state: TrialState; attempt: number; study_id: number; recorded: string | null } | undefined;
      if (!t || t.state !== 'running' || t.attempt !== attempt) return false;
      const last = end.last;
      if (end.state === 'completed' && last) {
        // as Ray's on_trial_complete: the final result goes to the highest reached, unrecorded rung, unjudged
        const s = this.scheduler(t.study_id);
        const reward = s.sign * last.value;
        const rung = rungToJudge(s.asha.milestones, last.time, parseRungs(t.recorded));
        if (rung !== null && Number.isFinite(reward)) {
          const cutoff = rungCutoff(this.othersAt(t.study_id, rung, trialId), s.asha.reductionFactor);
          this.recordRung(t.study_id, trialId, attempt, rung, last, reward, cutoff, 'complete');
        }
      }
      this.endTrial(trialId, attempt, end.state, end.reason, last);
      return true;
    }).immediate();
  }

  async requeueTrial(trialId: number, attempt: number, reason: string): Promise<boolean> {
    return this.db.transaction((): boolean => {
      const t = this.sql('SELECT state, attempt FROM trials WHERE id = ?').get(trialId) as { state: TrialState; attempt: number } | undefined;
      if (!t || t.state !== 'running' || t.attempt !== attempt) return false;
      this.requeue(trialId, attempt, reason, { state: 'waiting', outcome: 'requeued' });
      return true;
    }).immediate();
  }

  async getTrial(trialId: number): Promise<TrialRecord | null> {
    return this.trial(trialId);
  }

  async listTrials(studyId: number): Promise<TrialRecord[]> {
    const rows = this.sql(`SELECT ${TRIAL_COLUMNS} FROM trials t WHERE t.study_id = ? ORDER BY t.number`).all(studyId) as TrialRow[];
    return rows.map(toTrial);
  }

  async listRungResults(studyId: number): Promise<RungResult[]> {
    const s = this.scheduler(studyId);
    const rows = this.sql(
        `SELECT r.*, t.number FROM rung_results r JOIN trials t ON t.id = r.trial_id
         WHERE r.study_id = ? ORDER BY r.rung, r.recorded_at, t.number`,
      )
      .all(studyId) as RungRow[];
    return rows.map((r) => toRungResult(r, s));
  }

  async listAttempts(studyId: number): Promise<TrialAttempt[]> {
    const rows = this.sql(
        `SELECT a.*, t.number FROM trial_attempts a JOIN trials t ON t.id = a.trial_id
         WHERE t.study_id = ? ORDER BY t.number, a.attempt`,
      )
      .all(studyId) as AttemptRow[];
    return rows.map(toAttempt);
  }

  async studyProgress(studyId: number): Promise<StudyProgress> {
    const s = this.scheduler(studyId);
    const counts = Object.fromEntries(TRIAL_STATES.map((state) => [state, 0])) as Record<TrialState, number>;
    for (const r of this.sql('SELECT state, COUNT(*) AS n FROM trials WHERE study_id = ? GROUP BY state').all(studyId) as { state: TrialState; n: number }[]) {
      counts[r.state] = r.n;
    }
    const order = s.sign === -1 ? 'ASC' : 'DESC';
    const best = this.sql(
        `SELECT ${TRIAL_COLUMNS} FROM trials t WHERE t.study_id = ? AND t.last_value IS NOT NULL AND t.state IN ('running', 'stopped', 'completed')
         ORDER BY t.last_value ${order}, t.number LIMIT 1`,
      )
      .get(studyId) as TrialRow | undefined;
    const rungs = s.asha.milestones.map((milestone, rung) => {
      const rewards = (this.sql('SELECT reward FROM rung_results WHERE study_id = ? AND rung = ?').all(studyId, rung) as { reward: number }[]).map((r) => r.reward);
      const cutoff = rungCutoff(rewards, s.asha.reductionFactor);
      return { rung, milestone, recorded: rewards.length, cutoffValue: cutoff === null ? null : s.sign * cutoff };
    });
    return { counts, best: best ? toTrial(best) : null, rungs };
  }

  /** A prepared statement, prepared once per connection. */
  private sql(text: string): Database.Statement {
    let st = this.statements.get(text);
    if (!st) {
      st = this.db.prepare(text);
      this.statements.set(text, st);
    }
    return st;
  }

  // ---- inside transactions ----

  private studyRow(name: string): StudyRow | undefined {
    return this.sql(`SELECT ${STUDY_COLUMNS} FROM studies s WHERE s.name = ?`).get(name) as StudyRow | undefined;
  }

  private trial(trialId: number): TrialRecord | null {
    const row = this.sql(`SELECT ${TRIAL_COLUMNS} FROM trials t WHERE t.id = ?`).get(trialId) as TrialRow | undefined;
    return row ? toTrial(row) : null;
  }

  private scheduler(studyId: number): Scheduler {
    let s = this.schedulers.get(studyId);
    if (!s) {
      const row = this.sql('SELECT settings_json FROM studies WHERE id = ?').get(studyId) as { settings_json: string } | undefined;
      if (!row) throw new Error(`no study with id ${studyId} in this database`);
      s = schedulerOf(row.settings_json);
      this.schedulers.set(studyId, s);
    }
    return s;
  }

  private othersAt(studyId: number, rung: number, trialId: number): number[] {
    const rows = this.sql('SELECT reward FROM rung_results WHERE study_id = ? AND rung = ? AND trial_id != ?')
      .all(studyId, rung, trialId) as { reward: number }[];
    return rows.map((r) => r.reward);
  }

  private recordRung(studyId: number, trialId: number, attempt: number, rung: number, r: TrialReport, reward: number, cutoff: number | null, decision: string): void {
    this.sql(
        `INSERT INTO rung_results (trial_id, rung, study_id, attempt, time, step, wall_time, value, reward, cutoff, decision, recorded_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(trialId, rung, studyId, attempt, r.time, r.step, r.wallTime, r.value, reward, cutoff, decision, now());
  }

  private setLast(trialId: number, r: TrialReport): void {
    this.sql('UPDATE trials SET last_time = ?, last_value = ?, last_step = ? WHERE id = ?')
      .run(r.time, finiteOrNull(r.value), r.step, trialId);
  }

  private endTrial(trialId: number, attempt: number, state: TrialState, reason: string, last: TrialReport | undefined): void {
    const at = now();
    this.sql(
        `UPDATE trials SET state = ?, reason = ?, finished_at = ?,
           last_time = COALESCE(?, last_time), last_value = CASE WHEN ? THEN ? ELSE last_value END, last_step = COALESCE(?, last_step)
         WHERE id = ?`,
      )
      .run(state, reason, at, last?.time ?? null, last ? 1 : 0, last ? finiteOrNull(last.value) : null, last?.step ?? null, trialId);
    this.sql('UPDATE trial_attempts SET ended_at = ?, outcome = ?, reason = ? WHERE trial_id = ? AND attempt = ?').run(at, state, reason, trialId, attempt);
    this.heartbeat.release({ kind: 'trial', id: trialId, attempt });
  }

  /**
   * Ends the attempt: back to waiting (its rung results go; its run is kept, marked interrupted if
   * still running), or failed for good; the attempt's history records why.
   */
  private requeue(trialId: number, attempt: number, reason: string, to: { state: 'waiting' | 'failed'; outcome: 'requeued' | 'lost'; retries?: number }): void {
    const t = this.sql('SELECT run_id FROM trials WHERE id = ?').get(trialId) as { run_id: number | null };
    const at = now();
    if (t.run_id !== null) {
      this.sql(`UPDATE runs SET status = 'interrupted', error = ?, finished_at = ? WHERE id = ? AND status = 'running'`)
        .run(reason, at, t.run_id);
    }
    this.sql('UPDATE trial_attempts SET ended_at = ?, outcome = ?, reason = ? WHERE trial_id = ? AND attempt = ?').run(at, to.outcome, reason, trialId, attempt);
    if (to.state === 'waiting') {
      this.sql('DELETE FROM rung_results WHERE trial_id = ?').run(trialId);
      this.sql(
          `UPDATE trials SET state = 'waiting', owner_pid = NULL, owner_host = NULL, run_id = NULL, reason = ?,
             last_time = NULL, last_value = NULL, last_step = NULL, heartbeat_at = NULL, retries = COALESCE(?, retries) WHERE id = ?`,
        )
        .run(reason, to.retries ?? null, trialId);
    } else {
      this.sql(`UPDATE trials SET state = 'failed', reason = ?, finished_at = ?, heartbeat_at = NULL, retries = COALESCE(?, retries) WHERE id = ?`)
        .run(reason, at, to.retries ?? null, trialId);
    }
    this.heartbeat.release({ kind: 'trial', id: trialId, attempt });
  }

  private requeueOrphans(studyId: number): TrialRecord[] {
    const running = (this.sql(`SELECT ${TRIAL_COLUMNS} FROM trials t WHERE t.study_id = ? AND t.state = 'running'`).all(studyId) as TrialRow[]).map(toTrial);
    const { clock, checkProcess } = this.lossCheck();
    const orphans: TrialRecord[] = [];
    for (const t of running) {
      const why = trialLost(t, clock, checkProcess);
      if (why === null) continue;
      const next = afterLoss(t, why, this.liveness);
      this.requeue(t.id, t.attempt, next.reason, { state: next.state, outcome: 'lost', retries: next.retries });
      orphans.push(this.trial(t.id)!);
    }
    return orphans;
  }
}
