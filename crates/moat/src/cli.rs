//! The command-line interface (clap).

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::IsTerminal;
use std::path::PathBuf;

/// moat builds and guards isolated container workloads on AWS: ECS on Fargate in a VPC with no
/// internet gateway and no NAT, reaching AWS services only through VPC endpoints.
#[derive(Debug, Parser)]
#[command(name = "moat", version, about, long_about = None, propagate_version = true)]
#[command(
    after_help = "Exit status: 0 clean (every property proved), 1 findings at or above --fail-on\n\
or a property left unproved (unless --allow-unproved), 2 could not run.\n\
Start with `moat plan examples/isolated-service`, then `moat init YOUR-TASKDEF.json`."
)]
pub struct Cli {
    /// When to use colours in human output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    pub fn enabled(self) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
            }
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a commented moat.toml next to an ECS task definition (register- or
    /// describe-task-definition JSON), to plan an environment for it.
    Init(InitArgs),
    /// What an isolated environment for this workload needs: every endpoint with the reasons
    /// that require it, subnets, security groups, IAM, and the monthly cost.
    Plan(PlanArgs),
    /// Write the CloudFormation template that deploys the plan.
    Synth(SynthArgs),
    /// Check CloudFormation templates (nested stacks too): isolated, and every task reaches every
    /// AWS service it needs on TCP 443.
    Check(CheckArgs),
    /// List the rules.
    Rules(RulesArgs),
    /// Print one rule's documentation.
    Explain(ExplainArgs),
    /// The egress gateway: lets out only named hosts and logs every host a workload tried
    /// (`moat gate --proxy-listen …`, `moat gate report LOG`). See docs/gate.md.
    Gate(moat_gate::cli::GateCli),
    /// Draw the architecture (SVG), its Graphviz source, or an HTML report with the plan, the
    /// findings and the picture.
    Diagram(DiagramArgs),
    /// Synthesize the spec, check it, show the CloudFormation change set, confirm, deploy and
    /// follow the stack events.
    #[cfg_attr(not(feature = "aws"), command(hide = true))]
    Deploy(DeployArgs),
    /// Show what `moat deploy` would change (makes and deletes a change set; executes nothing).
    #[cfg_attr(not(feature = "aws"), command(hide = true))]
    Diff(DiffArgs),
    /// Read a live VPC (or a stack's VPCs) from the AWS account and run the same rules on it.
    #[cfg_attr(not(feature = "aws"), command(hide = true))]
    Audit(AuditArgs),
    /// Delete the stack and wait; log groups the stack retains are kept unless --delete-logs.
    #[cfg_attr(not(feature = "aws"), command(hide = true))]
    Destroy(DestroyArgs),
    /// Copy container images into a private registry (Amazon ECR) without Docker.
    Image(crate::commands::image::ImageCli),
    /// Route 53 Resolver query logs: `moat dns report LOG…` lists every name the workload tried
    /// to resolve, allowed or blocked by the DNS Firewall.
    #[command(subcommand)]
    Dns(DnsCommand),
}

#[derive(Debug, Subcommand)]
pub enum DnsCommand {
    /// List the names in Resolver query logs (JSON lines, or `aws logs filter-log-events`
    /// output): queries, allowed, blocked, failed, query types and source addresses per name.
    Report(DnsReportArgs),
}

#[derive(Debug, Args)]
pub struct DnsReportArgs {
    /// Query-log files.
    #[arg(value_name = "LOG", required = true)]
    pub logs: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    pub format: PlanFormat,
}

// One source, the file or --from-task-definition: an ArgGroup of the command. (A struct-level
// `#[group]` would be the struct's own group, holding every field, so --dir and the others
// would conflict with --from-task-definition.)
#[derive(Debug, Args)]
#[cfg_attr(
    feature = "aws",
    command(group(
        clap::ArgGroup::new("init_source")
            .required(true)
            .args(["task_definition", "from_task_definition"])
    ))
)]
pub struct InitArgs {
    /// The task definition JSON; moat.toml is written in its directory.
    #[arg(value_name = "TASKDEF.json")]
    #[cfg_attr(not(feature = "aws"), arg(required = true))]
    pub task_definition: Option<PathBuf>,
    /// Fetch the task definition from the account instead (ecs:DescribeTaskDefinition: a
    /// family, FAMILY:REVISION or an ARN), save it as task-definition.json in --dir and write
    /// moat.toml beside it.
    #[cfg(feature = "aws")]
    #[arg(long, value_name = "FAMILY[:REV]")]
    pub from_task_definition: Option<String>,
    /// Where --from-task-definition writes task-definition.json and moat.toml.
    #[cfg(feature = "aws")]
    #[arg(
        long,
        value_name = "DIR",
        default_value = ".",
        requires = "from_task_definition"
    )]
    pub dir: PathBuf,
    /// Named profile for --from-task-definition (else AWS_PROFILE).
    #[cfg(feature = "aws")]
    #[arg(long, requires = "from_task_definition")]
    pub profile: Option<String>,
    /// Endpoint for --from-task-definition (a local emulator); else AWS_ENDPOINT_URL.
    #[cfg(feature = "aws")]
    #[arg(long, value_name = "URL", requires = "from_task_definition")]
    pub endpoint_url: Option<String>,
    /// Region of the spec, when the task definition's images and log options name none.
    #[cfg_attr(
        feature = "aws",
        arg(
            help = "Region of the spec, when the task definition's images and log options name \
                    none (with --from-task-definition also the region it is read from; else \
                    AWS_REGION)"
        )
    )]
    #[arg(long)]
    pub region: Option<String>,
    /// Environment name (default: from the task definition's family).
    #[arg(long)]
    pub name: Option<String>,
    /// Replace an existing moat.toml.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// A moat.toml, or a directory holding one.
    #[arg(value_name = "SPEC")]
    pub spec: PathBuf,
    /// Output format: text for people, or JSON (the plan and the check of its template).
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    pub format: PlanFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum PlanFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct SynthArgs {
    /// A moat.toml, or a directory holding one.
    #[arg(value_name = "SPEC")]
    pub spec: PathBuf,
    /// Directory to write `template.yaml` (or `template.json`) into; `-` prints the template
    /// to stdout.
    #[arg(long, value_name = "DIR|-")]
    pub out: PathBuf,
    /// Template format: CloudFormation YAML (short-form tags) or JSON.
    #[arg(long, value_enum, default_value_t = TemplateFormatArg::Yaml)]
    pub format: TemplateFormatArg,
    /// Replace a file moat did not write (a template from an earlier `moat synth` is replaced
    /// without it).
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum TemplateFormatArg {
    Yaml,
    Json,
}

#[derive(Debug, Args)]
pub struct DiagramArgs {
    /// A moat.toml (or a directory holding one), or a CloudFormation template.
    #[arg(value_name = "SPEC|TEMPLATE")]
    pub input: PathBuf,
    /// Output file; the format follows its extension (.svg, .html, .dot) unless --format is given.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Output format: SVG picture, self-contained HTML report, or Graphviz source (default:
    /// from the --out extension).
    #[arg(long, value_enum)]
    pub format: Option<DiagramFormat>,
    /// Region, for templates (else AWS_REGION, AWS_DEFAULT_REGION, the cloud assembly's
    /// environment, the one region the template names; otherwise unknown).
    #[arg(long)]
    pub region: Option<String>,
    /// Account id, for templates (else the cloud assembly's environment, the one account the
    /// template's ARNs name; otherwise unknown).
    #[arg(long)]
    pub account_id: Option<String>,
    /// A template parameter value, `KEY=VALUE` (repeatable).
    #[arg(long = "param", value_name = "KEY=VALUE")]
    pub params: Vec<String>,
}

/// `--region`, else `AWS_REGION`, else `AWS_DEFAULT_REGION` (the AWS CLI's order:
/// https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-envvars.html); `None` leaves it
/// to the inputs.
pub fn region_from_env(given: Option<String>) -> Option<String> {
    given
        .or_else(|| std::env::var("AWS_REGION").ok())
        .or_else(|| std::env::var("AWS_DEFAULT_REGION").ok())
        .filter(|r| !r.is_empty())
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum DiagramFormat {
    Svg,
    Html,
    Dot,
}

impl DiagramArgs {
    pub fn load_options(&self) -> moat_cfn::LoadOptions {
        moat_cfn::LoadOptions {
            region: region_from_env(self.region.clone()),
            account_id: self.account_id.clone(),
            stack_name: "moat-diagram".into(),
            parameters: self
                .params
                .iter()
                .filter_map(|p| {
                    p.split_once('=')
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                })
                .collect(),
            max_scenarios: 64,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum FindingFormat {
    Text,
    Json,
    Sarif,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Template files, directories (searched recursively for templates) or CDK cloud assemblies
    /// (`cdk.out/`). Templates nested by another one given are checked through their parent;
    /// templates that import from each other are checked as one deployment.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Check only this stack of a cloud assembly (repeatable); the stacks it imports from are
    /// still read.
    #[arg(long = "stack", value_name = "NAME")]
    pub stacks: Vec<String>,
    /// List every file and folder passed over, and why.
    #[arg(long, short)]
    pub verbose: bool,
    /// A parameter value, `KEY=VALUE` (repeatable); overrides --params-file.
    #[arg(long = "param", value_name = "KEY=VALUE")]
    pub params: Vec<String>,
    /// Parameter values: CloudFormation's parameter file
    /// (`[{"ParameterKey": "K", "ParameterValue": "V"}]`) or CodePipeline's template
    /// configuration (`{"Parameters": {"K": "V"}}`).
    #[arg(long, value_name = "FILE")]
    pub params_file: Option<PathBuf>,
    /// Region for AWS::Region and endpoint service names (else AWS_REGION, AWS_DEFAULT_REGION,
    /// the cloud assembly's environment, the one region the template names; otherwise unknown).
    #[arg(long)]
    pub region: Option<String>,
    /// Account id for AWS::AccountId (else the cloud assembly's environment, the one account the
    /// template's ARNs and ECR registries name; otherwise unknown).
    #[arg(long)]
    pub account_id: Option<String>,
    /// Stack name for AWS::StackName.
    #[arg(long, default_value = "moat-check")]
    pub stack_name: String,
    /// Output format: text for people, JSON for tools, SARIF 2.1.0 for code scanning.
    #[arg(long, value_enum, default_value_t = FindingFormat::Text)]
    pub format: FindingFormat,
    /// Exit 1 when a finding at or above this severity is found.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Exit 0 even when a property is unproved (a value moat could not read leaves it open).
    /// Without it an unproved property fails the run like an error: a gate that passes what it
    /// did not read proves nothing.
    #[arg(long)]
    pub allow_unproved: bool,
    /// The strict profile: the rules an environment a bank signs off must close, not merely
    /// know about, are errors (MOAT012, a VPC whose DNS resolves any public name). Without
    /// it each rule reports at its own severity.
    #[arg(long)]
    pub strict: bool,
    /// Write the report to this file instead of stdout (replaced if it exists); the counts
    /// are still printed to the terminal.
    #[arg(long, short = 'o', visible_alias = "output", value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Most unknown-condition combinations to explore.
    #[arg(long, default_value_t = 64)]
    pub max_scenarios: usize,
    /// Accepted findings (a moat JSON report, each entry optionally with a `reason`): they are
    /// reported as suppressed and not counted. Waivers on a resource go in its
    /// `Metadata: moat: ignore: [{code, reason}]`.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Output format: a text table, or JSON (code, name, severity, summary).
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
    /// Print docs/rules.md (every rule's full documentation as Markdown).
    #[arg(long)]
    pub markdown: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ListFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Rule code (`MOAT101`) or name (`endpoint-missing`).
    pub code: String,
}

// ---- The commands that talk to AWS (built with the `aws` feature) ----

/// Where and as whom to talk to AWS.
#[derive(Debug, Clone, Args)]
pub struct AwsArgs {
    /// AWS region (else AWS_REGION, the profile's region, then the spec's region).
    #[arg(long)]
    pub region: Option<String>,
    /// Named profile from the AWS config files (else AWS_PROFILE).
    #[arg(long)]
    pub profile: Option<String>,
    /// Send every AWS call to this endpoint (a local emulator); else AWS_ENDPOINT_URL.
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
}

/// A spec and the CloudFormation stack it deploys to.
#[derive(Debug, Clone, Args)]
pub struct StackSpec {
    /// The spec: a moat.toml or the directory holding it.
    #[arg(value_name = "SPEC")]
    pub spec: PathBuf,
    /// Stack name (default: the spec's environment name).
    #[arg(long)]
    pub stack_name: Option<String>,
}

#[cfg(feature = "aws")]
impl StackSpec {
    /// `--stack-name`, else the spec's environment name.
    pub fn stack(&self, environment: &str) -> String {
        self.stack_name
            .clone()
            .unwrap_or_else(|| environment.to_string())
    }
}

/// Synthesize the spec, check it, show the change set, confirm, execute and follow it.
#[derive(Debug, Clone, Args)]
#[command(
    after_help = "Images: private ECR images are checked to exist first; `mirror = true` images are \
copied into ECR and pinned by digest. With `[images] pull_through`, pull-through cache rules the \
stack lacks are created first in a stage of their own (stage 1: the stack's current template plus \
only the new rules, shown and confirmed), the cache is warmed from this machine, and then the full \
template (stage 2) names the cached images by digest, so no service pulls through a cold cache. \
See docs/image.md."
)]
pub struct DeployArgs {
    #[command(flatten)]
    pub target: StackSpec,
    /// Do not ask for confirmation (required without a terminal).
    #[arg(long)]
    pub yes: bool,
    /// Deploy even when the rules report an error.
    #[arg(long)]
    pub force: bool,
    /// A template parameter, `KEY=VALUE` (repeatable).
    #[arg(long = "param", value_name = "KEY=VALUE")]
    pub params: Vec<String>,
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// Show what a deploy would change (creates and deletes a change set; executes nothing).
#[derive(Debug, Clone, Args)]
pub struct DiffArgs {
    #[command(flatten)]
    pub target: StackSpec,
    /// A template parameter, `KEY=VALUE` (repeatable).
    #[arg(long = "param", value_name = "KEY=VALUE")]
    pub params: Vec<String>,
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// Read a live VPC (or a stack's VPCs) and run the rules on it.
#[derive(Debug, Clone, Args)]
#[group(id = "audit_target", required = true, multiple = false, args = ["stack_name", "vpc_id"])]
#[command(mut_arg("region", |a| a.help("AWS region (else AWS_REGION, then the profile's region)")))]
pub struct AuditArgs {
    /// Audit the VPC(s) of this CloudFormation stack.
    #[arg(long)]
    pub stack_name: Option<String>,
    /// Audit this VPC.
    #[arg(long)]
    pub vpc_id: Option<String>,
    /// Output format: text for people, JSON for tools, SARIF 2.1.0 for code scanning.
    #[arg(long, value_enum, default_value_t = FindingFormat::Text)]
    pub format: FindingFormat,
    /// Exit 1 when a finding at or above this severity is found.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Exit 0 even when a property is unproved (a value moat could not read leaves it open).
    /// Without it an unproved property fails the run like an error: a gate that passes what it
    /// did not read proves nothing.
    #[arg(long)]
    pub allow_unproved: bool,
    /// The strict profile: the rules an environment a bank signs off must close, not merely
    /// know about, are errors (MOAT012, a VPC whose DNS resolves any public name). Without
    /// it each rule reports at its own severity.
    #[arg(long)]
    pub strict: bool,
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// Delete the stack and wait; retained log groups are kept unless --delete-logs.
#[derive(Debug, Clone, Args)]
pub struct DestroyArgs {
    #[command(flatten)]
    pub target: StackSpec,
    /// Do not ask for confirmation (required without a terminal).
    #[arg(long)]
    pub yes: bool,
    /// Also delete the log groups the stack retains.
    #[arg(long)]
    pub delete_logs: bool,
    #[command(flatten)]
    pub aws: AwsArgs,
}
