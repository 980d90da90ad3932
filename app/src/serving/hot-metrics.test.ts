import { Counter, Histogram, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { HotCounter, HotHistogram, HotVariantCounter } from "./hot-metrics";

describe("hot metrics", () => {
  it("expose exactly what prom-client's own Histogram and Counter would for the same observations", async () => {
    const buckets = [0.001, 0.01, 0.1, 1];
    const observations: [string, string, number][] = [
      ["/v1/score", "200", 0.0004],
      ["/v1/score", "200", 0.001], // on a bound: counted in that bucket (le)
      ["/v1/score", "200", 0.05],
      ["/v1/score", "429", 3],
      ['/a"b\\c', "500", 0.2], // label values escaped alike
    ];
    const reference = new Registry();
    const refHist = new Histogram({
      name: "lat_seconds",
      help: "Latency.",
      labelNames: ["route", "status"],
      buckets,
      registers: [reference],
    });
    const refCount = new Counter({ name: "req_total", help: "Requests.", labelNames: ["route", "status"], registers: [reference] });
    const refOutcomes = new Counter({ name: "outcomes_total", help: "Outcomes.", labelNames: ["decision"], registers: [reference] });
    const hot = new Registry();
    const hist = new HotHistogram(hot, "lat_seconds", "Latency.", ["route", "status"], buckets);
    hist.countAs(hot, "req_total", "Requests.");
    const outcomes = new HotCounter(hot, "outcomes_total", "Outcomes.", "decision", ["approve", "review", "decline"] as const);
    for (const o of ["approve", "review", "decline"]) refOutcomes.labels(o).inc(0);
    for (const [route, status, v] of observations) {
      refHist.labels(route, status).observe(v);
      refCount.labels(route, status).inc();
      hist.series(route, status).observe(v);
    }
    refOutcomes.labels("review").inc();
    outcomes.inc("review");
    expect(await hot.metrics()).toBe(await reference.metrics());
  });

  it("keeps one series per label combination", () => {
    const h = new HotHistogram(new Registry(), "x_seconds", "X.", ["a"], [1]);
    expect(h.series("p")).toBe(h.series("p"));
    expect(h.series("p")).not.toBe(h.series("q"));
  });

  it("keeps the variant rows of the retained versions only, in either role", async () => {
    const registry = new Registry();
    const variants = new HotVariantCounter(registry, "variant_total", "Variants.", ["approve", "decline"] as const);
    variants.inc("champion", "v1", true, "approve");
    variants.inc("challenger", "v2", false, "decline");
    variants.inc("challenger", "v3", false, "decline");
    // v3 promoted over v1 with no challenger: v3's challenger row stays, v1 and v2 go
    variants.retain(["v3", undefined]);
    const versions = (await registry.getSingleMetric("variant_total")!.get()).values.map(
      (v) => `${v.labels.role} ${v.labels.model_version}`,
    );
    expect([...new Set(versions)]).toEqual(["challenger v3"]);
    variants.inc("champion", "v3", true, "approve");
    variants.retain(["v3", undefined]);
    expect(await registry.metrics()).toContain('variant_total{role="champion",model_version="v3",served="true",decision="approve"} 1');
  });
});
