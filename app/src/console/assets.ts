/**
 * The console's script and stylesheet. In the image they are files beside the API's bundle
 * (dist/console, written by app/build.mjs); from a source checkout (`npm start`, tests) they are
 * bundled in memory with esbuild on the first request for one, so a plain start pays nothing.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { consoleBuildOptions } from "./web-build";

export interface Asset {
  readonly body: Buffer;
  readonly type: string;
  /** Strong ETag: the content's hash. */
  readonly etag: string;
}

const TYPES: Record<string, string> = { ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8" };
export const ASSET_NAMES = ["app.js", "app.css"] as const;

function asset(name: string, body: Buffer): Asset {
  return {
    body,
    type: TYPES[name.slice(name.lastIndexOf("."))],
    etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`,
  };
}

async function buildInMemory(): Promise<Map<string, Asset>> {
  const esbuild = await import("esbuild");
  const out = "/console-assets";
  const result = await esbuild.build({ ...consoleBuildOptions(__dirname, out), write: false });
  return new Map(
    result.outputFiles.map((f) => [f.path.slice(out.length + 1), asset(f.path.slice(out.length + 1), Buffer.from(f.contents))]),
  );
}

/** Loads (or builds) the assets once, on first use. */
export class ConsoleAssets {
  private loading: Promise<Map<string, Asset>> | undefined;

  /** `dir`: where built files are looked for first (default: `console/` beside this module, i.e. the bundle). */
  constructor(private readonly dir = join(__dirname, "console")) {}

  get(name: string): Promise<Asset | undefined> {
    this.loading ??= existsSync(join(this.dir, "app.js"))
      ? Promise.resolve(new Map(ASSET_NAMES.map((n) => [n, asset(n, readFileSync(join(this.dir, n)))])))
      : buildInMemory();
    return this.loading.then((m) => m.get(name));
  }
}
