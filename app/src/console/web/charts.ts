/**
 * Chart.js, with only the parts the console draws (bars), registered once. It draws on a canvas
 * and sets sizes through the DOM, never through inline style attributes or injected <style>, so
 * it runs under the console's Content-Security-Policy.
 */
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip, type ChartConfiguration } from "chart.js";
import { useEffect, useRef } from "preact/hooks";
import { html } from "./ui";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

export const COLORS = { approve: "#4c9a6a", review: "#d9a21b", decline: "#c0392b", fraud: "#c0392b", legit: "#4c9a6a", bar: "#3b6fb6" };

/** A canvas holding one chart, rebuilt when `config` changes. */
export function ChartCanvas(props: { config: ChartConfiguration<"bar">; label: string; size?: "tall" | "short"; id?: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!ref.current) return undefined;
    const chart = new Chart(ref.current, {
      ...props.config,
      options: { animation: false, maintainAspectRatio: false, ...props.config.options },
    });
    return () => chart.destroy();
  }, [props.config]);
  return html`<div class=${`chart ${props.size ?? "tall"}`}>
    <canvas ref=${ref} id=${props.id} role="img" aria-label=${props.label}></canvas>
  </div>`;
}
