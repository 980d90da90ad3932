/**
 * How the console's browser code is bundled: one script and one stylesheet, everything (Preact,
 * htm, Chart.js) inside, nothing from a CDN. Shared by app/build.mjs (the image: files in
 * dist/console) and assets.ts (a source checkout: built in memory on first request). Imported by
 * build.mjs through Node's type stripping: plain TypeScript, no imports of the app.
 */
export const CONSOLE_ENTRY = "web/main.ts";

export function consoleBuildOptions(consoleDir: string, outdir: string) {
  return {
    entryPoints: { app: `${consoleDir}/${CONSOLE_ENTRY}` },
    outdir,
    bundle: true,
    format: "iife" as const,
    platform: "browser" as const,
    target: ["es2022"],
    minify: true,
    legalComments: "none" as const,
    logLevel: "warning" as const,
  };
}
