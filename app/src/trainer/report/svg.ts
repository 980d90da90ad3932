/**
 * Renders a Vega-Lite specification to an SVG document, in process: Vega's headless view
 * (renderer "none") draws the scenegraph to SVG markup with no browser, canvas or network.
 */
import type { TopLevelSpec } from "vega-lite";

/**
 * Vega and Vega-Lite ship as ES modules only, and vega-canvas awaits an optional `canvas` import at
 * its top level, which `require` cannot load: they come in through `import()`, once.
 */
let libraries: Promise<[typeof import("vega"), typeof import("vega-lite")]> | undefined;

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const [vega, vegaLite] = await (libraries ??= Promise.all([import("vega"), import("vega-lite")]));
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
