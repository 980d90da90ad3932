/**
 * The contract between the bundled application and the infrastructure that deploys it.
 * The app reads exactly these environment variables, listens on these ports and is started by
 * these commands; `infra/` builds its Kubernetes objects from the same constants, so a renamed
 * variable breaks the type check instead of a pod at 3 a.m.
 */

/** Environment variables, by purpose. Values are never secrets: secrets are referenced by ARN. */
export const ENV = {
  port: "PORT",
  metricsPort: "METRICS_PORT",
  logLevel: "LOG_LEVEL",
  awsRegion: "AWS_REGION",
  /** Comma-separated API keys, local runs only. In AWS keys come from API_KEYS_SECRET_ARN. */
  apiKeys: "API_KEYS",
  apiKeysSecretArn: "API_KEYS_SECRET_ARN",
  /** The analyst console's logins as JSON (local runs; see docs/console.md). In AWS: CONSOLE_USERS_SECRET_ARN. */
  consoleUsers: "CONSOLE_USERS",
  consoleUsersSecretArn: "CONSOLE_USERS_SECRET_ARN",
  redisUrl: "REDIS_URL",
  redisTls: "REDIS_TLS",
  redisAuthSecretArn: "REDIS_AUTH_SECRET_ARN",
  databaseUrl: "DATABASE_URL",
  /** The secret (JSON with username/password) of the role this process logs in as: its own, or the RDS-managed master's for migrations. */
  databaseSecretArn: "DATABASE_SECRET_ARN",
  /** The migration only: the secrets of the workloads' own roles, which it creates (JSON with username/password). */
  databaseApiRoleSecretArn: "DATABASE_API_ROLE_SECRET_ARN",
  databaseTrainerRoleSecretArn: "DATABASE_TRAINER_ROLE_SECRET_ARN",
  databaseHost: "DATABASE_HOST",
  databasePort: "DATABASE_PORT",
  databaseName: "DATABASE_NAME",
  databaseTls: "DATABASE_TLS",
  /** `./registry` locally, `s3://bucket/prefix` in AWS. */
  modelRegistry: "MODEL_REGISTRY",
  modelPollSeconds: "MODEL_POLL_SECONDS",
  kafkaBrokers: "KAFKA_BROKERS",
  kafkaIamAuth: "KAFKA_IAM_AUTH",
  kafkaTransactionsTopic: "KAFKA_TRANSACTIONS_TOPIC",
  kafkaDecisionsTopic: "KAFKA_DECISIONS_TOPIC",
  kafkaGroupId: "KAFKA_GROUP_ID",
  featureTimezone: "FEATURE_TIMEZONE",
  labelDelayDays: "LABEL_DELAY_DAYS",
  rateLimitPerMinute: "RATE_LIMIT_PER_MINUTE",
  /** A request at least this slow (ms) gets a "request" log line, as every 5xx does: the slow-requests saved query's input. The program sets it to the p99 alert's threshold. */
  slowRequestLogMs: "SLOW_REQUEST_LOG_MS",
  batchMax: "BATCH_MAX",
  decisionThresholdReview: "DECISION_THRESHOLD_REVIEW",
  decisionThresholdDecline: "DECISION_THRESHOLD_DECLINE",
  shutdownDrainSeconds: "SHUTDOWN_DRAIN_SECONDS",
  /** Decisions held in memory while PostgreSQL is unreachable; past it scoring answers 503. */
  decisionBufferMax: "DECISION_BUFFER_MAX",
  /** Milliseconds a feature-store (Redis) call may take before scoring goes on degraded. */
  featureStoreTimeoutMs: "FEATURE_STORE_TIMEOUT_MS",
  /**
   * Tracing (OpenTelemetry's own variable names, so the SDK reads them itself). The deployment sets
   * them only when the stack's tracing is on; without an endpoint the app starts no exporter.
   * OTLP/HTTP base URL of the in-cluster collector, e.g. `http://otel-collector.observability.svc.cluster.local:4318`.
   */
  otelEndpoint: "OTEL_EXPORTER_OTLP_ENDPOINT",
  /** `http/protobuf`. */
  otelProtocol: "OTEL_EXPORTER_OTLP_PROTOCOL",
  /** `parentbased_traceidratio`: a span follows its parent's decision (Kafka headers, HTTP traceparent). */
  otelSampler: "OTEL_TRACES_SAMPLER",
  /** The sampled fraction of root traces, `0` to `1` (e.g. `0.01`). */
  otelSamplerArg: "OTEL_TRACES_SAMPLER_ARG",
  /** `fraud-api`, `fraud-worker` or `fraud-trainer`. */
  otelServiceName: "OTEL_SERVICE_NAME",
  /** `deployment.environment=<stack>,service.version=<tag>`. */
  otelResourceAttributes: "OTEL_RESOURCE_ATTRIBUTES",
  /** drift-retrain only: Prometheus' base URL, the trainer CronJob, the alerts and the timings it acts on (docs/drift.md). */
  prometheusUrl: "PROMETHEUS_URL",
  trainerCronJob: "TRAINER_CRONJOB",
  /** The Lease drift-retrain claims a period on (created by the Pulumi program). */
  driftRetrainLease: "DRIFT_RETRAIN_LEASE",
  driftAlerts: "DRIFT_ALERTS",
  driftAlertForMinutes: "DRIFT_ALERT_FOR_MINUTES",
  driftRetrainAfterMinutes: "DRIFT_RETRAIN_AFTER_MINUTES",
  driftRetrainMinIntervalHours: "DRIFT_RETRAIN_MIN_INTERVAL_HOURS",
} as const;

export type EnvName = (typeof ENV)[keyof typeof ENV];

/** Every variable the app reads, for documentation and for checks that the deployment sets only these. */
export const ALL_ENV_NAMES: readonly EnvName[] = Object.values(ENV);

/**
 * Fields of the JSON log lines that operators filter on. The program's saved CloudWatch Logs
 * Insights queries (infra/observability/queries.ts) are written with these names only, so a
 * renamed field fails a test instead of emptying a query.
 */
export const LOG_FIELDS = {
  time: "time",
  /** "debug" | "info" | "warn" | "error", as a string. */
  level: "level",
  msg: "msg",
  error: "error",
  /** The process: api, worker, trainer, migrate... (serving/log.ts). */
  service: "service",
  version: "version",
  modelVersion: "modelVersion",
  transactionId: "transactionId",
  traceId: "traceId",
  /** Per HTTP request: the route template as in the metrics' `route` label, the method, the status code, the time taken. */
  route: "route",
  method: "method",
  status: "status",
  durationMs: "durationMs",
  /** true on a decision scored without online features. */
  degraded: "degraded",
} as const;

export const PORTS = { http: 8080, metrics: 9464 } as const;

export const HTTP_PATHS = {
  liveness: "/healthz",
  /** Ready only with the model loaded and Redis and PostgreSQL reachable: for people and monitoring. */
  readiness: "/readyz",
  /**
   * Ready to take traffic: model loaded and not draining; Redis and PostgreSQL are reported but do
   * not fail it. The Kubernetes readiness probe and the load balancer's health check use this one,
   * because a shared dependency's outage would otherwise pull every replica out of service at once,
   * while the API is built to keep answering through it (degraded without Redis, buffering without
   * PostgreSQL).
   */
  servingReadiness: "/readyz?dependencies=report",
  metrics: "/metrics",
} as const;

/** Seconds the API needs to drain in-flight requests and its decision buffer after SIGTERM. */
export const API_DRAIN_SECONDS = 20;

/**
 * Container commands. Both images put the bundled JavaScript in /app/dist (see app/Dockerfile*).
 * The API image runs the API, the stream worker and the database migrations, and holds the
 * operator's tools: the replay of decisions logged as not written (`... --from FILE|-`) and the
 * rebuild of the Redis features from the decision log; the trainer image runs the trainer CLI.
 */
export const COMMANDS = {
  api: ["node", "/app/dist/api.js"],
  worker: ["node", "/app/dist/worker.js"],
  migrate: ["node", "/app/dist/migrate.js"],
  "replay-decisions": ["node", "/app/dist/replay-decisions.js"],
  /** The operator's rebuild of the Redis features from the decision log (`... [--since ISO | --all] [--flush]`). */
  "rebuild-features": ["node", "/app/dist/rebuild-features.js"],
  trainer: ["node", "/app/dist/trainer.js", "train"],
  /** In the trainer image: champion vs challenger on labelled live decisions (docs/model-ops.md). */
  "challenger-compare": ["node", "/app/dist/trainer.js", "compare"],
  /** In the trainer image: starts a trainer Job when a drift alert has fired long enough (docs/drift.md). */
  "drift-retrain": ["node", "/app/dist/drift-retrain.js"],
} as const;

/**
 * A population stability index above this reads as a significant shift (the conventional cut-off).
 * The drift monitor's tests, the drift alerts and the dashboard's drift panels all use it.
 */
export const PSI_SIGNIFICANT = 0.2;

/** Kafka topics the platform creates conventions for (MSK IAM policies are scoped to these names). */
export const TOPICS = { transactions: "transactions", decisions: "decisions" } as const;

/**
 * The challenger metrics the serving replicas publish (docs/model-ops.md), by purpose. The alerts
 * and the dashboard (infra/workloads/promql.ts) are written with these names.
 */
export const CHALLENGER_METRICS = {
  /**
   * The pair's latest comparison (`trainer compare`), one gauge per measured metric, labelled
   * `role` (champion, challenger, difference: challenger minus champion), `model_version` (the
   * champion's for its role, the challenger's for the other two) and `bound` (value, low, high: the
   * 95% bootstrap interval).
   */
  comparison: {
    auc: "fraud_challenger_auc",
    averagePrecision: "fraud_challenger_average_precision",
    cardPrecisionAt100: "fraud_challenger_card_precision_at_100",
    recallAt1PctFpr: "fraud_challenger_recall_at_1pct_fpr",
    reviewRate: "fraud_challenger_review_rate",
    declineRate: "fraud_challenger_decline_rate",
  },
  /** 1 when the comparison found the challenger better by the gate's rule; labels `champion`, `challenger`. */
  better: "fraud_challenger_better",
  /** Labelled decisions the comparison measured; labels `champion`, `challenger`. */
  comparedDecisions: "fraud_challenger_compared_decisions",
  /** When the comparison ran (Unix seconds); labels `champion`, `challenger`. */
  comparisonTimestamp: "fraud_challenger_comparison_timestamp_seconds",
  /** When the manifest made the current pair (Unix seconds); labels `champion`, `challenger`. Present whenever a challenger is set. */
  pairSinceTimestamp: "fraud_challenger_pair_since_timestamp_seconds",
  /**
   * Counter: while a challenger is set, each transaction counts once per model, labelled `role`
   * (champion, challenger), `model_version`, `served` ("true" when the client got that model's
   * answer) and `decision`. Both models score every transaction, so each role's decision rate is
   * on the same traffic, in shadow and A/B alike.
   */
  variantDecisions: "fraud_variant_decisions_total",
} as const;
