import { ENV } from "../config/deploy-contract";
import type { Env } from "../config/env-reader";
import pkg from "../../../package.json";
import { parseResourceAttributes } from "./tracing";

/**
 * The version a process reports in its logs and spans: the image's, when the deployment names it
 * (service.version in OTEL_RESOURCE_ATTRIBUTES), else the package's.
 */
export function appVersion(env: Env = process.env): string {
  return parseResourceAttributes(env[ENV.otelResourceAttributes])["service.version"] ?? pkg.version;
}
