import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";

/**
 * Names the certificate covers: the configured host if any, and every load balancer name of the
 * region. An ALB's DNS name is `<name>-<id>.<region>.elb.amazonaws.com` (one label before the
 * region), so `*.<region>.elb.amazonaws.com` matches it before the load balancer exists.
 */
export function selfSignedNames(region: string, host: string | undefined): string[] {
  return [...(host ? [host] : []), `*.${region}.elb.amazonaws.com`];
}

/** A year, renewed (replaced) by the `pulumi up` run in its last 30 days. */
export const VALIDITY_HOURS = 365 * 24;
export const EARLY_RENEWAL_HOURS = 30 * 24;

export interface SelfSignedCertificateArgs {
  /** Region of the load balancer: the certificate names `*.<region>.elb.amazonaws.com`. */
  readonly region: pulumi.Input<string>;
  /** The DNS name clients call, when there is one. */
  readonly host?: string;
}

/**
 * A self-signed TLS certificate imported into ACM, for stacks without a real one (dev): the
 * traffic is encrypted and API keys never travel in clear; clients trust `certificatePem`
 * explicitly (`curl --cacert`). The private key lives in the Pulumi state (encrypted) and ACM.
 */
export class SelfSignedCertificate extends pulumi.ComponentResource {
  readonly certificateArn: pulumi.Output<string>;
  /** The certificate (public), for clients to trust. */
  readonly certificatePem: pulumi.Output<string>;

  constructor(name: string, args: SelfSignedCertificateArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fraud-platform:workloads:SelfSignedCertificate", name, {}, opts);
    const parent = { parent: this };
    // RSA 2048: what ALB listeners accept for imported certificates without restriction.
    const key = new tls.PrivateKey(`${name}-key`, { algorithm: "RSA", rsaBits: 2048 }, parent);
    const cert = new tls.SelfSignedCert(
      `${name}-cert`,
      {
        privateKeyPem: key.privateKeyPem,
        subject: { commonName: args.host ?? "fraud-platform-api", organization: "fraud-platform" },
        dnsNames: pulumi.output(args.region).apply((r) => selfSignedNames(r, args.host)),
        validityPeriodHours: VALIDITY_HOURS,
        earlyRenewalHours: EARLY_RENEWAL_HOURS,
        allowedUses: ["key_encipherment", "digital_signature", "server_auth"],
      },
      parent,
    );
    const imported = new aws.acm.Certificate(
      `${name}-acm`,
      { privateKey: key.privateKeyPem, certificateBody: cert.certPem },
      { parent: this },
    );
    this.certificateArn = imported.arn;
    this.certificatePem = cert.certPem;
    this.registerOutputs({ certificateArn: this.certificateArn, certificatePem: this.certificatePem });
  }
}
