import { createHash, createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { mskIamToken } from "./msk-iam";

const creds = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
  sessionToken: "token/with+chars=",
};
const hmac = (key: Buffer | string, data: string) => createHmac("sha256", key).update(data).digest();
const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

describe("MSK IAM OAUTHBEARER token", () => {
  it("is a base64url SigV4-presigned kafka-cluster:Connect URL that verifies independently", async () => {
    const token = await mskIamToken("eu-west-1", async () => creds, new Date("2024-03-01T12:00:00Z"));
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    const url = new URL(Buffer.from(token, "base64url").toString("utf8"));
    expect(url.origin).toBe("https://kafka.eu-west-1.amazonaws.com");
    const q = url.searchParams;
    expect(q.get("Action")).toBe("kafka-cluster:Connect");
    expect(q.get("X-Amz-Algorithm")).toBe("AWS4-HMAC-SHA256");
    expect(q.get("X-Amz-Credential")).toBe("AKIDEXAMPLE/20240301/eu-west-1/kafka-cluster/aws4_request");
    expect(q.get("X-Amz-Date")).toBe("20240301T120000Z");
    expect(q.get("X-Amz-Expires")).toBe("900");
    expect(q.get("X-Amz-Security-Token")).toBe(creds.sessionToken);
    expect(q.get("X-Amz-SignedHeaders")).toBe("host");
    expect(q.get("User-Agent")).toBe("fraud-platform-worker");

    // Recompute the signature from the SigV4 specification.
    const signedParams = [...q.entries()].filter(([k]) => k !== "X-Amz-Signature" && k !== "User-Agent");
    const canonicalQuery = signedParams
      .map(([k, v]) => [enc(k), enc(v)])
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${k}=${v}`)
      .join("&");
    const payloadHash = createHash("sha256").update("").digest("hex");
    const canonical = ["GET", "/", canonicalQuery, "host:kafka.eu-west-1.amazonaws.com", "", "host", payloadHash].join("\n");
    const scope = "20240301/eu-west-1/kafka-cluster/aws4_request";
    const toSign = ["AWS4-HMAC-SHA256", "20240301T120000Z", scope, createHash("sha256").update(canonical).digest("hex")].join("\n");
    let key = hmac(`AWS4${creds.secretAccessKey}`, "20240301");
    for (const part of ["eu-west-1", "kafka-cluster", "aws4_request"]) key = hmac(key, part);
    expect(q.get("X-Amz-Signature")).toBe(createHmac("sha256", key).update(toSign).digest("hex"));
  });
});
