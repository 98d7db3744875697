// A small CDK app for moat's CDK test: an isolated Fargate service (no internet gateway, no NAT)
// with the VPC endpoints it needs, in one of three shapes, optionally with one defect.
//
//   node app.js SHAPE DEFECT OUTDIR
//   SHAPE:  one-stack | two-stack | two-stack-exports | nested-stack
//           (two-stack-exports: the same two stacks with strong cross-stack references, which CDK
//           writes as Outputs with Export names and Fn::ImportValue)
//   DEFECT: none | no-ecr-dkr-endpoint | closed-endpoint-sg | igw-route
//   node app.js all OUTROOT   (every shape with every defect, into OUTROOT/SHAPE-DEFECT: loading
//                              aws-cdk-lib once takes most of the time)
//
// Synthesized with `new App({outdir})` + `app.synth()` (no cdk CLI), with the feature flags
// aws-cdk-lib recommends for new projects (CURRENTLY_RECOMMENDED_FLAGS, what `cdk init` writes
// into cdk.json's "context"). With them, cross-stack references are Fn::GetStackOutput.
'use strict';
const path = require('path');
const cdk = require('aws-cdk-lib');
const cxapi = require('aws-cdk-lib/cx-api');
const ec2 = require('aws-cdk-lib/aws-ec2');
const ecr = require('aws-cdk-lib/aws-ecr');
const ecs = require('aws-cdk-lib/aws-ecs');
const iam = require('aws-cdk-lib/aws-iam');
const logs = require('aws-cdk-lib/aws-logs');
const r53r = require('aws-cdk-lib/aws-route53resolver');

const SHAPES = ['one-stack', 'two-stack', 'two-stack-exports', 'nested-stack'];
const DEFECTS = ['none', 'no-ecr-dkr-endpoint', 'closed-endpoint-sg', 'igw-route'];
const env = { account: '111122223333', region: 'eu-west-1' };

/** The VPC: isolated subnets only, no NAT. The `igw-route` defect adds an internet gateway and
 *  a default route to it from the first isolated subnet. */
function network(scope, defect) {
  const vpc = new ec2.Vpc(scope, 'Vpc', {
    maxAzs: 2,
    natGateways: 0,
    subnetConfiguration: [{ name: 'app', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
    flowLogs: { all: { trafficType: ec2.FlowLogTrafficType.ALL } },
  });
  if (defect === 'igw-route') {
    const igw = new ec2.CfnInternetGateway(scope, 'Igw');
    new ec2.CfnVPCGatewayAttachment(scope, 'IgwAttach', { vpcId: vpc.vpcId, internetGatewayId: igw.ref });
    new ec2.CfnRoute(scope, 'DefaultRoute', {
      routeTableId: vpc.isolatedSubnets[0].routeTable.routeTableId,
      destinationCidrBlock: '0.0.0.0/0',
      gatewayId: igw.ref,
    });
  }
  dnsFirewall(scope, vpc);
  return vpc;
}

/** Route 53 Resolver DNS Firewall: the names the task resolves (the endpoints' private DNS
 *  names, the ECR layer bucket and path-style S3), then BLOCK every other name, so DNS is no way
 *  out (moat MOAT012) and every needed name resolves (MOAT013). */
function dnsFirewall(scope, vpc) {
  const names = [
    'api.ecr.${AWS::Region}.amazonaws.com',
    '*.dkr.ecr.${AWS::Region}.amazonaws.com',
    'logs.${AWS::Region}.amazonaws.com',
    'prod-${AWS::Region}-starport-layer-bucket.s3.${AWS::Region}.amazonaws.com',
    's3.${AWS::Region}.amazonaws.com',
  ].map((n) => cdk.Fn.sub(n));
  const needed = new r53r.CfnFirewallDomainList(scope, 'DnsNeeded', { domains: names });
  const every = new r53r.CfnFirewallDomainList(scope, 'DnsEvery', { domains: ['*'] });
  const group = new r53r.CfnFirewallRuleGroup(scope, 'DnsRules', {
    firewallRules: [
      { priority: 100, action: 'ALLOW', firewallDomainListId: needed.attrId,
        firewallDomainRedirectionAction: 'TRUST_REDIRECTION_DOMAIN' },
      { priority: 200, action: 'BLOCK', blockResponse: 'NXDOMAIN', firewallDomainListId: every.attrId },
    ],
  });
  new r53r.CfnFirewallRuleGroupAssociation(scope, 'DnsFirewall', {
    firewallRuleGroupId: group.attrId, vpcId: vpc.vpcId, priority: 101,
  });
}

/** What a Fargate task pulling from private ECR and logging to CloudWatch Logs needs: ecr.api,
 *  ecr.dkr, logs (interface, private DNS) and the S3 gateway (image layers). */
function endpoints(scope, vpc, defect) {
  const open = defect !== 'closed-endpoint-sg';
  const interfaces = { EcrApi: ec2.InterfaceVpcEndpointAwsService.ECR, Logs: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS };
  if (defect !== 'no-ecr-dkr-endpoint') interfaces.EcrDkr = ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER;
  for (const [id, service] of Object.entries(interfaces)) {
    new ec2.InterfaceVpcEndpoint(scope, id, { vpc, service, open, privateDnsEnabled: true,
      subnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } });
  }
  new ec2.GatewayVpcEndpoint(scope, 'S3', { vpc, service: ec2.GatewayVpcEndpointAwsService.S3,
    subnets: [{ subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
}

/** A role ECS tasks assume, only on behalf of this account (the confused-deputy conditions). */
function taskRole(scope, id) {
  const stack = cdk.Stack.of(scope);
  return new iam.Role(scope, id, {
    assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com', {
      conditions: {
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: { 'aws:SourceArn': `arn:${stack.partition}:ecs:${stack.region}:${stack.account}:*` },
      },
    }),
  });
}

/** The service's security group lets out TCP 443 only: to the VPC (the interface endpoints) and
 *  to S3's managed prefix list. A template cannot look that list's id up, so it is a parameter
 *  the template's Metadata declares as the list com.amazonaws.<region>.s3, as `moat synth`
 *  writes it (`moat deploy` fills it). */
function serviceGroup(scope, vpc) {
  const stack = cdk.Stack.of(scope);
  const s3List = new cdk.CfnParameter(stack, 'S3PrefixListId', { type: 'String', allowedPattern: '^pl-[0-9a-f]+$' });
  stack.templateOptions.metadata = { ...(stack.templateOptions.metadata || {}),
    moat: { managed_prefix_lists: { S3PrefixListId: 's3' } } };
  const sg = new ec2.SecurityGroup(scope, 'ServiceSecurityGroup', { vpc, allowAllOutbound: false, description: 'tasks' });
  sg.addEgressRule(ec2.Peer.ipv4(vpc.vpcCidrBlock), ec2.Port.tcp(443), 'the interface endpoints');
  sg.addEgressRule(ec2.Peer.prefixList(s3List.valueAsString), ec2.Port.tcp(443), 'S3 through the gateway endpoint');
  return sg;
}

/** The service: one container from this account's ECR in this region, logs to a named group. */
function service(scope, vpc) {
  const cluster = new ecs.Cluster(scope, 'Cluster', { vpc });
  const td = new ecs.FargateTaskDefinition(scope, 'Task', {
    cpu: 256,
    memoryLimitMiB: 512,
    taskRole: taskRole(scope, 'TaskRole'),
    executionRole: taskRole(scope, 'ExecutionRole'),
  });
  const repo = ecr.Repository.fromRepositoryName(scope, 'Repo', 'app');
  const logGroup = new logs.LogGroup(scope, 'AppLogs', { logGroupName: '/moat/app', removalPolicy: cdk.RemovalPolicy.DESTROY });
  td.addContainer('app', {
    image: ecs.ContainerImage.fromEcrRepository(repo, '1.0.0'),
    logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'app', logGroup }),
    portMappings: [{ containerPort: 8080 }],
  });
  new ecs.FargateService(scope, 'Service', {
    cluster,
    taskDefinition: td,
    desiredCount: 2,
    minHealthyPercent: 100,
    circuitBreaker: { rollback: true },
    assignPublicIp: false,
    securityGroups: [serviceGroup(scope, vpc)],
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
  });
}

/** Synthesize one app into `outdir`. */
function build(shape, defect, outdir) {
  const context = { ...cxapi.CURRENTLY_RECOMMENDED_FLAGS };
  if (shape === 'two-stack-exports') context['@aws-cdk/core:defaultCrossStackReferences'] = 'strong';
  const app = new cdk.App({ outdir, context });
  if (shape === 'one-stack') {
    const stack = new cdk.Stack(app, 'App', { env });
    const vpc = network(stack, defect);
    endpoints(stack, vpc, defect);
    service(stack, vpc);
  } else if (shape === 'two-stack' || shape === 'two-stack-exports') {
    const net = new cdk.Stack(app, 'Network', { env });
    const vpc = network(net, defect);
    endpoints(net, vpc, defect);
    const svc = new cdk.Stack(app, 'Workload', { env });
    service(svc, vpc);
  } else {
    const stack = new cdk.Stack(app, 'App', { env });
    const vpc = network(stack, defect);
    endpoints(new cdk.NestedStack(stack, 'Endpoints'), vpc, defect);
    service(stack, vpc);
  }
  app.synth();
}

const args = process.argv.slice(2);
if (args[0] === 'all' && args.length === 2) {
  for (const shape of SHAPES) {
    for (const defect of DEFECTS) build(shape, defect, path.join(args[1], `${shape}-${defect}`));
  }
} else if (args.length === 3 && SHAPES.includes(args[0]) && DEFECTS.includes(args[1])) {
  build(args[0], args[1], args[2]);
} else {
  console.error(`usage: node app.js {${SHAPES.join('|')}} {${DEFECTS.join('|')}} OUTDIR\n       node app.js all OUTROOT`);
  process.exit(2);
}
