/**
 * Interactive API docs at /docs: Swagger UI rendering the OpenAPI document generated from the
 * routes' schemas, its assets served from the npm package (no CDN: clusters and laptops may have
 * no internet). Once bundled (app/build.mjs), the assets sit in swagger-ui/ beside the bundle.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { FastifyInstance } from "fastify";
import swaggerUi from "@fastify/swagger-ui";

/** Only the page's own assets and calls to this API; Swagger UI sets inline styles. */
export const DOCS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; " +
  "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export async function registerDocs(app: FastifyInstance): Promise<void> {
  const bundled = join(__dirname, "swagger-ui");
  const assets = existsSync(bundled) ? bundled : join(dirname(require.resolve("@fastify/swagger-ui/package.json")), "static");
  await app.register(swaggerUi, {
    routePrefix: "/docs",
    baseDir: assets,
    staticCSP: DOCS_CSP,
    // the default validator badge calls validator.swagger.io
    uiConfig: { validatorUrl: null, tryItOutEnabled: true, persistAuthorization: false },
    theme: { title: "Fraud scoring API" },
    // given, or read from the package's own directory, which a bundle does not have
    logo: { type: "image/svg+xml", content: readFileSync(join(assets, "logo.svg")) },
  });
}
