/**
 * Images are pinned: a digest, or a tag other than `latest`.
 * @severity medium · @topics supply-chain, reproducibility
 */
import { eachContainer, WORKLOAD_TYPES } from "../../lib/kubernetes";
import type { ResourceRule } from "../../lib/policy";
import { isUnknown, peek } from "../../lib/values";

/** The tag of an image reference, undefined when there is none; a registry port is not a tag. */
export function imageTag(image: string): string | undefined {
  const lastSegment = image.slice(image.lastIndexOf("/") + 1);
  const colon = lastSegment.indexOf(":");
  return colon >= 0 ? lastSegment.slice(colon + 1) : undefined;
}

/** Why the reference is not pinned, or undefined when it is. */
export function unpinnedReason(image: string): string | undefined {
  const at = image.indexOf("@");
  if (at >= 0) return /^sha256:[0-9a-f]{64}$/.test(image.slice(at + 1)) ? undefined : "has a malformed digest";
  const tag = imageTag(image);
  if (tag === undefined || tag === "") return "has no tag (means latest)";
  if (tag === "latest") return "uses the latest tag";
  return undefined;
}

export const k8sImagePinned: ResourceRule = {
  name: "kubernetes-image-pinned",
  description: "Every container image is pinned by a digest or a tag other than latest.",
  remediation: "reference the image by the immutable tag CI pushed (the commit SHA) or by @sha256 digest.",
  severity: "medium",
  types: WORKLOAD_TYPES,
  check: (p, args) =>
    eachContainer(args.type, p, ({ container, label }) => {
      const image = peek(container, "image");
      // An image built from outputs (ECR URL + tag) is unknown in preview: judged at `pulumi up`.
      if (isUnknown(image)) return undefined;
      if (typeof image !== "string" || image === "") return `${label} has no image.`;
      const why = unpinnedReason(image);
      return why ? `${label} image ${image} ${why}.` : undefined;
    }),
};
