/**
 * A message of the decisions topic: the API's `Decision` schema (serving/schemas.ts), written by
 * fast-json-stringify compiled from it (as Fastify writes the API's answer to POST /v1/score) and
 * read back by Ajv compiled from it. The producer and a consumer hold one schema, so a field
 * renamed or retyped on one side fails the other's tests instead of a downstream reader.
 */
import { Ajv } from "ajv";
import fastJson from "fast-json-stringify";
import type { Static } from "typebox";
import { Decision } from "../serving/schemas";
import type { DecisionRecord } from "../store/decision-record";

export type DecisionMessage = Static<typeof Decision>;

// fields outside the schema (the transaction, the challenger's scores) are left out
const write = fastJson(Decision);

const ajv = new Ajv({ allErrors: true, strictNumbers: true, coerceTypes: false });
ajv.addVocabulary(["x-messages"]);
const valid = ajv.compile<DecisionMessage>(Decision);

/** The message of `d`: the same bytes as the API's answer for it. */
export function decisionMessage(d: DecisionRecord): string {
  return write(d);
}

/** A consumer's read of a message; throws when it is not JSON or not a `Decision`. Fields added later are let through. */
export function readDecisionMessage(value: string): DecisionMessage {
  const message: unknown = JSON.parse(value);
  if (!valid(message)) throw new Error(`not a decision message: ${ajv.errorsText(valid.errors)}`);
  return message;
}
