import { loadSettings } from "../stacks/settings";
import { stackOutputs, type StackOutputs } from "./outputs";
import { Platform } from "./platform";

/**
 * The whole program, as a function so it can run again in one process (the offline harness runs
 * dev and prod back to back). Settings are validated before the first resource is declared.
 */
export async function program(): Promise<StackOutputs> {
  const settings = loadSettings();
  const platform = new Platform(settings.project, { settings });
  // ── issue 3 (Kubernetes workloads) adds here: `const workloads = new Workloads(...)` built from
  //    `platform.exports` and `settings.workloads`, and passes it to stackOutputs for `apiUrl`. ──
  return stackOutputs(platform);
}
