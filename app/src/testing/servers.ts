/**
 * Throwaway Redis and PostgreSQL servers for the fault suite: started from the Debian binaries on
 * free ports in temp dirs, so the suite can kill, hang (SIGSTOP) and restart them without touching
 * the shared test servers. PostgreSQL refuses to run as root: as root, initdb and the server run
 * as the `postgres` user the Debian package creates (runuser), in a dir that user owns.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await ok()) return;
    if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function signal(pids: readonly number[], sig: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  }
}

/** A redis-server with an append-only file synced on every write: a SIGKILL loses nothing it acknowledged. */
export class RedisServer {
  private child: ChildProcess | undefined;
  private readonly dir = mkdtempSync(join(tmpdir(), "fraud-faults-redis-"));

  private constructor(readonly port: number) {}

  static async start(): Promise<RedisServer> {
    const s = new RedisServer(await freePort());
    await s.start();
    return s;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn(
      "redis-server",
      [
        "--port",
        String(this.port),
        "--bind",
        "127.0.0.1",
        "--dir",
        this.dir,
        "--save",
        "",
        "--appendonly",
        "yes",
        "--appendfsync",
        "always",
      ],
      { stdio: "ignore" },
    );
    this.child = child;
    await until("redis-server answering", () => this.ping(), 10_000);
  }

  private ping(): boolean {
    try {
      return (
        execFileSync("redis-cli", ["-p", String(this.port), "ping"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim() ===
        "PONG"
      );
    } catch {
      return false;
    }
  }

  /** SIGKILL, and wait for the process to be gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await exited;
  }

  /** Its data gone, as after a failover to a node that had none. */
  wipe(): void {
    for (const f of readdirSync(this.dir)) rmSync(join(this.dir, f), { recursive: true, force: true });
  }

  hang(): void {
    if (this.child?.pid) signal([this.child.pid], "SIGSTOP");
  }

  resume(): void {
    if (this.child?.pid) signal([this.child.pid], "SIGCONT");
  }

  async stop(): Promise<void> {
    this.resume();
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Whether the PostgreSQL server binaries are installed (Debian layout). */
export function postgresInstalled(): boolean {
  try {
    postgresBin();
    return true;
  } catch {
    return false;
  }
}

/** The newest installed PostgreSQL's bin dir (Debian: /usr/lib/postgresql/<major>/bin). */
function postgresBin(): string {
  const root = "/usr/lib/postgresql";
  const majors = existsSync(root)
    ? readdirSync(root)
        .filter((d) => /^\d+$/.test(d))
        .sort((a, b) => Number(a) - Number(b))
    : [];
  if (majors.length === 0) throw new Error(`no PostgreSQL under ${root} (apt-get install postgresql)`);
  return join(root, majors[majors.length - 1], "bin");
}

/** A PostgreSQL cluster in a temp dir, trust auth on 127.0.0.1, fsync off (throwaway data). */
export class PostgresServer {
  private readonly bin = postgresBin();
  private readonly root = mkdtempSync(join(tmpdir(), "fraud-faults-pg-"));
  private readonly data = join(this.root, "data");
  private readonly asRoot = userInfo().uid === 0;

  private constructor(readonly port: number) {}

  /** `passwordUsers`: roles that must log in with a password (scram-sha-256); the rest are trusted. */
  static async start(opts: { passwordUsers?: readonly string[] } = {}): Promise<PostgresServer> {
    const s = new PostgresServer(await freePort());
    if (s.asRoot) {
      const { uid, gid } = idsOf("postgres");
      chownSync(s.root, uid, gid);
    }
    s.run("initdb", ["-D", s.data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"]);
    if (opts.passwordUsers?.length) {
      // the first matching line applies: these before initdb's trust lines
      const hba = join(s.data, "pg_hba.conf");
      const lines = opts.passwordUsers.map((u) => `host all ${u} 127.0.0.1/32 scram-sha-256\n`).join("");
      writeFileSync(hba, lines + readFileSync(hba, "utf8"));
    }
    await s.start();
    return s;
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  private run(tool: string, args: string[]): void {
    const [cmd, argv] = this.asRoot ? ["runuser", ["-u", "postgres", "--", join(this.bin, tool), ...args]] : [join(this.bin, tool), args];
    execFileSync(cmd, argv, { stdio: ["ignore", "ignore", "pipe"], cwd: this.root });
  }

  async start(): Promise<void> {
    const opts = `-p ${this.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${this.root} -c fsync=off -c max_connections=50`;
    this.run("pg_ctl", ["start", "-D", this.data, "-w", "-t", "30", "-l", join(this.root, "log"), "-o", opts]);
  }

  /** Immediate shutdown: the server processes quit at once without a checkpoint, as in a crash. */
  kill(): void {
    this.run("pg_ctl", ["stop", "-D", this.data, "-m", "immediate", "-w"]);
  }

  /** The postmaster and its backends, stopped or resumed together. */
  hang(): void {
    signal(this.pids(), "SIGSTOP");
  }

  resume(): void {
    signal(this.pids(), "SIGCONT");
  }

  private pids(): number[] {
    const pidFile = join(this.data, "postmaster.pid");
    if (!existsSync(pidFile)) return [];
    const postmaster = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
    const children = execFileSync("ps", ["-o", "pid=", "--ppid", String(postmaster)], { encoding: "utf8" })
      .split("\n")
      .map((l) => Number(l.trim()))
      .filter((p) => p > 0);
    return [postmaster, ...children];
  }

  async stop(): Promise<void> {
    this.resume();
    try {
      this.kill();
    } catch {
      // not running
    }
    rmSync(this.root, { recursive: true, force: true });
  }
}

function idsOf(user: string): { uid: number; gid: number } {
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${user}:`));
  if (!line) throw new Error(`running as root, PostgreSQL needs the "${user}" user (the postgresql package creates it)`);
  const [, , uid, gid] = line.split(":");
  return { uid: Number(uid), gid: Number(gid) };
}
