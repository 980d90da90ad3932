import { describe, it } from "vitest";
import { albIngress } from "../../test/fixtures/kubernetes";
import { mutate } from "../../test/fixtures/mutate";
import { expectClean, expectOnly } from "../../test/expect";
import { UNKNOWN } from "../../lib/values";
import type { EngineResource } from "../../test/analyzer";

const CERT = "arn:aws:acm:eu-west-1:123456789012:certificate/abc";
/** The fixture with its ALB annotations replaced (keys without the `alb.ingress.kubernetes.io/` prefix). */
const withAnnotations = (a: Record<string, unknown>): EngineResource =>
  mutate(
    albIngress(),
    "metadata.annotations",
    Object.fromEntries(Object.entries(a).map(([k, v]) => [`alb.ingress.kubernetes.io/${k}`, v])),
  );

describe("kubernetes ingress rules", () => {
  it("pass an HTTPS-only ALB ingress, one whose port 80 redirects, and a non-ALB ingress with spec.tls", async () => {
    await expectClean(albIngress());
    await expectClean(withAnnotations({ "listen-ports": '[{"HTTP":80},{"HTTPS":443}]', "ssl-redirect": "443", "certificate-arn": CERT }));
    // With a certificate and no listen-ports, the controller listens on HTTPS:443.
    await expectClean(withAnnotations({ "certificate-arn": CERT }));
    await expectClean(withAnnotations({ "listen-ports": '[{"HTTPS":443}]', "certificate-arn": UNKNOWN }));
    await expectClean(
      mutate(mutate(albIngress(), "spec.ingressClassName", "nginx"), "spec.tls", [{ hosts: ["fraud.example.com"], secretName: "tls" }]),
    );
  });

  it.each([
    ["plain HTTP only", withAnnotations({ "listen-ports": '[{"HTTP":80}]', "certificate-arn": CERT }), /no HTTPS listener/],
    ["no annotation at all (the controller then listens on HTTP:80)", withAnnotations({}), /no HTTPS listener/],
    ["HTTPS without a certificate", withAnnotations({ "listen-ports": '[{"HTTPS":443}]' }), /without .*certificate-arn/],
    [
      "HTTP beside HTTPS without a redirect",
      withAnnotations({ "listen-ports": '[{"HTTP":80},{"HTTPS":443}]', "certificate-arn": CERT }),
      /does not redirect/,
    ],
    ["a non-ALB ingress without spec.tls", mutate(albIngress(), "spec.ingressClassName", "nginx"), /no spec.tls/],
  ])("kubernetes-ingress-tls catches %s", (_, r, message) => expectOnly(r, "kubernetes-ingress-tls", message));
});
