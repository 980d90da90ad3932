/** The CLI's challenger command and how a challenger is shown (promote and rollback are main.ts's). */
import { openRegistry } from "../registry/open";
import { challenger, type Challenger } from "../registry/registry";
import { num, registryUri, str, UsageError, type Values } from "./cli-flags";

export async function challengerCommand(v: Values): Promise<void> {
  const registry = openRegistry(registryUri(v));
  if (v.clear) {
    if (v.model !== undefined || v.mode !== undefined) throw new UsageError("--clear takes no --model or --mode");
    await registry.setChallenger(null, str(v, "reason") ?? "cleared by hand (trainer challenger --clear)");
    process.stdout.write("challenger: none\n");
    return;
  }
  const c = challenger(str(v, "model", true)!, str(v, "mode", true)!, v.share === undefined ? undefined : num(v, "share"));
  const m = await registry.setChallenger(c, str(v, "reason") ?? `set by hand (trainer challenger --mode ${c.mode})`);
  process.stdout.write(`${describeChallenger(m.challenger)} (production: ${m.production ?? "none"})\n`);
}

export function describeChallenger(c: Challenger | undefined): string {
  if (!c) return "challenger: none";
  return `challenger: ${c.version} (${c.mode === "ab" ? `ab, answers for ${+(c.share * 100).toFixed(4)}% of cards` : "shadow"})`;
}
