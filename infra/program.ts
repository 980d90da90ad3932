import { loadSettings } from "../stacks/settings";
import { stackOutputs, type StackOutputs } from "./outputs";
import { Platform } from "./platform";
import { workloadsArgs } from "./workloads/from-platform";
import { Workloads } from "./workloads/workloads";

/**
 * The whole program, as a function so it can run again in one process (the offline harness runs
 * dev and prod back to back). Settings are validated before the first resource is declared.
 */
export async function program(): Promise<StackOutputs> {
  const settings = loadSettings();
  const platform = new Platform(settings.project, { settings });
  const workloads = new Workloads("workloads", workloadsArgs(platform.exports, settings.workloads));
  return stackOutputs(platform, workloads);
}
