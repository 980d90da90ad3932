/**
 * Plausible provider outputs for the offline harness: what AWS, EKS or the Kubernetes API would
 * return for a resource, derived deterministically from its type, name and inputs. References
 * between resources (a KMS key ARN in RDS inputs, a role ARN in a policy) therefore show real
 * shapes in the plan instead of blanks. Not a simulation: only the fields programs read.
 */

export const ACCOUNT = "123456789012";

/** A short stable hex token derived from a string (FNV-1a), for ids that look real. */
export function token(text: string, length = 8): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  let out = "";
  let x = h;
  while (out.length < length) {
    out += x.toString(16).padStart(8, "0");
    x = Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) >>> 0;
  }
  return out.slice(0, length);
}

/** EC2-style id prefixes by resource type. */
const ID_PREFIX: Record<string, string> = {
  "aws:ec2/vpc:Vpc": "vpc",
  "aws:ec2/subnet:Subnet": "subnet",
  "aws:ec2/securityGroup:SecurityGroup": "sg",
  "aws:ec2/internetGateway:InternetGateway": "igw",
  "aws:ec2/natGateway:NatGateway": "nat",
  "aws:ec2/eip:Eip": "eipalloc",
  "aws:ec2/routeTable:RouteTable": "rtb",
  "aws:ec2/vpcEndpoint:VpcEndpoint": "vpce",
  "aws:ec2/launchTemplate:LaunchTemplate": "lt",
  "aws:ec2/flowLog:FlowLog": "fl",
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "sgr",
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "sgr",
};

/** Outputs their providers mark secret (the SDK wraps them client-side; the recorder must redact them too). */
export const SECRET_OUTPUTS: Readonly<Record<string, readonly string[]>> = {
  "random:index/randomPassword:RandomPassword": ["result", "bcryptHash"],
  "random:index/randomString:RandomString": ["result"],
  "tls:index/privateKey:PrivateKey": ["privateKeyPem", "privateKeyOpenssh", "privateKeyPemPkcs8"],
  "eks:index:Cluster": ["kubeconfig", "kubeconfigJson"],
};

export interface FakeInput {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, any>;
  readonly region: string;
}

/** Returns the resource's id and state (inputs plus computed outputs). */
export function fakeState({ type, name, inputs, region }: FakeInput): { id: string; state: Record<string, any> } {
  const t = token(`${type}/${name}`);
  const physical = `${name}-${t.slice(0, 7)}`;
  const state: Record<string, any> = { ...inputs };
  const arn = (service: string, resource: string, r = region) => `arn:aws:${service}:${r}:${ACCOUNT}:${resource}`;

  if (type.startsWith("kubernetes:")) {
    // The provider auto-names objects; without a name an HPA or Service selector built from it breaks.
    state.metadata = { ...(inputs.metadata ?? {}), name: inputs.metadata?.name ?? `${name}-${t.slice(0, 8)}` };
    // The ALB controller reports the load balancer's DNS name in the Ingress status (the stack's apiUrl).
    if (type === "kubernetes:networking.k8s.io/v1:Ingress") {
      state.status = { loadBalancer: { ingress: [{ hostname: `k8s-${t.slice(0, 8)}-${t.slice(8, 18)}.${region}.elb.amazonaws.com` }] } };
    }
    return { id: `${inputs.metadata?.namespace ?? "default"}/${state.metadata.name}`, state };
  }
  if (type === "eks:index:Cluster") return { id: name, state: { ...state, ...eksCluster(name, inputs, region) } };
  if (type.startsWith("pulumi:providers:")) return { id: `${name}-provider-id`, state };
  if (type === "docker-build:index:Image") {
    // What the provider reports after a push: the manifest digest and `<first tag>@<digest>`.
    const digest = `sha256:${token(`${name}/${JSON.stringify(inputs.tags ?? [])}`, 64)}`;
    const tag = String(inputs.tags?.[0] ?? "");
    return {
      id: `${name}-${t}`,
      state: { ...state, digest, ref: `${tag.replace(/:[^:/]+$/, "")}@${digest}`, contextHash: token(`${name}/context`, 64) },
    };
  }

  const prefix = ID_PREFIX[type];
  let id = prefix ? `${prefix}-0${token(type + name, 16)}` : physical;
  state.arn ??= arn(type.split(":")[1].split("/")[0], `${type.split(":")[2].toLowerCase()}/${id}`);

  switch (type) {
    case "aws:kms/key:Key":
      id = `${t}-0000-4000-8000-${token(name, 12)}`;
      Object.assign(state, { keyId: id, arn: arn("kms", `key/${id}`) });
      break;
    case "aws:kms/alias:Alias":
      state.arn = arn("kms", inputs.name ?? `alias/${physical}`);
      break;
    case "aws:iam/role:Role":
      id = inputs.name ?? physical;
      Object.assign(state, { name: id, arn: `arn:aws:iam::${ACCOUNT}:role/${id}`, uniqueId: `AROA${t.toUpperCase()}` });
      break;
    case "aws:iam/policy:Policy":
      state.name ??= physical;
      state.arn = `arn:aws:iam::${ACCOUNT}:policy/${state.name}`;
      id = state.arn;
      break;
    case "aws:s3/bucket:Bucket":
      id = inputs.bucket ?? physical;
      Object.assign(state, { bucket: id, arn: `arn:aws:s3:::${id}`, bucketRegionalDomainName: `${id}.s3.${region}.amazonaws.com` });
      break;
    case "aws:cloudwatch/logGroup:LogGroup":
      id = inputs.name ?? physical;
      Object.assign(state, { name: id, arn: arn("logs", `log-group:${id}`) });
      break;
    case "aws:secretsmanager/secret:Secret":
      state.name ??= physical;
      state.arn = arn("secretsmanager", `secret:${state.name}-${t.slice(0, 6)}`);
      id = state.arn;
      break;
    case "aws:ecr/repository:Repository":
      id = inputs.name ?? physical;
      Object.assign(state, {
        name: id,
        arn: arn("ecr", `repository/${id}`),
        repositoryUrl: `${ACCOUNT}.dkr.ecr.${region}.amazonaws.com/${id}`,
        registryId: ACCOUNT,
      });
      break;
    case "aws:msk/cluster:Cluster": {
      const cluster = inputs.clusterName ?? physical;
      const brokers = Array.from(
        { length: inputs.numberOfBrokerNodes ?? 1 },
        (_, i) => `b-${i + 1}.${cluster}.${t.slice(0, 6)}.c2.kafka.${region}.amazonaws.com:9098`,
      ).join(",");
      Object.assign(state, {
        arn: arn("kafka", `cluster/${cluster}/${t}-${token(name, 4)}-${token(type, 4)}-1`),
        bootstrapBrokersSaslIam: brokers,
        currentVersion: "K1",
      });
      id = state.arn;
      break;
    }
    case "aws:msk/configuration:Configuration":
      Object.assign(state, { arn: arn("kafka", `configuration/${inputs.name ?? physical}/${t}`), latestRevision: 1 });
      id = state.arn;
      break;
    case "aws:elasticache/replicationGroup:ReplicationGroup":
      id = inputs.replicationGroupId ?? physical;
      Object.assign(state, {
        primaryEndpointAddress: `master.${id}.${t.slice(0, 6)}.use1.cache.amazonaws.com`,
        readerEndpointAddress: `replica.${id}.${t.slice(0, 6)}.use1.cache.amazonaws.com`,
        port: inputs.port ?? 6379,
        arn: arn("elasticache", `replicationgroup:${id}`),
      });
      break;
    case "aws:rds/instance:Instance": {
      id = inputs.identifier ?? physical;
      const address = `${id}.${t}.${region}.rds.amazonaws.com`;
      const port = inputs.port ?? 5432;
      Object.assign(state, {
        identifier: id,
        address,
        port,
        endpoint: `${address}:${port}`,
        arn: arn("rds", `db:${id}`),
        resourceId: `db-${t.toUpperCase()}`,
        masterUserSecrets: inputs.manageMasterUserPassword
          ? [
              {
                secretArn: arn("secretsmanager", `secret:rds!db-${t}-${token(name, 6)}`),
                kmsKeyId: inputs.masterUserSecretKmsKeyId,
                secretStatus: "active",
              },
            ]
          : [],
      });
      break;
    }
    case "tls:index/privateKey:PrivateKey":
      Object.assign(state, {
        privateKeyPem: `-----BEGIN RSA PRIVATE KEY-----\nfake${t}\n-----END RSA PRIVATE KEY-----\n`,
        publicKeyPem: `-----BEGIN PUBLIC KEY-----\nfake${t}\n-----END PUBLIC KEY-----\n`,
      });
      break;
    case "tls:index/selfSignedCert:SelfSignedCert":
      state.certPem = `-----BEGIN CERTIFICATE-----\nfake${t}\n-----END CERTIFICATE-----\n`;
      break;
    case "aws:acm/certificate:Certificate":
      state.arn = arn("acm", `certificate/${t}-0000-4000-8000-${token(name, 12)}`);
      id = state.arn;
      break;
    case "aws:ec2/vpcEndpoint:VpcEndpoint":
      // A gateway endpoint exposes its service's prefix list (here: S3 in us-east-1's published ranges).
      if (inputs.vpcEndpointType === "Gateway")
        Object.assign(state, {
          prefixListId: "pl-63a5400a",
          cidrBlocks: ["54.231.0.0/16", "52.216.0.0/15", "3.5.0.0/19", "16.182.0.0/16"],
        });
      break;
    case "aws:ec2/launchTemplate:LaunchTemplate":
      Object.assign(state, { latestVersion: 1, defaultVersion: 1 });
      break;
    case "aws:eks/nodeGroup:NodeGroup":
      Object.assign(state, {
        arn: arn("eks", `nodegroup/${inputs.clusterName}/${physical}/${t}`),
        nodeGroupName: inputs.nodeGroupName ?? physical,
        status: "ACTIVE",
      });
      break;
    case "aws:ec2/eip:Eip":
      state.publicIp = `198.51.100.${parseInt(t.slice(0, 2), 16) % 250}`;
      break;
    case "random:index/randomPassword:RandomPassword":
    case "random:index/randomString:RandomString":
      state.result = `fake${t}`.padEnd(inputs.length ?? 32, "x").slice(0, inputs.length ?? 32);
      break;
    case "aws:secretsmanager/secretVersion:SecretVersion":
      state.versionId = t;
      break;
  }
  // Autonaming is the provider's job; EC2-style resources have ids, not names.
  if (prefix === undefined) state.name ??= physical;
  return { id, state };
}

/** What @pulumi/eks's remote Cluster returns (a subset: the outputs this program reads). */
function eksCluster(name: string, inputs: Record<string, any>, region: string): Record<string, any> {
  const clusterName = inputs.name ?? `${name}-eksCluster-${token(name, 7)}`;
  const issuer = `oidc.eks.${region}.amazonaws.com/id/${token(clusterName, 32).toUpperCase()}`;
  const endpoint = `https://${token(clusterName, 32).toUpperCase()}.gr7.${region}.eks.amazonaws.com`;
  const kubeconfig = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: clusterName, cluster: { server: endpoint, "certificate-authority-data": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t" } }],
    contexts: [{ name: "aws", context: { cluster: clusterName, user: "aws" } }],
    "current-context": "aws",
    users: [
      {
        name: "aws",
        user: {
          exec: {
            apiVersion: "client.authentication.k8s.io/v1beta1",
            command: "aws",
            args: ["eks", "get-token", "--cluster-name", clusterName, "--output", "json"],
          },
        },
      },
    ],
  };
  const clusterSg = `sg-0${token(clusterName + "cluster", 16)}`;
  return {
    kubeconfig,
    kubeconfigJson: JSON.stringify(kubeconfig),
    eksCluster: {
      id: clusterName,
      name: clusterName,
      arn: `arn:aws:eks:${region}:${ACCOUNT}:cluster/${clusterName}`,
      endpoint,
      version: inputs.version,
      certificateAuthority: { data: "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t" },
      vpcConfig: {
        clusterSecurityGroupId: clusterSg,
        vpcId: inputs.vpcId,
        endpointPrivateAccess: inputs.endpointPrivateAccess,
        endpointPublicAccess: inputs.endpointPublicAccess,
      },
      identities: [{ oidcs: [{ issuer: `https://${issuer}` }] }],
    },
    // With skipDefaultSecurityGroups, @pulumi/eks reports the EKS-created cluster security group here.
    clusterSecurityGroupId: clusterSg,
    nodeSecurityGroupId: clusterSg,
    oidcProviderArn: `arn:aws:iam::${ACCOUNT}:oidc-provider/${issuer}`,
    oidcProviderUrl: `https://${issuer}`,
    oidcIssuer: issuer,
    instanceRoles: [],
    core: { cluster: { name: clusterName }, endpoint, subnetIds: inputs.privateSubnetIds ?? [] },
  };
}

/**
 * What a provider knows during `pulumi preview`: the inputs, and the names it generates (autonaming
 * runs in Check, before anything is created). Ids and computed outputs (ARNs, endpoints, the EKS
 * kubeconfig) stay unknown, so everything built from them shows as unknown, as in `pulumi preview`.
 */
export function previewState(input: FakeInput): { id: string; state: Record<string, any> } {
  const { id, state } = fakeState(input);
  if (input.type.startsWith("pulumi:providers:")) return { id, state };
  const known: Record<string, any> = { ...input.inputs };
  if (input.type.startsWith("kubernetes:")) known.metadata = state.metadata;
  else if (input.inputs.name === undefined && typeof state.name === "string" && !input.type.startsWith("eks:")) known.name = state.name;
  return { id: "", state: known };
}
