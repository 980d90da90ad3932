import * as path from "node:path";
import * as aws from "@pulumi/aws";
import * as dockerBuild from "@pulumi/docker-build";
import * as pulumi from "@pulumi/pulumi";
import { sourceTag } from "./source-tag";

/** The images' Dockerfiles, relative to the repository root (their build context). */
export const DOCKERFILES = { api: "app/Dockerfile.api", trainer: "app/Dockerfile.trainer" } as const;

/** What the Dockerfiles copy from the repository root. */
export const BUILD_SOURCES = ["package.json", "package-lock.json", "tsconfig.json", "app"] as const;

export interface ImageSpec {
  /** ECR repository URL (`<account>.dkr.ecr.<region>.amazonaws.com/<name>`) the image is pushed to. */
  readonly repositoryUrl: pulumi.Input<string>;
  /** Dockerfile path relative to `contextDir`. */
  readonly dockerfile: string;
  readonly buildArgs?: Readonly<Record<string, string>>;
}

export interface AppImagesArgs {
  /** The build context: the repository root. */
  readonly contextDir: string;
  readonly images: { readonly api: ImageSpec; readonly trainer: ImageSpec };
  /** Tag pushed with each image. Default: derived from the Dockerfile, sources and build args (sourceTag). */
  readonly tag?: string;
  /** The nodes' CPU architecture: images are built for it. */
  readonly architecture: "x86_64" | "arm64";
}

/**
 * Builds the API/worker and trainer images with BuildKit and pushes them to the stack's ECR
 * repositories, so one `pulumi up` yields images the workloads can run. `refs` name each image
 * by digest (`repo@sha256:...`): a pod runs exactly what was built, whatever happens to tags.
 * Needs a Docker daemon with buildx where `pulumi up` runs. Previews do not build (fast, no
 * Docker needed); the digest is then unknown.
 */
export class AppImages extends pulumi.ComponentResource {
  readonly refs: { readonly api: pulumi.Output<string>; readonly trainer: pulumi.Output<string> };

  constructor(name: string, args: AppImagesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fraud-platform:images:AppImages", name, {}, opts);
    // One token serves every repository of the account's registry; it is valid for 12 hours.
    const auth = aws.ecr.getAuthorizationTokenOutput({}, { parent: this });
    const platform = args.architecture === "arm64" ? "linux/arm64" : "linux/amd64";
    const build = (key: string, spec: ImageSpec): pulumi.Output<string> => {
      const tag = args.tag ?? sourceTag(args.contextDir, [spec.dockerfile, ...BUILD_SOURCES], { ...spec.buildArgs, platform });
      const repo = pulumi.output(spec.repositoryUrl);
      // Relative to the program's directory (where `pulumi up` runs): an absolute path would differ
      // between an admin's checkout and each CI run's, and the difference alone would rebuild.
      const context = path.relative(process.cwd(), args.contextDir) || ".";
      const image = new dockerBuild.Image(
        `${name}-${key}`,
        {
          context: { location: context },
          dockerfile: { location: path.posix.join(context, spec.dockerfile) },
          buildArgs: spec.buildArgs,
          platforms: [platform],
          tags: [pulumi.interpolate`${repo}:${tag}`],
          labels: { "org.opencontainers.image.revision": tag },
          push: true,
          buildOnPreview: false,
          registries: [{ address: repo.apply((u) => u.split("/")[0]), username: auth.userName, password: pulumi.secret(auth.password) }],
        },
        { parent: this },
      );
      // docker-build reports no digest for an image it did not export (and engines that only
      // record the program, like the team's engine-lite, report none either): `repo@` would be no
      // image at all, while the tag, derived from the sources and immutable in ECR, still pins it.
      return pulumi.all([repo, image.digest]).apply(([r, digest]) => (digest ? `${r}@${digest}` : `${r}:${tag}`));
    };
    this.refs = { api: build("api", args.images.api), trainer: build("trainer", args.images.trainer) };
    this.registerOutputs({ refs: this.refs });
  }
}
