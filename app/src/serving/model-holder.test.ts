import { describe, expect, it } from "vitest";
import { FEATURE_NAMES } from "../features/types";
import { XGBoostModel } from "../model/xgboost-model";
import { testMetadata, testModelJson } from "../testing/model-fixtures";
import { PreparedModel } from "./model-holder";

const loaded = (thresholds = { review: 0.5, decline: 0.9 }) => ({
  version: "v1",
  metadata: testMetadata("v1", { thresholds }),
  model: XGBoostModel.fromJson(testModelJson(), FEATURE_NAMES),
});

describe("prepared model", () => {
  it("takes thresholds from the environment over the model's metadata", () => {
    const fromModel = new PreparedModel(loaded(), {});
    expect([fromModel.decide(0.49), fromModel.decide(0.5), fromModel.decide(0.9)]).toEqual(["approve", "review", "decline"]);
    const overridden = new PreparedModel(loaded(), { decline: 0.6 });
    expect(overridden.thresholds).toEqual({ review: 0.5, decline: 0.6 });
    expect(overridden.decide(0.7)).toBe("decline");
  });

  it("refuses thresholds out of order", () => {
    expect(() => new PreparedModel(loaded(), { review: 0.95 })).toThrow(/0 <= review <= decline <= 1/);
  });
});
