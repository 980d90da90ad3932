// Every policy of the pack, in one list. Kept apart from index.ts because constructing a
// PolicyPack starts the analyzer server: tests import this list and drive it in-process.
import type { Policies } from "@pulumi/policy";
import { ec2Imdsv2 } from "./aws/ec2/imdsv2";
import { ec2NoOpenIngress } from "./aws/ec2/no-open-ingress";
import { ecrImmutableTags } from "./aws/ecr/immutable-tags";
import { ecrScanOnPush } from "./aws/ecr/scan-on-push";
import { eksControlPlaneLogging } from "./aws/eks/control-plane-logging";
import { eksNodeImdsv2 } from "./aws/eks/node-imdsv2";
import { eksPrivateEndpoint } from "./aws/eks/private-endpoint";
import { eksSecretsEncryption } from "./aws/eks/secrets-encryption";
import { elasticacheEncryptionAtRest } from "./aws/elasticache/encryption-at-rest";
import { elasticacheEncryptionInTransit } from "./aws/elasticache/encryption-in-transit";
import { elasticacheRedisAuth } from "./aws/elasticache/redis-auth";
import { iamNoWildcards } from "./aws/iam/no-wildcards";
import { mskClientAuthentication } from "./aws/msk/client-authentication";
import { mskEncryptionAtRest } from "./aws/msk/encryption-at-rest";
import { mskEncryptionInTransit } from "./aws/msk/encryption-in-transit";
import { rdsBackups } from "./aws/rds/backups";
import { rdsDeletionProtection } from "./aws/rds/deletion-protection";
import { rdsMultiAz } from "./aws/rds/multi-az";
import { rdsNotPublic } from "./aws/rds/not-public";
import { rdsStorageEncrypted } from "./aws/rds/storage-encrypted";
import { s3BucketSseKms } from "./aws/s3/bucket-sse-kms";
import { s3PublicAccessBlock } from "./aws/s3/public-access-block";
import { s3PublicAccessBlockSettings } from "./aws/s3/public-access-block-settings";
import { s3TlsOnly } from "./aws/s3/tls-only";
import { secretsManagerKms } from "./aws/secretsmanager/kms-encrypted";
import { k8sAutoscaler } from "./kubernetes/stack/autoscaler";
import { k8sIngressTls } from "./kubernetes/ingress/tls";
import { k8sDisruptionBudget } from "./kubernetes/stack/disruption-budget";
import { k8sNamespaceDefaultDeny } from "./kubernetes/stack/namespace-default-deny";
import { k8sDropAllCapabilities } from "./kubernetes/workloads/drop-all-capabilities";
import { k8sHpaMinReplicas } from "./kubernetes/workloads/hpa-min-replicas";
import { k8sImagePinned } from "./kubernetes/workloads/image-pinned";
import { k8sNoPrivilegeEscalation } from "./kubernetes/workloads/no-privilege-escalation";
import { k8sNotPrivileged } from "./kubernetes/workloads/not-privileged";
import { k8sProbes } from "./kubernetes/workloads/probes";
import { k8sReadOnlyRootFilesystem } from "./kubernetes/workloads/read-only-root-filesystem";
import { k8sResources } from "./kubernetes/workloads/resources";
import { k8sRunAsNonRoot } from "./kubernetes/workloads/run-as-non-root";
import { resourcePolicy, stackPolicy, type ResourceRule, type StackRule } from "./lib/policy";

export const resourceRules: readonly ResourceRule[] = [
  rdsStorageEncrypted,
  rdsNotPublic,
  rdsMultiAz,
  rdsDeletionProtection,
  rdsBackups,
  mskEncryptionAtRest,
  mskEncryptionInTransit,
  mskClientAuthentication,
  elasticacheEncryptionAtRest,
  elasticacheEncryptionInTransit,
  elasticacheRedisAuth,
  iamNoWildcards,
  s3PublicAccessBlockSettings,
  eksSecretsEncryption,
  eksPrivateEndpoint,
  eksControlPlaneLogging,
  eksNodeImdsv2,
  ec2Imdsv2,
  secretsManagerKms,
  ecrScanOnPush,
  ecrImmutableTags,
  ec2NoOpenIngress,
  k8sResources,
  k8sRunAsNonRoot,
  k8sReadOnlyRootFilesystem,
  k8sNoPrivilegeEscalation,
  k8sNotPrivileged,
  k8sDropAllCapabilities,
  k8sImagePinned,
  k8sProbes,
  k8sHpaMinReplicas,
  k8sIngressTls,
];

export const stackRules: readonly StackRule[] = [
  s3BucketSseKms,
  s3PublicAccessBlock,
  s3TlsOnly,
  k8sDisruptionBudget,
  k8sAutoscaler,
  k8sNamespaceDefaultDeny,
];

export const policies: Policies = [...resourceRules.map(resourcePolicy), ...stackRules.map(stackPolicy)];
