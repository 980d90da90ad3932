/**
 * A label, applied: stored in the feedback table, then fed to the merchant-risk features. One code
 * path for `POST /v1/feedback` and the analyst console, so a label set by hand moves the features
 * exactly as a chargeback webhook does.
 */
import type { Feedback } from "./validate";
import { ValidationError } from "./validate";
import { UnavailableError } from "./scoring";
import { withTimeout } from "./deadline";
import { errorMessage } from "./log";
import type { Metrics } from "./metrics";
import type { FeatureStore } from "../features/types";
import type { DecisionLog } from "../store/decision-log";
import { refusesValues } from "../store/sql";

export interface FeedbackDeps {
  readonly decisions: DecisionLog;
  readonly featureStore: FeatureStore;
  readonly metrics: Metrics;
  readonly featureStoreTimeoutMs: number;
}

export interface FeedbackResult {
  readonly transactionId: string;
  readonly stored: boolean;
  readonly featuresUpdated: boolean;
  readonly note?: string;
}

/** A label right after its score may find the decision still in another replica's write-behind buffer. */
const LABEL_LOOKUP_WAIT_MS = 1000;

/**
 * Stores the label, and updates the merchant-risk features: a fraud label counts from its report
 * time; a legit one withdraws a fraud label the transaction had (a reversed chargeback), as the
 * trainer, which reads each transaction's standing label, would see it. A label reported before the
 * one stored (a retried or delayed webhook) changes neither. Updating features needs the
 * transaction's merchant and time, read from the decision log: a label for a transaction not
 * scored (yet) is stored but cannot feed features.
 *
 * Throws ValidationError when PostgreSQL refuses the values (a retry would fail the same way) and
 * UnavailableError when a store is unreachable (a retry is safe).
 */
export async function applyFeedback(d: FeedbackDeps, fb: Feedback): Promise<FeedbackResult> {
  const standing = await d.decisions.recordFeedback(fb).catch((err: unknown) => {
    if (refusesValues(err))
      throw new ValidationError([{ path: "", message: `label not stored, PostgreSQL refused it: ${errorMessage(err)}` }]);
    throw new UnavailableError(`feedback not stored, PostgreSQL unavailable: ${errorMessage(err)}`, 5);
  });
  if (standing.label !== fb.label || standing.reportedAt !== fb.reportedAt) {
    const at = new Date(standing.reportedAt).toISOString();
    return {
      transactionId: fb.transactionId,
      stored: false,
      featuresUpdated: false,
      note: `superseded: the ${standing.label} label reported at ${at} stands`,
    };
  }
  const decision = await d.decisions.getEventually(fb.transactionId, LABEL_LOOKUP_WAIT_MS).catch(() => undefined);
  if (!decision) {
    return { transactionId: fb.transactionId, stored: true, featuresUpdated: false, note: "no decision recorded for this transaction" };
  }
  const label = {
    transactionId: fb.transactionId,
    merchantId: decision.merchantId,
    timestamp: decision.occurredAt,
    knownAt: fb.reportedAt,
  };
  try {
    await withTimeout(
      fb.label === "fraud" ? d.featureStore.recordFraudLabel(label) : d.featureStore.retractFraudLabel(label),
      d.featureStoreTimeoutMs * 5,
      "feature store",
    );
  } catch (err) {
    d.metrics.featureStoreErrors.inc();
    throw new UnavailableError(`label stored, but the feature store could not record it (retry is safe): ${errorMessage(err)}`, 1);
  }
  return { transactionId: fb.transactionId, stored: true, featuresUpdated: true };
}
