import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { workloadLabels } from "./names";

/**
 * A service account bound to an IRSA role: the EKS pod identity webhook projects a web-identity
 * token into pods that use it, and the AWS SDK exchanges it for the role's credentials.
 */
export function irsaServiceAccount(
  name: string,
  sa: { namespace: pulumi.Input<string>; name: string },
  roleArn: pulumi.Input<string>,
  component: string,
  opts: pulumi.CustomResourceOptions,
): k8s.core.v1.ServiceAccount {
  return new k8s.core.v1.ServiceAccount(
    name,
    {
      metadata: {
        name: sa.name,
        namespace: sa.namespace,
        labels: workloadLabels(sa.name, component),
        annotations: {
          "eks.amazonaws.com/role-arn": roleArn,
          // Regional STS (reached through the VPC endpoint) instead of the global endpoint.
          "eks.amazonaws.com/sts-regional-endpoints": "true",
        },
      },
      // No workload calls the Kubernetes API.
      automountServiceAccountToken: false,
    },
    opts,
  );
}
