/**
 * Secrets Manager reads (API keys, the Redis AUTH token, the RDS master secret). The client is
 * loaded lazily: local runs never touch AWS. Credentials come from the default chain (IRSA in EKS).
 */
export type SecretReader = (arn: string) => Promise<string>;

export function secretsManagerReader(region?: string): SecretReader {
  let client: Promise<{ send: (cmd: unknown) => Promise<{ SecretString?: string }>; cmd: (arn: string) => unknown }> | undefined;
  return async (arn) => {
    client ??= import("@aws-sdk/client-secrets-manager").then(({ SecretsManagerClient, GetSecretValueCommand }) => {
      const c = new SecretsManagerClient(region ? { region } : {});
      return {
        send: (cmd: unknown) => c.send(cmd as InstanceType<typeof GetSecretValueCommand>),
        cmd: (id: string) => new GetSecretValueCommand({ SecretId: id }),
      };
    });
    const c = await client;
    const out = await c.send(c.cmd(arn));
    if (out.SecretString === undefined) throw new Error(`secret ${arn} has no SecretString (binary secrets are not supported)`);
    return out.SecretString;
  };
}

/** A JSON object's string field, or the whole secret when it is not JSON (plain-text secrets). */
export function secretField(secret: string, ...fields: string[]): string | undefined {
  try {
    const parsed: unknown = JSON.parse(secret);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
      for (const f of fields) {
        const v = (parsed as Record<string, unknown>)[f];
        if (typeof v === "string") return v;
      }
      return undefined;
    }
  } catch {
    // not JSON: a plain-text secret
  }
  return secret;
}
