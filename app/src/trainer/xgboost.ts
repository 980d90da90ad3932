/**
 * Training and batch prediction through Debian's XGBoost 1.7 CLI (no native Node binding to build,
 * and the same binary in the trainer image). Data goes through CSV files in a private temp dir
 * (under os.tmpdir(), so the trainer runs on a read-only root filesystem with /tmp writable).
 */
import { spawn } from "node:child_process";
import { accessSync, constants, createWriteStream } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";

export interface BoosterParams {
  /** Boosting rounds. Default 100. */
  readonly rounds: number;
  /** Default 0.1. */
  readonly eta: number;
  /** Default 6. */
  readonly maxDepth: number;
  /** Default 1. */
  readonly minChildWeight: number;
  /** Row and column subsampling per tree. Default 0.8 each. */
  readonly subsample: number;
  readonly colsampleBytree: number;
  /**
   * Weight of the positive class. The trainer sets it to negatives/positives of the train window:
   * frauds are under 1% of rows, and unweighted, the log loss is dominated by the genuine majority,
   * so trees stop splitting before they isolate the rare fraud patterns. Weighting gives both
   * classes the same total gradient mass. It inflates raw probabilities (the model is not
   * calibrated), which does not change the ranking metrics we gate on; decision thresholds in the
   * metadata are therefore derived from the scores, not assumed to be probabilities.
   */
  readonly scalePosWeight: number;
  /** Threads; default 2 (this machine's cores). */
  readonly nthread: number;
  readonly seed: number;
}

export const DEFAULT_BOOSTER_PARAMS: Omit<BoosterParams, "scalePosWeight"> = {
  rounds: 100,
  eta: 0.1,
  maxDepth: 6,
  minChildWeight: 1,
  subsample: 0.8,
  colsampleBytree: 0.8,
  nthread: 2,
  seed: 0,
};

/** The CLI to run: $XGBOOST_BIN or `xgboost` on PATH. */
export function xgboostBinary(): string {
  return process.env.XGBOOST_BIN || "xgboost";
}

/**
 * Where the CLI that xgboostBinary() names would be run from, or null when it is not there (a
 * fresh machine without Debian's package): a name is looked up on PATH as spawn does, a path is
 * checked as it is.
 */
export function findXgboost(bin = xgboostBinary(), path = process.env.PATH ?? ""): string | null {
  const candidates = bin.includes("/")
    ? [bin]
    : path
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(dir, bin));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // try the next one
    }
  }
  return null;
}

/**
 * Writes `label,f1,...` rows. Each feature is written as its float32 value with 9 significant
 * digits, which XGBoost parses back to exactly that float32: the CLI and the TypeScript predictor
 * (which casts with Math.fround) then see identical inputs. NaN is an empty field (missing).
 */
export async function writeXgbCsv(
  path: string,
  features: Float64Array,
  dims: number,
  labels: ArrayLike<number> | undefined,
): Promise<void> {
  const out = createWriteStream(path);
  const rows = features.length / dims;
  let chunk = "";
  for (let i = 0; i < rows; i++) {
    let line = labels ? String(labels[i]) : "0";
    for (let j = 0; j < dims; j++) {
      const v = features[i * dims + j]!;
      line += Number.isNaN(v) ? "," : `,${formatFloat32(v)}`;
    }
    chunk += `${line}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, "drain");
      chunk = "";
    }
  }
  out.end(chunk);
  await once(out, "finish");
}

export function formatFloat32(v: number): string {
  const f = Math.fround(v);
  return Number.isInteger(f) && Math.abs(f) < 1e15 ? String(f) : f.toPrecision(9);
}

function run(bin: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (b: Buffer) => (output += b.toString()));
    child.stderr.on("data", (b: Buffer) => (output += b.toString()));
    child.on("error", (e: NodeJS.ErrnoException) =>
      reject(
        e.code === "ENOENT"
          ? new Error(`XGBoost CLI not found (${bin}): install Debian's package (apt-get install -y xgboost) or set XGBOOST_BIN`)
          : e,
      ),
    );
    child.on("close", (code) =>
      code === 0 ? resolve(output) : reject(new Error(`${bin} ${args.join(" ")} exited with ${code}: ${output.trim().slice(-2000)}`)),
    );
  });
}

export async function withTempDir<T>(prefix: string, body: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  try {
    return await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function configText(p: BoosterParams): string {
  return [
    "booster = gbtree",
    "objective = binary:logistic",
    // Histogram split finding: the exact method is 10x slower on a million rows for no gain here.
    "tree_method = hist",
    `eta = ${p.eta}`,
    `max_depth = ${p.maxDepth}`,
    `min_child_weight = ${p.minChildWeight}`,
    `subsample = ${p.subsample}`,
    `colsample_bytree = ${p.colsampleBytree}`,
    `scale_pos_weight = ${p.scalePosWeight}`,
    `num_round = ${p.rounds}`,
    `nthread = ${p.nthread}`,
    `seed = ${p.seed}`,
    "",
  ].join("\n");
}

export interface TrainedBooster {
  /** XGBoost's JSON model, as the CLI saved it. */
  readonly modelJson: string;
  readonly seconds: number;
}

export async function trainBooster(
  features: Float64Array,
  dims: number,
  labels: ArrayLike<number>,
  params: BoosterParams,
  bin = xgboostBinary(),
): Promise<TrainedBooster> {
  return withTempDir("fraud-xgb-train-", async (dir) => {
    await writeXgbCsv(join(dir, "train.csv"), features, dims, labels);
    await writeFile(join(dir, "train.conf"), configText(params));
    const started = performance.now();
    await run(bin, ["train.conf", `data=train.csv?format=csv&label_column=0`, "model_out=model.json"], dir);
    const seconds = (performance.now() - started) / 1000;
    return { modelJson: await readFile(join(dir, "model.json"), "utf8"), seconds };
  });
}

/** XGBoost's own probabilities for rows of `features` (for checking the TypeScript predictor). */
export async function predictBooster(
  modelJson: string,
  features: Float64Array,
  dims: number,
  bin = xgboostBinary(),
): Promise<Float64Array> {
  return withTempDir("fraud-xgb-pred-", async (dir) => {
    await writeXgbCsv(join(dir, "test.csv"), features, dims, undefined);
    await writeFile(join(dir, "model.json"), modelJson);
    await writeFile(join(dir, "pred.conf"), "booster = gbtree\nobjective = binary:logistic\n");
    await run(
      bin,
      ["pred.conf", "task=pred", "model_in=model.json", "test:data=test.csv?format=csv&label_column=0", "name_pred=pred.txt"],
      dir,
    );
    const lines = (await readFile(join(dir, "pred.txt"), "utf8")).split("\n").filter((l) => l.length > 0);
    if (lines.length !== features.length / dims) throw new Error(`xgboost predicted ${lines.length} rows for ${features.length / dims}`);
    return Float64Array.from(lines, Number);
  });
}
