/**
 * An Ingress serves HTTPS: a TLS section, or on the AWS Load Balancer Controller a certificate and
 * an HTTPS listener; a plain HTTP listener only to redirect to HTTPS.
 * @severity high · @topics encryption, data-in-transit · @frameworks PCI DSS 4.1
 */
import type { ResourceRule } from "../../lib/policy";
import { isSet, isUnknown, list, obj, peek } from "../../lib/values";

const A = "alb.ingress.kubernetes.io";

function isAlb(spec: Record<string, unknown>, annotations: Record<string, unknown>): boolean {
  return peek(spec, "ingressClassName") === "alb" || peek(annotations, "kubernetes.io/ingress.class") === "alb";
}

/** The ALB's listeners: the listen-ports annotation, or the controller's default (HTTPS:443 with a certificate, else HTTP:80). */
function listeners(annotations: Record<string, unknown>, hasCertificate: boolean): string[] | undefined {
  const raw = peek(annotations, `${A}/listen-ports`);
  if (isUnknown(raw)) return undefined;
  if (typeof raw !== "string") return [hasCertificate ? "HTTPS" : "HTTP"];
  try {
    return list<Record<string, unknown>>(JSON.parse(raw)).flatMap((entry) => Object.keys(entry));
  } catch {
    return [];
  }
}

export const k8sIngressTls: ResourceRule = {
  name: "kubernetes-ingress-tls",
  description: "Ingresses serve HTTPS (a TLS section, or an ALB certificate and HTTPS listener); plain HTTP only redirects.",
  remediation: `give the Ingress spec.tls, or on ALB the ${A}/certificate-arn annotation with listen-ports [{"HTTPS":443}] (plus ${A}/ssl-redirect if port 80 stays).`,
  severity: "high",
  types: ["kubernetes:networking.k8s.io/v1:Ingress"],
  check: (p) => {
    const spec = obj(p.spec);
    const annotations = obj(obj(p.metadata).annotations);
    const tlsSection = list(peek(spec, "tls")).length > 0 || isUnknown(peek(spec, "tls"));
    if (!isAlb(spec, annotations)) return tlsSection ? [] : ["no spec.tls: the Ingress serves plain HTTP."];
    const hasCertificate = isSet(annotations, `${A}/certificate-arn`) || tlsSection;
    const ports = listeners(annotations, hasCertificate);
    if (ports === undefined) return [];
    const problems: string[] = [];
    if (!ports.includes("HTTPS")) problems.push("the load balancer has no HTTPS listener.");
    else if (!hasCertificate) problems.push(`an HTTPS listener without ${A}/certificate-arn or spec.tls.`);
    if (ports.includes("HTTP") && !isSet(annotations, `${A}/ssl-redirect`))
      problems.push("a plain HTTP listener that does not redirect to HTTPS.");
    return problems;
  },
};
