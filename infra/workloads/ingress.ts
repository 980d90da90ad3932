import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { HTTP_PATHS } from "../../app/src/config/deploy-contract";
import type { IngressOptions } from "./options";
import { DEREGISTRATION_DELAY_SECONDS, PORT_NAMES } from "./api";
import { WORKLOAD_NAMES, workloadLabels } from "./names";

/** TLS 1.3 and 1.2 with forward-secret ciphers only. */
export const SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

const A = "alb.ingress.kubernetes.io";

/** ALB action that answers 404 itself: Prometheus scrapes inside the cluster, the internet never does. */
export const BLOCK_METRICS_ACTION = "block-metrics";

/**
 * ALB annotations: one HTTPS listener on 443 and no plain-HTTP listener at all. A redirect from 80
 * would answer only after the client had sent its request, API key included, in clear; with no
 * listener the connection is refused before anything is sent.
 * @param certificateArn the stack's ACM certificate (configured, or the self-signed one imported)
 */
export function albAnnotations(s: IngressOptions, certificateArn: string): Record<string, string> {
  return {
    [`${A}/scheme`]: s.scheme,
    // Pod IPs as targets: no NodePort hop, and the controller's readiness gate ties rollouts to target health.
    [`${A}/target-type`]: "ip",
    [`${A}/inbound-cidrs`]: s.allowedCidrs.join(","),
    [`${A}/healthcheck-path`]: HTTP_PATHS.servingReadiness,
    [`${A}/healthcheck-port`]: "traffic-port",
    [`${A}/success-codes`]: "200",
    // shorter than the pods' preStop sleep: the target is gone before the app is signalled (api.ts)
    [`${A}/target-group-attributes`]: `deregistration_delay.timeout_seconds=${DEREGISTRATION_DELAY_SECONDS}`,
    [`${A}/actions.${BLOCK_METRICS_ACTION}`]: JSON.stringify({
      type: "fixed-response",
      fixedResponseConfig: { contentType: "text/plain", statusCode: "404", messageBody: "not found" },
    }),
    [`${A}/load-balancer-attributes`]: [
      "routing.http.drop_invalid_header_fields.enabled=true",
      `deletion_protection.enabled=${s.deletionProtection}`,
    ].join(","),
    [`${A}/listen-ports`]: JSON.stringify([{ HTTPS: 443 }]),
    [`${A}/certificate-arn`]: certificateArn,
    [`${A}/ssl-policy`]: SSL_POLICY,
  };
}

/** The URL users call: the configured host if any, else the load balancer's DNS name. */
export function apiUrl(s: IngressOptions, loadBalancerHostname: string | undefined): string | undefined {
  const host = s.host ?? loadBalancerHostname;
  if (!host) return undefined;
  return `https://${host}`;
}

export interface ApiIngressArgs {
  /** Namespace of the API and its Ingress. */
  readonly namespace: pulumi.Input<string>;
  /** The API's Service, the load balancer's target. */
  readonly serviceName: pulumi.Input<string>;
  /** Scheme, client CIDRs, host, deletion protection (defaults in `IngressOptions`). */
  readonly options: IngressOptions;
  /** The certificate the listener serves: the configured ARN or the self-signed one's. */
  readonly certificateArn: pulumi.Input<string>;
  /** The load balancer controller: its webhook validates Ingresses of class `alb`. */
  readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** The public entry of the API: an Ingress of class `alb`, reconciled into an ALB by the controller. */
export class ApiIngress extends pulumi.ComponentResource {
  readonly ingress: k8s.networking.v1.Ingress;
  /** `https://...`; undefined until the ALB exists. */
  readonly url: pulumi.Output<string | undefined>;

  constructor(name: string, args: ApiIngressArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fraud-platform:workloads:ApiIngress", name, {}, opts);
    this.ingress = new k8s.networking.v1.Ingress(
      `${name}-ingress`,
      {
        metadata: {
          name: WORKLOAD_NAMES.api,
          namespace: args.namespace,
          labels: workloadLabels(WORKLOAD_NAMES.api, "api"),
          annotations: pulumi.output(args.certificateArn).apply((arn) => albAnnotations(args.options, arn)),
        },
        spec: {
          ingressClassName: "alb",
          rules: [
            {
              host: args.options.host,
              http: {
                paths: [
                  // The app also answers /metrics on its main port; the load balancer never forwards it.
                  {
                    path: HTTP_PATHS.metrics,
                    pathType: "Prefix",
                    backend: { service: { name: BLOCK_METRICS_ACTION, port: { name: "use-annotation" } } },
                  },
                  { path: "/", pathType: "Prefix", backend: { service: { name: args.serviceName, port: { name: PORT_NAMES.http } } } },
                ],
              },
            },
          ],
        },
      },
      { parent: this, dependsOn: args.dependsOn },
    );
    this.url = this.ingress.status.apply((st) => apiUrl(args.options, st?.loadBalancer?.ingress?.[0]?.hostname));
    this.registerOutputs({ url: this.url });
  }
}
