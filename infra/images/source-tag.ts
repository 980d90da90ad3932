import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

/** Never part of an image's build context (.dockerignore leaves them out too). */
const IGNORED = new Set(["node_modules", "dist", "coverage", "reports", "registry", "data", ".pulumi"]);

function files(root: string, rel: string): string[] {
  const full = path.join(root, rel);
  if (!fs.statSync(full).isDirectory()) return [rel];
  return fs
    .readdirSync(full)
    .filter((n) => !IGNORED.has(n))
    .sort()
    .flatMap((n) => files(root, path.posix.join(rel, n)));
}

/**
 * An image tag derived from what goes into the build: the Dockerfile, the sources it copies and
 * the build arguments. ECR tags are immutable here, so a tag must name one content: the same
 * sources give the same tag (no rebuild, no push), any change gives a new one.
 */
export function sourceTag(root: string, sources: readonly string[], extra: Readonly<Record<string, string>> = {}): string {
  const h = createHash("sha256");
  for (const rel of [...sources].sort().flatMap((s) => files(root, s))) {
    h.update(`${rel}\0`);
    h.update(fs.readFileSync(path.join(root, rel)));
    h.update("\0");
  }
  h.update(JSON.stringify(Object.entries(extra).sort()));
  return `src-${h.digest("hex").slice(0, 16)}`;
}
