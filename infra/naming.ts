/**
 * Physical names. Most resources are auto-named by Pulumi (a random suffix lets replacements
 * create-before-delete); the few AWS names people type or read in consoles and CI (the EKS
 * cluster, ECR repositories, log groups, secrets) are fixed and carry the project and stack so
 * dev and prod can share one account.
 */

/** `fraud-platform-prod`: the prefix of every fixed physical name of a stack. */
export function stackPrefix(project: string, stack: string): string {
  const prefix = `${project}-${stack}`.toLowerCase().replace(/[^a-z0-9-]/g, "-");
  // The tightest limit among the services that get fixed names: ElastiCache ids (40) minus suffixes.
  if (prefix.length > 28) throw new Error(`project-stack prefix ${JSON.stringify(prefix)} is longer than 28 characters`);
  return prefix;
}

/** Secrets Manager path of an application secret: `fraud-platform/prod/api-keys`. */
export function secretName(project: string, stack: string, purpose: string): string {
  return `${project}/${stack}/${purpose}`;
}

/**
 * `fraud-platform-prod-deployer`: the deploy runner's CodeBuild project (and role). The deploy
 * workflow names it in `runs-on: codebuild-<name>-<run id>-<attempt>`; a test keeps both equal.
 */
export function deployerName(project: string, stack: string): string {
  return `${stackPrefix(project, stack)}-deployer`;
}
