import { createLogger } from "../serving/log";
import { appVersion } from "../telemetry/version";

/** Plain lines on a terminal; JSON lines with the service and version in a pod, as the API's. */
// through process.stderr, as the plain lines: one stream, in order
const jsonLog = createLogger("info", { service: "fraud-trainer", version: appVersion(), write: (l) => void process.stderr.write(l) });
export const log = (msg: string): void => (process.stderr.isTTY ? void process.stderr.write(`${msg}\n`) : jsonLog.info(msg));
