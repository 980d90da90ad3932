/** The worker stays up through a Kafka outage and its readiness says why it is not consuming. */
import { MultipleErrors, NetworkError } from "@platformatic/kafka";
import { describe, expect, it } from "vitest";
import { createLogger } from "../serving/log";
import { workerReadiness, type WorkerStatus } from "./health";
import { StreamSupervisor } from "./supervisor";

const noBroker = () =>
  new MultipleErrors("findGroupCoordinator failed 4 times.", [
    new NetworkError("Connection to 127.0.0.1:1 failed.", {
      cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }),
    }),
  ]);

describe("StreamSupervisor", () => {
  it("reconnects after failures with a doubling delay, reporting the nested cause, until consuming", async () => {
    const lines: string[] = [];
    let attempts = 0;
    let finish: () => void = () => undefined;
    const seen: string[] = [];
    const sup: StreamSupervisor = new StreamSupervisor(
      () => {
        attempts++;
        seen.push(sup.state.consuming ? "consuming" : sup.state.reason);
        if (attempts <= 2) return Promise.reject(noBroker());
        sup.consuming();
        return new Promise<void>((r) => (finish = r));
      },
      ["127.0.0.1:1"],
      createLogger("info", (l) => lines.push(l)),
      { retryMs: 5, maxRetryMs: 8 },
    );
    const running = sup.start();
    await expect.poll(() => sup.state.consuming).toBe(true);
    expect(seen[0]).toBe("connecting to 127.0.0.1:1: no answer yet");
    expect(seen[1]).toMatch(/^findGroupCoordinator failed 4 times\. <- .*ECONNREFUSED.*\(reconnecting in 5 ms\)$/);
    expect(seen[2]).toMatch(/reconnecting in 8 ms/);
    const logged = lines.map((l) => JSON.parse(l) as { msg: string; causes: string[]; retryInMs: number });
    expect(logged.map((l) => l.retryInMs)).toEqual([5, 8]);
    expect(logged[0]!.causes).toContain("ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1");
    sup.stop();
    finish();
    await running;
    expect(attempts).toBe(3);
  });

  it("stops during the wait before the next attempt without another attempt", async () => {
    let attempts = 0;
    const sup = new StreamSupervisor(
      () => {
        attempts++;
        return Promise.reject(noBroker());
      },
      ["b:9092"],
      createLogger("error", () => undefined),
      { retryMs: 60_000, maxRetryMs: 60_000 },
    );
    const running = sup.start();
    await expect.poll(() => (sup.state.consuming ? "" : sup.state.reason)).toMatch(/reconnecting in 60000 ms/);
    sup.stop();
    await running;
    expect(attempts).toBe(1);
    expect(sup.state).toEqual({ consuming: false, reason: "stopping" });
  });
});

describe("workerReadiness", () => {
  const runtime = (model: boolean, redis: Error | undefined): NonNullable<WorkerStatus["runtime"]> =>
    ({
      models: { current: model ? { version: "v1" } : undefined },
      readiness: [
        { name: "postgres", check: () => Promise.resolve() },
        { name: "redis", check: () => (redis ? Promise.reject(redis) : Promise.resolve()) },
      ],
    }) as unknown as NonNullable<WorkerStatus["runtime"]>;

  it("is not ready while starting, and says so", async () => {
    expect(await workerReadiness({ runtime: undefined, stream: undefined })).toEqual({
      ready: false,
      checks: { runtime: "starting: loading the model and connecting to the stores" },
    });
  });

  it("names every failing check: Kafka's reason, the model, a store", async () => {
    const r = await workerReadiness({
      runtime: runtime(false, new Error("ECONNREFUSED")),
      stream: { consuming: false, reason: "no broker" },
    });
    expect(r).toEqual({ ready: false, checks: { model: "no model loaded", postgres: "ok", redis: "ECONNREFUSED", kafka: "no broker" } });
  });

  it("is ready with a model, the stores and a consuming stream", async () => {
    const r = await workerReadiness({ runtime: runtime(true, undefined), stream: { consuming: true } });
    expect(r).toEqual({ ready: true, checks: { model: "ok (v1)", postgres: "ok", redis: "ok", kafka: "ok (consuming)" } });
  });
});
