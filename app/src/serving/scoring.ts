/**
 * Scoring: features from the feature store, the model, the decision, the decision log. Shared by
 * the HTTP API and the stream worker.
 *
 * Idempotency: a transactionId is scored once. A second request for it gets the stored decision:
 * from the in-flight map when the first is still running in this process, from the write-behind
 * buffer, or from PostgreSQL. PostgreSQL is asked for every feature-store call's ids, at the same
 * time as the store (one query per call, no added round trip): Redis restarted without its data, or
 * evicting, calls a repeat fresh, and only the decision log still knows it. When the store reports
 * a duplicate the log does not hold yet, the lookup waits briefly for a first request still in
 * flight on another replica. While the log fails, the lookup is skipped (as the store is, below):
 * a repeat is then recognised by the store alone.
 *
 * Degraded: when the feature store fails or misses its deadline, the transaction is scored with the
 * features that need no history (amount, night, weekend) and the rest missing, as XGBoost handles
 * missing values; the decision says `degraded: true`. After a failure the store is skipped for a
 * second so that an outage costs one timeout, not one per request. The deadline is
 * FEATURE_STORE_TIMEOUT_MS, once more per 100 transactions of a batch (the decision log's lookup
 * has the same deadline). Without the store only that lookup says which transactions are repeats:
 * a repeat gets its stored decision. The rest are scored degraded and queued for the feature store
 * (see backfill.ts), which sees them once it answers again.
 */
import { computeFeatures, FEATURE_INDEX } from "../features/compute";
import type { FeatureConfig, FeatureStore, HistorySnapshot, ObserveResult, Transaction } from "../features/types";
import { type DecisionLog, type DecisionRecord, reasonsJson } from "../store/decision-log";
import type { FeatureBackfill } from "./backfill";
import type { DriftMonitor } from "./drift-monitor";
import { withTimeout } from "./deadline";
import { errorMessage, type Logger } from "./log";
import type { Metrics } from "./metrics";
import type { ModelHolder, PreparedModel } from "./model-holder";

/** Thrown when the request cannot be served now; maps to 503 with Retry-After. */
export class UnavailableError extends Error {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
    this.name = "UnavailableError";
  }
}

const EMPTY: HistorySnapshot = Object.freeze({
  cardCounts: [0, 0, 0] as const,
  cardCents: [0, 0, 0] as const,
  cardPreviousAt: Number.NaN,
  merchantCounts: [0, 0, 0] as const,
  merchantDelayedCounts: [0, 0, 0, 0] as const,
  merchantDelayedFrauds: [0, 0, 0, 0] as const,
  merchantRecentFrauds: [0, 0] as const,
});
/** Features computable from the transaction alone (FEATURE_NAMES positions). */
const HISTORY_FREE = new Set([FEATURE_INDEX.amount, FEATURE_INDEX.is_night, FEATURE_INDEX.is_weekend]);
const BREAKER_MS = 1000;
/** How long a duplicate waits for the first request's decision (written behind by another replica). */
const DUPLICATE_WAIT_MS = 3000;

/** The feature-store deadline for `transactions` scored together. */
export function batchDeadlineMs(timeoutMs: number, transactions: number): number {
  return timeoutMs * (1 + Math.floor(transactions / 100));
}

export interface ScorerDeps {
  readonly featureStore: FeatureStore;
  readonly decisions: DecisionLog;
  readonly models: ModelHolder;
  readonly metrics: Metrics;
  readonly features: FeatureConfig;
  readonly featureStoreTimeoutMs: number;
  readonly log: Logger;
  /** Where degraded transactions wait for the feature store. Without one they are never observed. */
  readonly backfill?: FeatureBackfill;
  /** Counts each decision's features and score against the model's reference distributions. */
  readonly drift?: DriftMonitor;
}

/** A transaction waiting for the feature store's answer, and the request waiting for its decision. */
interface Entry {
  readonly tx: Transaction;
  readonly model: PreparedModel;
  readonly resolve: (d: DecisionRecord | Promise<DecisionRecord>) => void;
}

/** Transactions per feature-store call when single requests are coalesced (one script call in Redis). */
const MAX_COALESCED = 100;

export class Scorer {
  private readonly inflight = new Map<string, Promise<DecisionRecord>>();
  /** Single requests of this event-loop turn: observed together when the turn ends. */
  private turn: Entry[] = [];
  private storeDownUntil = 0;
  private logDownUntil = 0;

  constructor(private readonly d: ScorerDeps) {}

  /**
   * Scores one transaction (or returns its stored decision). Requests arriving in the same
   * event-loop turn share one feature-store call and one deadline, sent before the loop waits for
   * I/O again (no timer, no added wait); each is still observed as one atomic step, in call order.
   */
  score(tx: Transaction): Promise<DecisionRecord> {
    const model = this.model();
    const known = this.known(tx.transactionId);
    if (known) return known;
    if (!this.d.decisions.reserve(1)) return Promise.reject(this.bufferFull());
    const p = new Promise<DecisionRecord>((resolve) => {
      if (this.turn.length === 0) setImmediate(this.flushTurn);
      this.turn.push({ tx, model, resolve });
    });
    this.inflight.set(tx.transactionId, p);
    if (this.turn.length >= MAX_COALESCED) this.flushTurn();
    return p;
  }

  /**
   * Scores a batch in order: the feature store sees the transactions in array order, so two of the
   * same card in one batch see each other as they would one after the other. All or nothing on
   * buffer room: a batch that cannot be buffered whole is refused before anything is recorded.
   */
  scoreBatch(txs: readonly Transaction[]): Promise<DecisionRecord[]> {
    const model = this.model();
    if (!this.d.decisions.reserve(txs.length)) return Promise.reject(this.bufferFull());
    // single requests already waiting reach the store first, as they were called first
    this.flushTurn();
    const out = new Array<Promise<DecisionRecord>>(txs.length);
    const entries: Entry[] = [];
    for (let i = 0; i < txs.length; i++) {
      const tx = txs[i];
      // a repeat of an id earlier in the batch gets the first one's decision (it is in flight)
      const known = this.known(tx.transactionId);
      if (known) {
        this.d.decisions.release(1);
        out[i] = known;
        continue;
      }
      out[i] = new Promise<DecisionRecord>((resolve) => entries.push({ tx, model, resolve }));
      this.inflight.set(tx.transactionId, out[i]);
    }
    if (entries.length > 0) this.observeAndDecide(entries);
    return Promise.all(out);
  }

  private readonly flushTurn = (): void => {
    if (this.turn.length === 0) return;
    const entries = this.turn;
    this.turn = [];
    this.observeAndDecide(entries);
  };

  /** One feature-store call (and deadline) for `entries`, then each one's decision, in order. */
  private observeAndDecide(entries: readonly Entry[]): void {
    const txs = entries.map((e) => e.tx);
    let observing: Promise<ObserveResult[] | undefined>;
    try {
      observing = this.withDeadline(txs.length, () => this.d.featureStore.observeMany(txs));
    } catch (err) {
      for (const e of entries) {
        this.d.decisions.release(1);
        this.settle(e, Promise.reject(err));
      }
      return;
    }
    const stored = this.storedDecisions(txs);
    Promise.all([observing, stored]).then(([results, found]) => {
      // the store answers again: what was scored without it goes in now (behind these, as late arrivals)
      if (results && this.d.backfill?.size) void this.d.backfill.flush();
      for (let i = 0; i < entries.length; i++) {
        const e = entries[i];
        // a repeat: its stored decision, whatever the store says (without the store: scored degraded)
        const prior = found?.get(e.tx.transactionId);
        if (prior) {
          this.d.decisions.release(1);
          this.settle(e, prior);
        } else this.settle(e, this.decided(e, results?.[i]));
      }
    });
  }

  /**
   * The decisions already stored for `txs`, by id; only those in the decision log's memory when
   * PostgreSQL fails or misses the feature-store deadline. Not asked while its writes fail, nor for
   * a second after it missed the deadline: PostgreSQL is then unreachable or slow, and waiting on it per call would
   * add its timeout to every request of the outage (a failure that comes at once costs nothing).
   */
  private storedDecisions(txs: readonly Transaction[]): Promise<Map<string, DecisionRecord> | undefined> {
    if (Date.now() < this.logDownUntil || this.d.decisions.failing) return Promise.resolve(this.inMemory(txs));
    const ids = txs.map((t) => t.transactionId);
    const lookup = this.d.decisions.getMany(ids).catch(() => this.inMemory(txs));
    return withTimeout(lookup, batchDeadlineMs(this.d.featureStoreTimeoutMs, ids.length), "decision log").catch(() => {
      this.logDownUntil = Date.now() + BREAKER_MS;
      return this.inMemory(txs);
    });
  }

  /** What the decision log holds in memory of `txs` (its buffer and recent writes): all it can say without PostgreSQL. */
  private inMemory(txs: readonly Transaction[]): Map<string, DecisionRecord> | undefined {
    let found: Map<string, DecisionRecord> | undefined;
    for (const t of txs) {
      const d = this.d.decisions.getInMemory(t.transactionId);
      if (d) (found ??= new Map()).set(t.transactionId, d);
    }
    return found;
  }

  /** `finish`, with a throw turned into a rejected decision. */
  private decided(e: Entry, observed: ObserveResult | undefined): DecisionRecord | Promise<DecisionRecord> {
    try {
      return this.finish(e, observed);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Answers the entry's request and ends its in-flight entry once `decided` is final. */
  private settle(e: Entry, decided: DecisionRecord | Promise<DecisionRecord>): void {
    const clear = () => this.inflight.delete(e.tx.transactionId);
    if (decided instanceof Promise) decided.then(clear, clear);
    else clear();
    e.resolve(decided);
  }

  private model(): PreparedModel {
    const model = this.d.models.current;
    if (!model) throw new UnavailableError("no model loaded yet", 5);
    return model;
  }

  private bufferFull(): UnavailableError {
    this.d.metrics.bufferRejections.inc();
    return new UnavailableError("decision buffer full: PostgreSQL has been unreachable for a while", 5);
  }

  private known(id: string): Promise<DecisionRecord> | undefined {
    const running = this.inflight.get(id);
    if (running) return running;
    const remembered = this.d.decisions.getInMemory(id);
    if (remembered) return Promise.resolve(remembered);
    // scored degraded and not in the feature store yet, so the store would call it new: its
    // decision is written (or still buffered) in the decision log
    if (this.d.backfill?.has(id)) {
      return this.d.decisions.get(id).then(
        (stored) => stored ?? Promise.reject(new UnavailableError("the first decision for this transactionId is not readable yet", 1)),
        (err: unknown) =>
          Promise.reject(new UnavailableError(`transaction scored before; its decision cannot be read now: ${errorMessage(err)}`, 1)),
      );
    }
    return undefined;
  }

  /**
   * What the feature store answers for `transactions` transactions, or undefined (degraded) when
   * it fails or misses the deadline: the timeout, once more per 100 transactions of a batch (each
   * 100 are one script call in Redis).
   */
  private withDeadline<T>(transactions: number, observing: () => Promise<T>): Promise<T | undefined> {
    if (Date.now() < this.storeDownUntil) return Promise.resolve(undefined);
    // a synchronous throw (a transaction the store refuses outright) is the caller's, not an outage
    return withTimeout(observing(), batchDeadlineMs(this.d.featureStoreTimeoutMs, transactions), "feature store").catch((err: unknown) =>
      this.storeFailed(err),
    );
  }

  private storeFailed(err: unknown): undefined {
    this.d.metrics.featureStoreErrors.inc();
    if (Date.now() >= this.storeDownUntil) {
      this.d.log.warn("feature store failed; scoring degraded for 1 s", { error: errorMessage(err) });
      this.storeDownUntil = Date.now() + BREAKER_MS;
    }
    return undefined;
  }

  /**
   * The decision for an entry whose room in the decision buffer is reserved, from what the store
   * observed (undefined: degraded). Synchronous except for a duplicate, whose stored decision is
   * looked up. The reservation is used or given back whatever happens.
   */
  private finish(e: Entry, observed: ObserveResult | undefined): DecisionRecord | Promise<DecisionRecord> {
    const { tx, model } = e;
    if (observed?.duplicate) {
      this.d.decisions.release(1);
      // Unreadable (PostgreSQL down or hung): scoring it again could answer differently, and this
      // process cannot tell; the client retries (the stored decision is answered once readable).
      const lookup = withTimeout(
        this.d.decisions.getEventually(tx.transactionId, DUPLICATE_WAIT_MS),
        DUPLICATE_WAIT_MS,
        "decision log",
      ).catch((err: unknown) => {
        throw new UnavailableError(`transaction scored before; its decision cannot be read now: ${errorMessage(err)}`, 1);
      });
      return lookup.then(
        (stored) =>
          // Observed before but its decision never got written (that process died): score it now,
          // with the history it saw, without counting it again.
          stored ?? this.decide(tx, model, computeFeatures(tx, observed.snapshot, this.d.features), false, true),
      );
    }
    try {
      if (!observed) {
        this.d.metrics.degraded.inc();
        const features = computeFeatures(tx, EMPTY, this.d.features);
        for (let i = 0; i < features.length; i++) if (!HISTORY_FREE.has(i)) features[i] = Number.NaN;
        const decided = this.decide(tx, model, features, true, false);
        this.d.backfill?.add(tx);
        return decided;
      }
      return this.decide(tx, model, computeFeatures(tx, observed.snapshot, this.d.features), false, false);
    } catch (err) {
      this.d.decisions.release(1);
      throw err;
    }
  }

  private decide(tx: Transaction, model: PreparedModel, features: Float64Array, degraded: boolean, unreserved: boolean): DecisionRecord {
    const { score, reasons } = model.score(features);
    const decision = model.decide(score);
    const record: DecisionRecord = {
      transactionId: tx.transactionId,
      occurredAt: tx.timestamp,
      cardId: tx.cardId,
      merchantId: tx.merchantId,
      amount: tx.amount,
      currency: tx.currency,
      merchantCategory: tx.merchantCategory,
      country: tx.country,
      channel: tx.channel,
      score,
      decision,
      modelVersion: model.version,
      degraded,
      reasons,
      reasonsJson: JSON.stringify(reasons),
    };
    if (unreserved && !this.d.decisions.reserve(1)) throw this.bufferFull();
    this.d.decisions.append(record);
    this.d.metrics.decision(decision, score);
    // a degraded vector is mostly missing by outage, not by drift (FraudFeatureStoreDegraded covers it)
    if (!degraded) this.d.drift?.observe(model, features, score, decision);
    return record;
  }
}

/**
 * The decision as the API and the decisions topic publish it: {transactionId, score, decision,
 * reasons, modelVersion, degraded}, plus the transaction's ISO `timestamp` when asked. Built as
 * text around the reasons JSON the decision log also writes, so each decision is serialised once.
 */
export function decisionJson(d: DecisionRecord, withTimestamp = false): string {
  return (
    `{"transactionId":${JSON.stringify(d.transactionId)},"score":${JSON.stringify(d.score)},"decision":"${d.decision}",` +
    `"reasons":${reasonsJson(d)},"modelVersion":${JSON.stringify(d.modelVersion)},"degraded":${d.degraded}` +
    (withTimestamp ? `,"timestamp":"${new Date(d.occurredAt).toISOString()}"}` : "}")
  );
}
