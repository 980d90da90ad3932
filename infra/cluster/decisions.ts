/** Pure decisions for the EKS cluster. */

/** Every control-plane log type: audit and authenticator logs are what an incident review needs. */
export const CONTROL_PLANE_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"] as const;

/** AWS managed policies of the node role (CNI permissions stay on the node: the VPC CNI add-on is EKS's default). */
export const NODE_ROLE_POLICIES = [
  "AmazonEKSWorkerNodePolicy",
  "AmazonEC2ContainerRegistryReadOnly",
  "AmazonEKS_CNI_Policy",
  "AmazonSSMManagedInstanceCore",
] as const;

/** The AL2023 EKS-optimized AMI family for a CPU architecture. */
export function amiType(architecture: "x86_64" | "arm64"): "AL2023_x86_64_STANDARD" | "AL2023_ARM_64_STANDARD" {
  return architecture === "arm64" ? "AL2023_ARM_64_STANDARD" : "AL2023_x86_64_STANDARD";
}

/**
 * API endpoint access. The private endpoint is always on (nodes and in-VPC CI talk to it);
 * the public one only with an explicit CIDR allow-list, never 0.0.0.0/0.
 */
export function endpointAccess(
  publicAccess: boolean,
  cidrs: readonly string[],
): { endpointPrivateAccess: true; endpointPublicAccess: boolean; publicAccessCidrs?: string[] } {
  if (!publicAccess) return { endpointPrivateAccess: true, endpointPublicAccess: false };
  if (cidrs.length === 0) throw new Error("a public EKS endpoint needs at least one allowed CIDR");
  if (cidrs.some((c) => c.endsWith("/0")))
    throw new Error(`a public EKS endpoint may not be open to ${cidrs.find((c) => c.endsWith("/0"))}`);
  return { endpointPrivateAccess: true, endpointPublicAccess: true, publicAccessCidrs: [...cidrs] };
}
