/**
 * Scoring: features from the feature store, the model, the decision, the decision log. Shared by
 * the HTTP API and the stream worker. Its pieces: requests of one event-loop turn share a
 * feature-store call (coalescer.ts); a repeat gets its stored decision (idempotency.ts); a request
 * holds room in the decision buffer from before it touches the store until its decision is
 * appended (buffer-room.ts).
 *
 * Degraded: when the feature store fails or misses its deadline, the transaction is scored with the
 * features that need no history (amount, night, weekend) and the rest missing, as XGBoost handles
 * missing values; the decision says `degraded: true`. After a failure the store is skipped for a
 * second (breaker.ts) so that an outage costs one timeout, not one per request. The deadline is
 * FEATURE_STORE_TIMEOUT_MS, once more per 100 transactions of a batch (the decision log's lookup
 * has the same deadline). Without the store only that lookup says which transactions are repeats:
 * a repeat gets its stored decision. The rest are scored degraded and queued for the feature store
 * (see backfill.ts), which sees them once it answers again.
 */
import { computeFeatures, FEATURE_INDEX } from "../features/compute";
import type { FeatureConfig, FeatureStore, HistorySnapshot, ObserveResult, Transaction } from "../features/types";
import type { DecisionLog } from "../store/decision-log";
import type { DecisionRecord } from "../store/decision-record";
import type { FeatureBackfill } from "./backfill";
import { CircuitBreaker } from "./breaker";
import { BufferRoom, using } from "./buffer-room";
import { scoreBoth, type ServingChallenger } from "./challenger";
import { TurnCoalescer } from "./coalescer";
import { withTimeout } from "./deadline";
import type { DriftMonitor } from "./drift-monitor";
import { type Decided, PriorDecisions } from "./idempotency";
import { errorMessage, type Logger } from "./log";
import type { Metrics } from "./metrics";
import type { ModelHolder, PreparedModel } from "./model-holder";
import { UnavailableError } from "./unavailable";

export { UnavailableError };

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
/** Transactions per feature-store call when single requests are coalesced (one script call in Redis). */
const MAX_COALESCED = 100;

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

/** A transaction waiting for the feature store's answer, its room in the decision buffer, and the request waiting for its decision. */
interface Entry {
  readonly tx: Transaction;
  readonly model: PreparedModel;
  /** Read with `model`, once per request: a swap of either never mixes a request. */
  readonly challenger: ServingChallenger | undefined;
  readonly room: BufferRoom;
  readonly resolve: (d: Decided) => void;
}

export class Scorer {
  private readonly prior: PriorDecisions;
  private readonly store = new CircuitBreaker(BREAKER_MS);
  /** Single requests of this event-loop turn: observed together when the turn ends. */
  private readonly turn = new TurnCoalescer<Entry>(MAX_COALESCED, (entries) => this.observeAndDecide(entries));

  constructor(private readonly d: ScorerDeps) {
    this.prior = new PriorDecisions(d.decisions, d.backfill, BREAKER_MS);
  }

  /**
   * Scores one transaction (or returns its stored decision). Requests arriving in the same
   * event-loop turn share one feature-store call and one deadline; each is still observed as one
   * atomic step, in call order.
   */
  score(tx: Transaction): Promise<DecisionRecord> {
    const model = this.model();
    const known = this.prior.known(tx.transactionId);
    if (known) return known;
    const room = BufferRoom.claim(this.d.decisions, 1);
    if (!room) return Promise.reject(this.bufferFull());
    let resolve!: (d: Decided) => void;
    const p = new Promise<DecisionRecord>((r) => (resolve = r));
    // tracked before it can settle: a full turn is observed (and may settle) inside `add`
    this.prior.track(tx.transactionId, p);
    this.turn.add({ tx, model, challenger: this.d.models.challenger, room, resolve });
    return p;
  }

  /**
   * Scores a batch in order: the feature store sees the transactions in array order, so two of the
   * same card in one batch see each other as they would one after the other. All or nothing on
   * buffer room: a batch that cannot be buffered whole is refused before anything is recorded.
   */
  scoreBatch(txs: readonly Transaction[]): Promise<DecisionRecord[]> {
    const model = this.model();
    const challenger = this.d.models.challenger;
    const batchRoom = BufferRoom.claim(this.d.decisions, txs.length);
    if (!batchRoom) return Promise.reject(this.bufferFull());
    // single requests already waiting reach the store first, as they were called first
    this.turn.flush();
    // each new transaction takes its slot; the repeats' slots are given back at the end
    return using(batchRoom, (batchRoom) => {
      const out = new Array<Promise<DecisionRecord>>(txs.length);
      const entries: Entry[] = [];
      for (let i = 0; i < txs.length; i++) {
        const tx = txs[i];
        // a repeat of an id earlier in the batch gets the first one's decision (it is in flight)
        const known = this.prior.known(tx.transactionId);
        if (known) {
          out[i] = known;
          continue;
        }
        const room = batchRoom.take();
        out[i] = new Promise<DecisionRecord>((resolve) => entries.push({ tx, model, challenger, room, resolve }));
        this.prior.track(tx.transactionId, out[i]);
      }
      if (entries.length > 0) this.observeAndDecide(entries);
      return Promise.all(out);
    });
  }

  /** One feature-store call (and deadline) for `entries`, then each one's decision, in order. */
  private observeAndDecide(entries: readonly Entry[]): void {
    const txs = entries.map((e) => e.tx);
    let observing: Promise<ObserveResult[] | undefined>;
    try {
      observing = this.withDeadline(txs.length, () => this.d.featureStore.observeMany(txs));
    } catch (err) {
      for (const e of entries)
        this.answer(e, () => {
          throw err;
        });
      return;
    }
    const stored = this.prior.stored(txs, batchDeadlineMs(this.d.featureStoreTimeoutMs, txs.length));
    Promise.all([observing, stored]).then(([results, found]) => {
      // the store answers again: what was scored without it goes in now (behind these, as late arrivals)
      if (results && this.d.backfill?.size) void this.d.backfill.flush();
      for (let i = 0; i < entries.length; i++) {
        const e = entries[i];
        // a repeat: its stored decision, whatever the store says (without the store: scored degraded)
        const prior = found?.get(e.tx.transactionId);
        this.answer(e, (room) => prior ?? this.finish(e, room, results?.[i]));
      }
    });
  }

  /**
   * Answers the entry's request with what `decide` returns (a throw becomes a rejection), inside
   * its room: whatever `decide` did not use is given back.
   */
  private answer(e: Entry, decide: (room: BufferRoom) => Decided): void {
    let decided: Decided;
    try {
      decided = using(e.room, decide);
    } catch (err) {
      decided = Promise.reject(err);
    }
    this.prior.settle(e.tx.transactionId, decided);
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

  /**
   * What the feature store answers for `transactions` transactions, or undefined (degraded) when
   * it fails or misses the deadline: the timeout, once more per 100 transactions of a batch (each
   * 100 are one script call in Redis).
   */
  private withDeadline<T>(transactions: number, observing: () => Promise<T>): Promise<T | undefined> {
    if (this.store.open) return Promise.resolve(undefined);
    // a synchronous throw (a transaction the store refuses outright) is the caller's, not an outage
    return withTimeout(observing(), batchDeadlineMs(this.d.featureStoreTimeoutMs, transactions), "feature store").catch((err: unknown) =>
      this.storeFailed(err),
    );
  }

  private storeFailed(err: unknown): undefined {
    this.d.metrics.featureStoreErrors.inc();
    if (this.store.trip()) this.d.log.warn("feature store failed; scoring degraded for 1 s", { error: errorMessage(err) });
    return undefined;
  }

  /**
   * The decision for an entry from what the store observed (undefined: degraded), appended into
   * `room`. Synchronous except for a duplicate, whose stored decision is looked up (its room is
   * given back meanwhile: the wait can be long, and usually ends with nothing to append).
   */
  private finish(e: Entry, room: BufferRoom, observed: ObserveResult | undefined): Decided {
    const { tx } = e;
    if (observed?.duplicate) {
      return this.prior.duplicate(tx.transactionId).then((stored) => {
        if (stored) return stored;
        // Observed before but its decision never got written (that process died): score it now,
        // with the history it saw, without counting it again.
        const again = BufferRoom.claim(this.d.decisions, 1);
        if (!again) throw this.bufferFull();
        return using(again, (r) => this.decide(e, computeFeatures(tx, observed.snapshot, this.d.features), false, r));
      });
    }
    if (!observed) {
      this.d.metrics.degraded.inc();
      const features = computeFeatures(tx, EMPTY, this.d.features);
      for (let i = 0; i < features.length; i++) if (!HISTORY_FREE.has(i)) features[i] = Number.NaN;
      const decided = this.decide(e, features, true, room);
      this.d.backfill?.add(tx);
      return decided;
    }
    return this.decide(e, computeFeatures(tx, observed.snapshot, this.d.features), false, room);
  }

  /** One feature vector, the champion's walk and, with a challenger, its walk too. */
  private decide(e: Entry, features: Float64Array, degraded: boolean, room: BufferRoom): DecisionRecord {
    const { tx, model } = e;
    const scored = scoreBoth(model, e.challenger, tx.cardId, features);
    const { score, decision, reasons } = scored;
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
      modelVersion: scored.served.version,
      degraded,
      reasons,
      reasonsJson: JSON.stringify(reasons),
      challenger: scored.challenger,
    };
    room.append(record);
    this.d.metrics.decision(decision, score);
    if (scored.challenger) this.d.metrics.variantDecisions(scored.challenger, scored.served !== model);
    // a degraded vector is mostly missing by outage, not by drift (FraudFeatureStoreDegraded covers it)
    // the production model's view, whoever answered: its reference distributions are the baseline
    if (!degraded) this.d.drift?.observe(model, features, scored.championScore, scored.championDecision);
    return record;
  }
}
