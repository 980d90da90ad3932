import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface ImageRegistryArgs {
  /** Repository names without prefix (`api`, `trainer`). */
  readonly repositories: readonly string[];
  /** `fraud-platform-prod` gives `fraud-platform-prod/api`. */
  readonly namePrefix: string;
  /** Encrypts the stored objects (SSE-KMS). */
  readonly kmsKeyArn: pulumi.Input<string>;
  /** Untagged images older than this are deleted. Default: 14. */
  readonly untaggedExpiryDays?: number;
}

/** ECR repositories: immutable tags (a tag always names one image), scan on push, KMS-encrypted. */
export class ImageRegistry extends pulumi.ComponentResource {
  /** Repository URL by short name. */
  readonly urls: Record<string, pulumi.Output<string>>;
  readonly arns: Record<string, pulumi.Output<string>>;

  constructor(name: string, args: ImageRegistryArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fraud-platform:storage:ImageRegistry", name, {}, opts);
    this.urls = {};
    this.arns = {};
    for (const repo of args.repositories) {
      const r = new aws.ecr.Repository(
        `${name}-${repo}`,
        {
          name: `${args.namePrefix}/${repo}`,
          imageTagMutability: "IMMUTABLE",
          imageScanningConfiguration: { scanOnPush: true },
          encryptionConfigurations: [{ encryptionType: "KMS", kmsKey: args.kmsKeyArn }],
          forceDelete: false,
        },
        { parent: this },
      );
      new aws.ecr.LifecyclePolicy(
        `${name}-${repo}`,
        {
          repository: r.name,
          policy: JSON.stringify({
            rules: [
              {
                rulePriority: 1,
                description: "expire untagged images",
                selection: {
                  tagStatus: "untagged",
                  countType: "sinceImagePushed",
                  countUnit: "days",
                  countNumber: args.untaggedExpiryDays ?? 14,
                },
                action: { type: "expire" },
              },
            ],
          }),
        },
        { parent: this },
      );
      this.urls[repo] = r.repositoryUrl;
      this.arns[repo] = r.arn;
    }
    this.registerOutputs({ urls: this.urls });
  }
}
