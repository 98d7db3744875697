"""moto's server with documented corrections: run it with the test venv's python, with the
arguments moto_server takes (`-H HOST -p PORT ...`); `scripts/moto-server` does that.

moto emulates AWS for moat's deploy and audit tests. Where moto 5.2.5 (pinned in scripts/test.sh)
contradicts the AWS documentation so that a correct template does not deploy, or a deployed stack
does not read back as AWS describes it (which `moat audit` then judges), this launcher corrects
moto before starting it. Each correction:

- cites the AWS documentation page and names moto's wrong behaviour and version;
- wraps moto's function (calls the original, then adjusts its result) rather than copying it,
  or, for a resource type moto's CloudFormation lacks, creates it through moto's own EC2 API;
- first checks that what it wraps or calls still has the parameters it expects, so that a moto
  upgrade that changes it stops the server (exit 2, the reason on stderr) instead of silently
  skipping the correction (then re-read moto's code: the bug may be fixed, and the patch can go).

Nothing here makes moto accept what AWS refuses.
"""

import inspect
import sys


class MotoChanged(Exception):
    """moto no longer looks like the version these corrections were written for."""


def expect_parameters(function, expected, what):
    """Stop unless `function` takes exactly the parameters `expected` (names, in order)."""
    found = list(inspect.signature(function).parameters)
    if found != expected:
        raise MotoChanged(
            f"{what}: expected parameters {expected}, found {found}; "
            "moto changed: re-check the correction in scripts/moto_server.py"
        )



CREATE_PARAMETERS = ["resource_name", "cloudformation_json", "account_id", "region_name", "kwargs"]


def after_cloudformation_create(cls, what, adjust):
    """Make `cls.create_from_cloudformation_json` call moto's own, then
    `adjust(resource, properties, account_id, region_name)` on the resource it created (the
    template's `Properties`), and return that resource. `what` names moto's class in the message
    that stops the server when moto's function no longer takes the expected parameters."""
    created = cls.create_from_cloudformation_json
    expect_parameters(created, CREATE_PARAMETERS, what)

    def create(klass, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        resource = created.__func__(
            klass, resource_name, cloudformation_json, account_id, region_name, **kwargs
        )
        adjust(resource, cloudformation_json.get("Properties", {}), account_id, region_name)
        return resource

    cls.create_from_cloudformation_json = classmethod(create)


def correct_load_balancer_type():
    """CloudFormation's `AWS::ElasticLoadBalancingV2::LoadBalancer` has a `Type` property,
    `application` (the default), `network` or `gateway`:
    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-elasticloadbalancingv2-loadbalancer.html

    moto 5.2.5's `FakeLoadBalancer.create_from_cloudformation_json` ignores `Type`, so every load
    balancer a stack creates is an Application Load Balancer; since moto PR #8563 its listener
    validation then refuses a Network Load Balancer's TCP and TLS listeners ("Listener protocol
    'TCP' must be one of 'HTTPS, HTTP'"), and DescribeLoadBalancers reports `application`.
    The correction sets the created load balancer's type from `Type` before any listener of the
    stack is created (a listener references its load balancer, so it is created after it).
    """
    from moto.elbv2.models import FakeLoadBalancer

    # The type lives in the `loadbalancer_type` argument of the constructor and the `type`
    # attribute it sets (which DescribeLoadBalancers and the listener validation read).
    init = list(inspect.signature(FakeLoadBalancer.__init__).parameters)
    if "loadbalancer_type" not in init:
        raise MotoChanged(
            "moto.elbv2.models.FakeLoadBalancer.__init__ has no loadbalancer_type parameter; "
            "re-check the correction in scripts/moto_server.py"
        )
    allowed = {"application", "network", "gateway"}

    def create_with_type(load_balancer, properties, account_id, region_name):
        requested = properties.get("Type", "application")
        if requested not in allowed:
            raise ValueError(
                f"AWS::ElasticLoadBalancingV2::LoadBalancer Type {requested!r} is not one of "
                f"{sorted(allowed)}"
            )
        load_balancer.type = requested

    after_cloudformation_create(
        FakeLoadBalancer,
        "moto.elbv2.models.FakeLoadBalancer.create_from_cloudformation_json",
        create_with_type,
    )


def correct_route_table_associations():
    """`AWS::EC2::SubnetRouteTableAssociation` associates a subnet with a route table, and
    deleting the stack removes the association; `AWS::EC2::RouteTable` is deleted with its stack:
    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ec2-subnetroutetableassociation.html
    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ec2-routetable.html
    DescribeRouteTables lists a table's subnet associations:
    https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeRouteTables.html

    moto 5.2.5's `SubnetRouteTableAssociation.create_from_cloudformation_json` records the
    association where DescribeRouteTables does not look (the subnet keeps following the main
    table), and neither the association nor a stack's route table can be deleted with the stack
    (DeleteStack then fails on the VPC's DependencyViolation). The correction also makes the
    association moto's AssociateRouteTable makes, and gives both resources the deletion
    DeleteStack performs (DisassociateRouteTable, DeleteRouteTable).
    """
    from moto.ec2.exceptions import InvalidAssociationIdError, InvalidRouteTableIdError
    from moto.ec2.models import EC2Backend, ec2_backends
    from moto.ec2.models.route_tables import RouteTable
    from moto.ec2.models.subnets import SubnetRouteTableAssociation

    expect_parameters(
        EC2Backend.associate_route_table,
        ["self", "route_table_id", "gateway_id", "subnet_id"],
        "moto's EC2 backend associate_route_table",
    )
    expect_parameters(
        EC2Backend.disassociate_route_table,
        ["self", "association_id"],
        "moto's EC2 backend disassociate_route_table",
    )
    expect_parameters(
        EC2Backend.delete_route_table,
        ["self", "route_table_id"],
        "moto's EC2 backend delete_route_table",
    )
    for cls in (SubnetRouteTableAssociation, RouteTable):
        if hasattr(cls, "delete"):
            raise MotoChanged(
                f"moto's {cls.__name__} now has a delete method; "
                "re-check the correction in scripts/moto_server.py"
            )

    def create_and_associate(association, properties, account_id, region_name):
        association.moat_association_id = ec2_backends[account_id][
            region_name
        ].associate_route_table(
            association.route_table_id, subnet_id=association.subnet_id
        )

    # A table or association already deleted outside the stack (tests written for plain moto do
    # so, to work around the missing deletion) counts as deleted, so DeleteStack goes on; a
    # delete handler reports such a resource as NotFound:
    # https://docs.aws.amazon.com/cloudformation-cli/latest/userguide/resource-type-test-contract.html
    def disassociate(association, account_id, region_name):
        try:
            ec2_backends[account_id][region_name].disassociate_route_table(
                association.moat_association_id
            )
        except InvalidAssociationIdError:
            pass

    def delete_route_table(route_table, account_id, region_name):
        try:
            ec2_backends[account_id][region_name].delete_route_table(route_table.id)
        except InvalidRouteTableIdError:
            pass

    after_cloudformation_create(
        SubnetRouteTableAssociation,
        "moto.ec2.models.subnets.SubnetRouteTableAssociation.create_from_cloudformation_json",
        create_and_associate,
    )
    SubnetRouteTableAssociation.delete = disassociate
    RouteTable.delete = delete_route_table


def correct_ecs_service_properties():
    """`AWS::ECS::Service` takes `LaunchType`, `NetworkConfiguration` (the awsvpc subnets,
    security groups and public IP choice), `LoadBalancers` and `Tags`, as CreateService does:
    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ecs-service.html
    https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateService.html

    moto 5.2.5's `Service.create_from_cloudformation_json` passes only the cluster, name, task
    definition and desired count, so every service a stack creates is an EC2-launch-type service
    with no network configuration, no load balancers and no tags (DescribeServices shows them so).
    The correction applies those four properties to the created service the way moto's
    CreateService stores them (the network configuration checked by moto's own validation, the
    tags through moto's TagResource).
    """
    from moto.core.utils import pascal_to_camelcase, remap_nested_keys
    from moto.ecs.models import EC2ContainerServiceBackend, Service, ecs_backends

    expect_parameters(
        Service._validate_network, ["self", "nc"], "moto.ecs.models.Service._validate_network"
    )
    expect_parameters(
        EC2ContainerServiceBackend.tag_resource,
        ["self", "arn", "tags"],
        "moto.ecs.models.EC2ContainerServiceBackend.tag_resource",
    )
    # The attributes set below are the ones Service.__init__ sets from these parameters.
    init = set(inspect.signature(Service.__init__).parameters)
    for name in ("launch_type", "network_configuration", "load_balancers"):
        if name not in init:
            raise MotoChanged(
                f"moto.ecs.models.Service.__init__ has no {name} parameter; "
                "re-check the correction in scripts/moto_server.py"
            )

    def create_with_properties(service, properties, account_id, region_name):
        properties = properties
        launch_type = properties.get("LaunchType")
        if launch_type is not None:
            service.launch_type = launch_type
            for deployment in service.deployments:
                deployment["launchType"] = launch_type
        network = properties.get("NetworkConfiguration")
        if network is not None:
            network = remap_nested_keys(network, pascal_to_camelcase)
            service.network_configuration = service._validate_network(network)
            for deployment in service.deployments:
                deployment["networkConfiguration"] = network
        load_balancers = properties.get("LoadBalancers")
        if load_balancers is not None:
            service.load_balancers = remap_nested_keys(load_balancers, pascal_to_camelcase)
        tags = properties.get("Tags")
        if tags:
            ecs_backends[account_id][region_name].tag_resource(
                service.arn, {t["Key"]: t["Value"] for t in tags}
            )

    after_cloudformation_create(
        Service,
        "moto.ecs.models.Service.create_from_cloudformation_json",
        create_with_properties,
    )


def correct_vpc_dns_attributes():
    """`AWS::EC2::VPC` takes `EnableDnsSupport` and `EnableDnsHostnames`, the attributes
    DescribeVpcAttribute reports (ModifyVpcAttribute sets them):
    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ec2-vpc.html

    moto 5.2.5's `VPC.create_from_cloudformation_json` ignores both, so a stack's VPC reports
    DNS hostnames off whatever the template says. The correction sets them through moto's
    ModifyVpcAttribute.
    """
    from moto.ec2.models import EC2Backend, ec2_backends
    from moto.ec2.models.vpcs import VPC

    expect_parameters(
        EC2Backend.modify_vpc_attribute,
        ["self", "vpc_id", "attr_name", "attr_value"],
        "moto's EC2 backend modify_vpc_attribute",
    )
    attributes = {
        "EnableDnsSupport": "enable_dns_support",
        "EnableDnsHostnames": "enable_dns_hostnames",
    }

    def create_with_dns_attributes(vpc, properties, account_id, region_name):
        properties = properties
        for prop, attribute in attributes.items():
            if prop in properties:
                # A template's boolean arrives as a bool or as the string "true"/"false".
                value = str(properties[prop]).lower() == "true"
                ec2_backends[account_id][region_name].modify_vpc_attribute(
                    vpc.id, attribute, value
                )

    after_cloudformation_create(
        VPC,
        "moto.ec2.models.vpcs.VPC.create_from_cloudformation_json",
        create_with_dns_attributes,
    )


def correct_endpoint_policy_json():
    """`AWS::EC2::VPCEndpoint`'s `PolicyDocument` is a JSON object in the template, and
    DescribeVpcEndpoints returns the policy as a JSON string:
    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ec2-vpcendpoint.html
    https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_VpcEndpoint.html

    moto 5.2.5's `VPCEndPoint.create_from_cloudformation_json` keeps the parsed object, and
    DescribeVpcEndpoints then returns its Python repr (`{'Version': ...}`), which is not JSON.
    The correction stores the object as JSON text, as CreateVpcEndpoint stores it.
    """
    import json

    from moto.ec2.models.vpcs import VPCEndPoint


    def create_with_json_policy(endpoint, properties, account_id, region_name):
        if not hasattr(endpoint, "policy_document"):
            raise MotoChanged("moto's VPCEndPoint has no policy_document attribute")
        if isinstance(endpoint.policy_document, dict):
            endpoint.policy_document = json.dumps(endpoint.policy_document)

    after_cloudformation_create(
        VPCEndPoint,
        "moto.ec2.models.vpcs.VPCEndPoint.create_from_cloudformation_json",
        create_with_json_policy,
    )


def correct_task_definition_properties():
    """`AWS::ECS::TaskDefinition` takes `TaskRoleArn`, `ExecutionRoleArn`, `NetworkMode`,
    `RequiresCompatibilities` and `Cpu`, as RegisterTaskDefinition does:
    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ecs-taskdefinition.html
    https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RegisterTaskDefinition.html

    moto 5.2.5's `TaskDefinition.create_from_cloudformation_json` passes only the family,
    containers, volumes and memory, so DescribeTaskDefinition shows a stack's task definition
    with no roles, no Fargate compatibility, no CPU and the `bridge` network mode. The correction
    sets those properties on the registered revision the way moto's RegisterTaskDefinition stores
    them (its `compatibilities`, which moto derives from RequiresCompatibilities, included).
    """
    from moto.ecs.models import TaskDefinition

    init = set(inspect.signature(TaskDefinition.__init__).parameters)
    properties_to_attributes = {
        "TaskRoleArn": "task_role_arn",
        "ExecutionRoleArn": "execution_role_arn",
        "NetworkMode": "network_mode",
        "RequiresCompatibilities": "requires_compatibilities",
        "Cpu": "cpu",
    }
    for attribute in properties_to_attributes.values():
        if attribute not in init:
            raise MotoChanged(
                f"moto.ecs.models.TaskDefinition.__init__ has no {attribute} parameter; "
                "re-check the correction in scripts/moto_server.py"
            )

    def create_with_properties(task_definition, properties, account_id, region_name):
        properties = properties
        for prop, attribute in properties_to_attributes.items():
            if prop in properties:
                setattr(task_definition, attribute, properties[prop])
        if "FARGATE" in (properties.get("RequiresCompatibilities") or []):
            task_definition.compatibilities = ["EC2", "FARGATE"]

    after_cloudformation_create(
        TaskDefinition,
        "moto.ecs.models.TaskDefinition.create_from_cloudformation_json",
        create_with_properties,
    )


def correct_role_inline_policy_json():
    """`AWS::IAM::Role`'s `Policies` hold each inline policy's `PolicyDocument` as a JSON object,
    and GetRolePolicy returns the document as (URL-encoded) JSON text:
    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-iam-role.html
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetRolePolicy.html

    moto 5.2.5's `Role.create_from_cloudformation_json` stores the parsed object, and
    GetRolePolicy then returns its Python repr (`{'Version': ...}`), which is not JSON. The
    correction stores each such document again as JSON text, as PutRolePolicy stores it.
    """
    import json

    from moto.iam.models import Role

    expect_parameters(
        Role.put_policy, ["self", "policy_name", "policy_json"], "moto.iam.models.Role.put_policy"
    )

    def create_with_json_policies(role, properties, account_id, region_name):
        for policy in properties.get("Policies", []):
            document = policy["PolicyDocument"]
            if not isinstance(document, str):
                role.put_policy(policy["PolicyName"], json.dumps(document))

    after_cloudformation_create(
        Role,
        "moto.iam.models.Role.create_from_cloudformation_json",
        create_with_json_policies,
    )


def add_endpoint_service_resources():
    """`AWS::EC2::VPCEndpointService` creates an endpoint service configuration (what
    CreateVpcEndpointServiceConfiguration creates; `Ref` returns its service id) and
    `AWS::EC2::VPCEndpointServicePermissions` sets the principals allowed to connect to it
    (ModifyVpcEndpointServicePermissions):
    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ec2-vpcendpointservice.html
    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ec2-vpcendpointservicepermissions.html

    moto 5.2.5's CloudFormation has neither type: it skips such a resource with a warning and
    still reports CREATE_COMPLETE, so the stack claims an endpoint service that does not exist.
    moto's EC2 API has endpoint service configurations; these two resource types create and
    delete them (and their permissions) through it.
    """
    from moto.cloudformation import parsing
    from moto.core.common_models import CloudFormationModel
    from moto.ec2.models import EC2Backend, ec2_backends

    claimed = {m.cloudformation_type() for m in CloudFormationModel.__subclasses__()}
    for resource_type in (
        "AWS::EC2::VPCEndpointService",
        "AWS::EC2::VPCEndpointServicePermissions",
    ):
        if resource_type in claimed:
            raise MotoChanged(
                f"moto's CloudFormation now supports {resource_type}; "
                "drop it from scripts/moto_server.py"
            )
    expect_parameters(
        EC2Backend.create_vpc_endpoint_service_configuration,
        [
            "self",
            "lb_arns",
            "acceptance_required",
            "private_dns_name",
            "tags",
            "supported_regions",
        ],
        "moto's EC2 backend create_vpc_endpoint_service_configuration",
    )
    expect_parameters(
        EC2Backend.delete_vpc_endpoint_service_configurations,
        ["self", "service_ids"],
        "moto's EC2 backend delete_vpc_endpoint_service_configurations",
    )
    expect_parameters(
        EC2Backend.modify_vpc_endpoint_service_permissions,
        ["self", "service_id", "add_principals", "remove_principals"],
        "moto's EC2 backend modify_vpc_endpoint_service_permissions",
    )

    def template_bool(value):
        # A template's boolean arrives as a bool or as the string "true"/"false".
        return str(value).lower() == "true"

    class StackEndpointService(CloudFormationModel):
        # moto's model metaclass files each model class under the service its module names.
        __module__ = "moto.ec2.moat_corrections"

        def __init__(self, account_id, region_name, service_id):
            self.account_id = account_id
            self.region_name = region_name
            self.service_id = service_id

        @staticmethod
        def cloudformation_type():
            return "AWS::EC2::VPCEndpointService"

        @staticmethod
        def cloudformation_name_type():
            return ""

        @property
        def physical_resource_id(self):
            return self.service_id

        @classmethod
        def has_cfn_attr(cls, attr):
            return attr == "ServiceId"

        def get_cfn_attribute(self, attribute_name):
            if attribute_name == "ServiceId":
                return self.service_id
            from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

            raise UnformattedGetAttTemplateException()

        @classmethod
        def create_from_cloudformation_json(
            cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
        ):
            properties = cloudformation_json.get("Properties", {})
            configuration = ec2_backends[account_id][
                region_name
            ].create_vpc_endpoint_service_configuration(
                lb_arns=properties.get("NetworkLoadBalancerArns", [])
                + properties.get("GatewayLoadBalancerArns", []),
                acceptance_required=template_bool(properties.get("AcceptanceRequired", False)),
                private_dns_name=properties.get("PrivateDnsName"),
                tags=properties.get("Tags", []),
                # The service's own region unless others are named.
                supported_regions=[region_name],
            )
            return cls(account_id, region_name, configuration.id)

        def delete(self, account_id, region_name):
            ec2_backends[account_id][region_name].delete_vpc_endpoint_service_configurations(
                [self.service_id]
            )

    class StackEndpointServicePermissions(CloudFormationModel):
        # moto's model metaclass files each model class under the service its module names.
        __module__ = "moto.ec2.moat_corrections"

        def __init__(self, service_id, principals):
            self.service_id = service_id
            self.principals = principals

        @staticmethod
        def cloudformation_type():
            return "AWS::EC2::VPCEndpointServicePermissions"

        @staticmethod
        def cloudformation_name_type():
            return ""

        @property
        def physical_resource_id(self):
            return f"{self.service_id}-permissions"

        @classmethod
        def has_cfn_attr(cls, attr):
            return False

        @classmethod
        def create_from_cloudformation_json(
            cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
        ):
            properties = cloudformation_json.get("Properties", {})
            service_id = properties["ServiceId"]
            principals = list(properties.get("AllowedPrincipals", []))
            ec2_backends[account_id][region_name].modify_vpc_endpoint_service_permissions(
                service_id, add_principals=principals, remove_principals=[]
            )
            return cls(service_id, principals)

        def delete(self, account_id, region_name):
            from moto.ec2.exceptions import UnknownVpcEndpointService

            try:
                ec2_backends[account_id][region_name].modify_vpc_endpoint_service_permissions(
                    self.service_id, add_principals=[], remove_principals=self.principals
                )
            except UnknownVpcEndpointService:
                pass  # the service went first: its permissions went with it

    # moto's CloudFormation finds resource types among CloudFormationModel's subclasses, once.
    parsing.get_model_map.cache_clear()
    parsing.get_name_type_map.cache_clear()


def correct_security_group_egress():
    """`AWS::EC2::SecurityGroup` takes `SecurityGroupEgress`, and a group given egress rules has
    those and no longer AWS's default allow-all rule ("The default rule is removed only when you
    specify one or more egress rules"):
    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ec2-securitygroup.html
    Each rule's destination is `CidrIp`, `CidrIpv6`, `DestinationPrefixListId` or
    `DestinationSecurityGroupId`:
    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-ec2-securitygroup-egress.html

    moto 5.2.5's `SecurityGroup.create_from_cloudformation_json` reads `SecurityGroupIngress`
    only, so a stack's group keeps the allow-all egress whatever the template says. The
    correction revokes that default rule and authorizes each template rule through moto's
    RevokeSecurityGroupEgress / AuthorizeSecurityGroupEgress.
    """
    from moto.ec2.models import EC2Backend, ec2_backends
    from moto.ec2.models.security_groups import SecurityGroup

    expect_parameters(
        EC2Backend.authorize_security_group_egress,
        [
            "self",
            "group_name_or_id",
            "ip_protocol",
            "from_port",
            "to_port",
            "ip_ranges",
            "sgrule_tags",
            "source_groups",
            "prefix_list_ids",
            "security_rule_ids",
            "vpc_id",
        ],
        "moto's EC2 backend authorize_security_group_egress",
    )
    expect_parameters(
        EC2Backend.revoke_security_group_egress,
        [
            "self",
            "group_name_or_id",
            "ip_protocol",
            "from_port",
            "to_port",
            "ip_ranges",
            "source_groups",
            "prefix_list_ids",
            "security_rule_ids",
            "vpc_id",
        ],
        "moto's EC2 backend revoke_security_group_egress",
    )

    def create_with_egress(group, properties, account_id, region_name):
        rules = properties.get("SecurityGroupEgress") or []
        if not rules:
            return
        backend = ec2_backends[account_id][region_name]
        if any(r.ip_protocol == "-1" for r in group.egress_rules):
            backend.revoke_security_group_egress(
                group.id, "-1", None, None, [{"CidrIp": "0.0.0.0/0"}], vpc_id=group.vpc_id
            )
        for rule in rules:
            described = {"Description": rule["Description"]} if "Description" in rule else {}
            ranges = [
                {key: rule[key], **described} for key in ("CidrIp", "CidrIpv6") if key in rule
            ]
            groups = (
                [{"GroupId": rule["DestinationSecurityGroupId"]}]
                if "DestinationSecurityGroupId" in rule
                else []
            )
            lists = (
                [{"PrefixListId": rule["DestinationPrefixListId"]}]
                if "DestinationPrefixListId" in rule
                else []
            )
            backend.authorize_security_group_egress(
                group.id,
                str(rule["IpProtocol"]),
                rule.get("FromPort"),
                rule.get("ToPort"),
                ranges,
                source_groups=groups,
                prefix_list_ids=lists,
                vpc_id=group.vpc_id,
            )

    after_cloudformation_create(
        SecurityGroup,
        "moto.ec2.models.security_groups.SecurityGroup.create_from_cloudformation_json",
        create_with_egress,
    )


CORRECTIONS = [
    correct_role_inline_policy_json,
    correct_load_balancer_type,
    correct_route_table_associations,
    correct_ecs_service_properties,
    correct_vpc_dns_attributes,
    correct_endpoint_policy_json,
    correct_task_definition_properties,
    add_endpoint_service_resources,
    correct_security_group_egress,
]


def main():
    try:
        for correct in CORRECTIONS:
            correct()
    except MotoChanged as changed:
        print(f"scripts/moto_server.py: {changed}", file=sys.stderr)
        sys.exit(2)
    from moto.server import main as moto_server_main

    moto_server_main(sys.argv[1:])


if __name__ == "__main__":
    main()
