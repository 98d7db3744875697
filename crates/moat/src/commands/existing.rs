//! `[vpc] id`: plan, synth and deploy into a VPC the network team already owns. The live VPC
//! is read by the reader `moat audit` uses (`moat_aws::audit`), the plan keeps only what is
//! missing (`moat_synth::existing_vpc`), and the check runs on the live model merged with the
//! template's resources ([`moat_model::Model::absorb`]).

use anyhow::Result;
use moat_model::Model;
use moat_spec::{ExistingVpcSpec, Spec};
use moat_synth::existing_vpc::VpcPlan;

/// The existing VPC as read, and what the plan makes of it.
#[derive(Debug, Clone)]
pub struct ExistingVpc {
    pub vpc_plan: VpcPlan,
    /// The live model of the VPC (the check merges the template's resources into it).
    pub live: Model,
    /// What the reader said it read and left out.
    pub read_notes: Vec<String>,
}

impl ExistingVpc {
    /// The VPC as it was read (to plan another spec into it).
    #[cfg_attr(not(feature = "aws"), allow(dead_code))]
    pub fn as_read(&self) -> LiveVpc {
        LiveVpc {
            model: self.live.clone(),
            notes: self.read_notes.clone(),
        }
    }
}

/// The VPC as read from the account: its live model and what the reader left out.
#[derive(Debug, Clone)]
pub struct LiveVpc {
    pub model: Model,
    pub notes: Vec<String>,
}

/// Reads the VPC of `[vpc] id` from the account.
pub fn read(spec: &Spec, vpc: &ExistingVpcSpec) -> Result<LiveVpc> {
    let (model, notes) = read_live(spec, vpc)?;
    Ok(LiveVpc { model, notes })
}

/// Keeps in `plan` only what the VPC already read lacks. Deploy calls it again for the spec
/// whose images it pinned, without reading the VPC a second time.
pub fn adapt(
    vpc: &ExistingVpcSpec,
    plan: &mut moat_synth::Plan,
    live: LiveVpc,
) -> Result<ExistingVpc> {
    let vpc_plan = moat_synth::existing_vpc::adapt(plan, vpc, &live.model)?;
    Ok(ExistingVpc {
        vpc_plan,
        live: live.model,
        read_notes: live.notes,
    })
}

/// The live model of `[vpc] id`: the default credential chain, `AWS_REGION` (else the spec's
/// region), `AWS_PROFILE`, `AWS_ENDPOINT_URL`.
#[cfg(feature = "aws")]
fn read_live(spec: &Spec, vpc: &ExistingVpcSpec) -> Result<(Model, Vec<String>)> {
    use anyhow::Context;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    rt.block_on(async {
        let mut opts = moat_aws::AwsOptions::default();
        let mut aws = moat_aws::connect(&opts).await;
        if matches!(aws, Err(moat_aws::AwsError::Setup(_))) {
            opts.region = Some(spec.region.clone());
            aws = moat_aws::connect(&opts).await;
        }
        let aws = aws?;
        if aws.region.as_deref() != Some(spec.region.as_str()) {
            anyhow::bail!(
                "[vpc] {}: the spec's region is {}, but AWS is configured for {}; set AWS_REGION={}",
                vpc.id,
                spec.region,
                aws.region.as_deref().unwrap_or("no region"),
                spec.region
            );
        }
        let target = moat_aws::AuditTarget::Vpc(vpc.id.clone());
        Ok(moat_aws::audit(&aws, &target).await?)
    })
}

#[cfg(not(feature = "aws"))]
fn read_live(_: &Spec, vpc: &ExistingVpcSpec) -> Result<(Model, Vec<String>)> {
    anyhow::bail!(
        "[vpc] id = \"{}\": planning into an existing VPC reads it from the AWS account, and this moat was built without the `aws` feature.\nRebuild it with the feature (the default): cargo install --path crates/moat",
        vpc.id
    )
}

/// The model the rules judge: the live VPC with the template's resources added.
pub fn merged(live: &Model, template: &Model) -> Model {
    let mut m = live.clone();
    m.absorb(template.clone());
    m
}
