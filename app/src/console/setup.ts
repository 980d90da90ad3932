/**
 * The console's users and session key, from the configuration: CONSOLE_USERS (JSON) locally, a
 * Secrets Manager secret in AWS (re-read every 5 minutes: a user added, removed or re-roled takes
 * effect without a restart), else, on a local run with neither, a generated analyst login printed
 * once in the log, as the generated API key is.
 */
import { randomBytes } from "node:crypto";
import { ENV } from "../config/deploy-contract";
import type { SecretReader } from "../config/secrets";
import { errorMessage, type Logger } from "../serving/log";
import { SessionSigner } from "./session";
import { ConsoleUsers, hashPassword, parseUsers } from "./users";

export interface ConsoleAccess {
  readonly users: ConsoleUsers;
  readonly signer: SessionSigner;
  readonly timer?: NodeJS.Timeout;
}

export const LOCAL_ANALYST = "analyst";

export async function consoleAccess(
  cfg: { readonly consoleUsers?: string; readonly consoleUsersSecretArn?: string },
  readSecret: () => SecretReader,
  log: Logger,
  refreshMs = 5 * 60_000,
): Promise<ConsoleAccess> {
  if (cfg.consoleUsersSecretArn) {
    const arn = cfg.consoleUsersSecretArn;
    const read = readSecret();
    const first = await parseUsers(await read(arn));
    if (!first.sessionKey) log.warn("console users secret has no sessionKey: sessions are valid on this replica only");
    const users = new ConsoleUsers(first.users);
    log.info("console users loaded from Secrets Manager", { count: users.size });
    const timer = setInterval(() => {
      read(arn)
        .then(parseUsers)
        .then(
          (u) => users.replace(u.users),
          (err: unknown) => log.warn("console users refresh failed; keeping the current users", { error: errorMessage(err) }),
        );
    }, refreshMs);
    timer.unref();
    return { users, signer: new SessionSigner(first.sessionKey), timer };
  }
  if (cfg.consoleUsers) {
    const parsed = await parseUsers(cfg.consoleUsers);
    return { users: new ConsoleUsers(parsed.users), signer: new SessionSigner(parsed.sessionKey) };
  }
  // Local convenience only, as the generated API key: a fresh `npm start` opens the console.
  const password = randomBytes(12).toString("base64url");
  log.warn(`no ${ENV.consoleUsers} or ${ENV.consoleUsersSecretArn}: generated a console login for this run`, {
    consoleUser: LOCAL_ANALYST,
    consolePassword: password,
  });
  return {
    users: new ConsoleUsers([{ name: LOCAL_ANALYST, role: "analyst", passwordHash: await hashPassword(password) }]),
    signer: new SessionSigner(),
  };
}
