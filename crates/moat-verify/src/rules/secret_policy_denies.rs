use super::calls::call_checks;
use super::prelude::*;
use crate::iam::Stage;

rule! {
    /// ## What it does
    /// Evaluates the resource policy of every Secrets Manager secret a task reads (an
    /// `AWS::SecretsManager::ResourcePolicy`) against the execution role's
    /// `secretsmanager:GetSecretValue` call, with the condition keys the call carries.
    ///
    /// ## Why is this bad?
    /// An explicit deny in the secret's policy — typically a perimeter on `aws:SourceVpce` or
    /// `aws:PrincipalArn` that misses the endpoint or the role — overrides every allow: the task
    /// fails with `ResourceInitializationError: unable to pull secrets`.
    ///
    /// ## Example
    /// ```yaml
    /// SecretPolicy:
    ///   Type: AWS::SecretsManager::ResourcePolicy
    ///   Properties:
    ///     SecretId: !Ref DbSecret
    ///     ResourcePolicy:
    ///       Statement:
    ///         - Effect: Deny
    ///           Principal: "*"
    ///           Action: secretsmanager:GetSecretValue
    ///           Resource: "*"
    ///           Condition: { StringNotEquals: { aws:SourceVpce: vpce-0123456789abcdef0 } }
    /// ```
    ///
    /// ## Fix
    /// Name the endpoint the tasks use (`!Ref SecretsManagerEndpoint`) or the role in the
    /// exception.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_resource-policies.html
    /// - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
    pub struct SecretPolicyDenies {
        code: "MOAT126",
        name: "secret-policy-denies",
        severity: Error,
        summary: "A secret's resource policy refuses the execution role",
    }
}

impl Rule for SecretPolicyDenies {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for c in call_checks(cx) {
            if c.decision.stage != Some(Stage::Resource) {
                continue;
            }
            let Some(secret) = super::calls::secret_of(cx, &c.resource) else {
                continue;
            };
            let prov = match &secret.policy {
                Some(Maybe::Known(d)) => d.prov.clone(),
                _ => secret.prov.clone(),
            };
            let why = c.refutation();
            out.push(Self::META.finding(
                format!(
                    "the resource policy of secret `{}` refuses {} by {} ({why}); {}",
                    secret.id,
                    c.action,
                    c.signer(),
                    c.why()
                ),
                prov,
                "exempt the execution role and the endpoint the tasks use from the deny".into(),
            ));
        }
    }
}
