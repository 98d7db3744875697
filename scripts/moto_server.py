"""moto's server with documented corrections: run it with the test venv's python, with the
arguments moto_server takes (`-H HOST -p PORT ...`); `scripts/moto-server` does that.

moto emulates AWS for moat's deploy and audit tests. Where moto 5.2.5 (pinned in scripts/test.sh)
contradicts the AWS documentation in a way that stops a correct template from deploying, this
launcher corrects moto before starting it. Each correction:

- cites the AWS documentation page and names moto's wrong behaviour and version;
- wraps moto's function (calls the original, then adjusts its result) rather than copying it;
- first checks that the wrapped function still has the parameters it expects, so that a moto
  upgrade that changes it stops the server with a clear message instead of silently skipping
  the correction (then re-read moto's code: the bug may be fixed, and the patch can go).

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

    created = FakeLoadBalancer.create_from_cloudformation_json
    expect_parameters(
        created,
        ["resource_name", "cloudformation_json", "account_id", "region_name", "kwargs"],
        "moto.elbv2.models.FakeLoadBalancer.create_from_cloudformation_json",
    )
    # The type lives in the `loadbalancer_type` argument of the constructor and the `type`
    # attribute it sets (which DescribeLoadBalancers and the listener validation read).
    init = list(inspect.signature(FakeLoadBalancer.__init__).parameters)
    if "loadbalancer_type" not in init:
        raise MotoChanged(
            "moto.elbv2.models.FakeLoadBalancer.__init__ has no loadbalancer_type parameter; "
            "re-check the correction in scripts/moto_server.py"
        )
    allowed = {"application", "network", "gateway"}

    def create_with_type(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        load_balancer = created.__func__(
            cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
        )
        requested = cloudformation_json.get("Properties", {}).get("Type", "application")
        if requested not in allowed:
            raise ValueError(
                f"AWS::ElasticLoadBalancingV2::LoadBalancer Type {requested!r} is not one of "
                f"{sorted(allowed)}"
            )
        load_balancer.type = requested
        return load_balancer

    FakeLoadBalancer.create_from_cloudformation_json = classmethod(create_with_type)


CORRECTIONS = [correct_load_balancer_type]


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
