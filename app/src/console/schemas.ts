/**
 * The console API's request schemas (TypeBox): Fastify validates each request with them before a
 * handler runs. Semantic checks (a cursor of the right order, ISO times, ranges) stay in the
 * parsers they describe (queue.ts, label.ts), which the tests call directly.
 */
import { Type } from "typebox";
import { LABELS } from "../domain/decision";
import { NOTE_MAX } from "./label";
import { QUEUE_PAGE_MAX } from "./queue";

export const LoginBody = Type.Object(
  { user: Type.String({ minLength: 1, maxLength: 64 }), password: Type.String({ minLength: 1, maxLength: 1024 }) },
  { additionalProperties: false },
);

export const LabelBody = Type.Object(
  { label: Type.Union(LABELS.map((l) => Type.Literal(l))), note: Type.Optional(Type.String({ maxLength: NOTE_MAX })) },
  { additionalProperties: false },
);

const text = (description: string) => Type.Optional(Type.String({ maxLength: 256, description }));

export const QueueQuery = Type.Object(
  {
    decision: text("review (default), decline, or both comma-separated"),
    sort: text("newest (default) or riskiest"),
    minScore: text("lowest score, 0-1"),
    maxScore: text("highest score, 0-1"),
    merchant: text("merchant id"),
    card: text("card id"),
    model: text("model version"),
    from: text("transaction time from (ISO 8601, inclusive)"),
    to: text("transaction time to (ISO 8601, exclusive)"),
    after: Type.Optional(Type.String({ maxLength: 1024, description: "`next` of the previous page" })),
    limit: text(`page size, 1-${QUEUE_PAGE_MAX} (default 50)`),
  },
  { additionalProperties: false },
);

export const OverviewQuery = Type.Object(
  { hours: Type.Optional(Type.Union([Type.Literal("24"), Type.Literal("168"), Type.Literal("720")])) },
  { additionalProperties: false },
);

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 400 }) });

export const ReportParams = Type.Object({
  version: Type.String({ pattern: "^[\\w.-]{1,128}$" }),
  file: Type.String({ pattern: "^[\\w-]+(\\.\\w+)+$" }),
});

export const AssetParams = Type.Object({ name: Type.Union([Type.Literal("app.js"), Type.Literal("app.css")]) });
