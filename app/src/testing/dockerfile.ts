/**
 * What an image built from one of our Dockerfiles runs, read from the Dockerfile itself, so that
 * the bundle tests start exactly the image's command lines and cannot drift from them: the
 * bundler invocation of the build stage, and the final stage's ENTRYPOINT, CMD, ENV and WORKDIR.
 * Covers the forms our Dockerfiles use (exec-form ENTRYPOINT/CMD, `ENV K=V ...`), and throws on
 * anything else it would have to guess at.
 */
import { readFileSync } from "node:fs";

export interface ImageSpec {
  /** The build stage's `node app/build.mjs --outdir /app/dist ...` as argv. */
  readonly build: readonly string[];
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  /** The final stage's ENV; values that need a build ARG keep their `${...}` text. */
  readonly env: Readonly<Record<string, string>>;
  readonly workdir: string;
}

/** Instructions one per entry: comments dropped, backslash continuations joined. */
function instructions(text: string): string[] {
  const joined = text
    .split("\n")
    .filter((l) => !/^\s*#/.test(l))
    .join("\n")
    .replace(/\\\n/g, " ");
  return joined
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
}

function execForm(file: string, line: string, rest: string): string[] {
  let argv: unknown;
  try {
    argv = JSON.parse(rest);
  } catch {
    throw new Error(`${file}: ${line}: only the exec form (a JSON array) is understood`);
  }
  if (!Array.isArray(argv) || !argv.every((a) => typeof a === "string")) throw new Error(`${file}: ${line}: expected an array of strings`);
  return argv;
}

export function readDockerfile(file: string): ImageSpec {
  let build: string[] | undefined;
  let entrypoint: string[] = [];
  let cmd: string[] = [];
  let env: Record<string, string> = {};
  let workdir = "/";
  for (const line of instructions(readFileSync(file, "utf8"))) {
    const [, keyword = "", rest = ""] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    switch (keyword.toUpperCase()) {
      case "FROM":
        // a new stage: only the last one's settings are the image's
        entrypoint = [];
        cmd = [];
        env = {};
        workdir = "/";
        break;
      case "RUN":
        if (rest.includes("app/build.mjs")) build = rest.split(/\s+/);
        break;
      case "ENTRYPOINT":
        entrypoint = execForm(file, line, rest);
        // Docker resets CMD when a stage sets ENTRYPOINT after it
        cmd = [];
        break;
      case "CMD":
        cmd = execForm(file, line, rest);
        break;
      case "WORKDIR":
        workdir = rest;
        break;
      case "ENV":
        for (const pair of rest.split(/\s+/)) {
          const eq = pair.indexOf("=");
          if (eq <= 0 || /["']/.test(pair)) throw new Error(`${file}: ${line}: only unquoted ENV KEY=VALUE pairs are understood`);
          env[pair.slice(0, eq)] = pair.slice(eq + 1);
        }
        break;
    }
  }
  if (!build) throw new Error(`${file}: no RUN line invokes app/build.mjs`);
  return { build, entrypoint, cmd, env, workdir };
}
