import { LOG_FIELDS as F } from "../../app/src/config/deploy-contract";

/** A saved CloudWatch Logs Insights query (aws.cloudwatch.QueryDefinition), listed in docs/runbook.md. */
export interface SavedQuery {
  /** Shown in the console under the stack's folder: `<prefix>/<id>`. */
  readonly id: string;
  /** The question it answers. */
  readonly question: string;
  readonly query: string;
}

export interface SavedQueryOptions {
  /** A request at least this slow is listed by `slow-requests` (the p99 alert's threshold). */
  readonly slowRequestMs: number;
}

/**
 * The questions an operator asks the container logs, written with the field names of the deploy
 * contract (`LOG_FIELDS`) only. Fluent Bit puts each JSON line's fields at the top level of the event
 * (next to `kubernetes.*`), so they are queried by name; booleans are matched on the raw event.
 */
export function savedQueries(o: SavedQueryOptions): SavedQuery[] {
  return [
    {
      id: "errors-by-route",
      question: "Which routes and messages fail, and how often?",
      query: [
        `fields @timestamp, ${F.service}, ${F.route}, ${F.status}, ${F.msg}, ${F.error}, ${F.traceId}`,
        `filter ${F.level} = "error" or ${F.status} >= 500`,
        `stats count(*) as errors by ${F.service}, ${F.route}, ${F.msg}`,
        "sort errors desc",
        "limit 50",
      ].join("\n| "),
    },
    {
      id: "degraded-decisions",
      question: "How many decisions were scored degraded (no online features), and when did the feature store fail?",
      query: [
        `fields @timestamp, ${F.service}, ${F.transactionId}, ${F.modelVersion}, ${F.msg}`,
        `filter @message like /"${F.degraded}":true/ or ${F.msg} like /degraded/`,
        `stats count(*) as lines by bin(5m), ${F.service}, ${F.msg}`,
      ].join("\n| "),
    },
    {
      id: "slow-requests",
      question: `Which requests took ${o.slowRequestMs} ms or more, on which route, with which trace?`,
      query: [
        `fields @timestamp, ${F.service}, ${F.route}, ${F.method}, ${F.status}, ${F.durationMs}, ${F.transactionId}, ${F.traceId}`,
        `filter ${F.durationMs} >= ${o.slowRequestMs}`,
        `sort ${F.durationMs} desc`,
        "limit 100",
      ].join("\n| "),
    },
    {
      id: "unwritten-decisions",
      question: 'Which decisions exist only as "decision not written" lines (to replay with replay-decisions)?',
      query: [`fields @timestamp, kubernetes.pod_name, @message`, `filter ${F.msg} = "decision not written"`, "sort @timestamp asc"].join(
        "\n| ",
      ),
    },
    {
      id: "one-transaction",
      question: "Everything logged about one transaction or one trace (edit the two ids).",
      query: [
        `fields @timestamp, ${F.service}, ${F.level}, ${F.msg}, ${F.route}, ${F.status}, ${F.durationMs}, ${F.modelVersion}`,
        `filter ${F.transactionId} = "TRANSACTION_ID" or ${F.traceId} = "TRACE_ID"`,
        "sort @timestamp asc",
      ].join("\n| "),
    },
  ];
}
