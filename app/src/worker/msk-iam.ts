/**
 * MSK IAM authentication over SASL/OAUTHBEARER: the token is a SigV4-presigned URL for the
 * `kafka-cluster:Connect` action, base64url-encoded (the scheme aws-msk-iam-sasl-signer-js
 * implements). Signed here with @smithy/signature-v4 and the default credential chain (IRSA in
 * EKS): the signer package pins old SDK majors and adds an STS client we do not need.
 */
import { createHash, createHmac } from "node:crypto";
import { SignatureV4 } from "@smithy/signature-v4";

const SERVICE = "kafka-cluster";
const ACTION = "kafka-cluster:Connect";
/** MSK accepts tokens valid up to 15 minutes; the client asks for a new one on every (re)connect. */
const EXPIRY_SECONDS = 900;
const USER_AGENT = "fraud-platform-worker";

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}
export type CredentialProvider = () => Promise<AwsCredentials>;

/** node:crypto behind the Checksum interface the signer expects (no @aws-crypto dependency). */
class NodeSha256 {
  private readonly hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash("sha256") : createHmac("sha256", toBuffer(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(toBuffer(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    throw new Error("not supported");
  }
}

function toBuffer(data: string | ArrayBuffer | ArrayBufferView): Buffer {
  if (typeof data === "string") return Buffer.from(data, "utf8");
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

/** The OAUTHBEARER token for a cluster in `region`. `now` is for tests. */
export async function mskIamToken(region: string, credentials: CredentialProvider, now: Date = new Date()): Promise<string> {
  const signer = new SignatureV4({ service: SERVICE, region, credentials, sha256: NodeSha256, applyChecksum: false });
  const hostname = `kafka.${region}.amazonaws.com`;
  const signed = await signer.presign(
    { method: "GET", protocol: "https:", hostname, path: "/", query: { Action: ACTION }, headers: { host: hostname } },
    { expiresIn: EXPIRY_SECONDS, signingDate: now },
  );
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(signed.query ?? {})) {
    for (const value of Array.isArray(v) ? v : [v]) if (value !== null && value !== undefined) query.append(k, value);
  }
  query.append("User-Agent", USER_AGENT);
  // URLSearchParams writes spaces as '+'; SigV4 canonical form needs %20 (none occur here, but be exact).
  const url = `https://${hostname}/?${query.toString().replace(/\+/g, "%20")}`;
  return Buffer.from(url, "utf8").toString("base64url");
}

/** The default AWS credential chain, loaded lazily (local runs without IAM never load it). */
export async function defaultCredentials(): Promise<CredentialProvider> {
  const { defaultProvider } = await import("@aws-sdk/credential-provider-node");
  return defaultProvider();
}
