//! Images and ECR through the real binary, against a local moto_server (ECR's API:
//! `GetAuthorizationToken`, `CreateRepository`, `DescribeImages`, and CloudFormation for the
//! deploy) and local `docker-registry` processes standing in for the registries themselves
//! (moto emulates ECR's API, not its registry): `MOAT_REGISTRY_ENDPOINTS` sends the ECR
//! registry's traffic (and Docker Hub's) to them. The ECR stand-in asks for basic auth with
//! the user and password moto's `GetAuthorizationToken` hands out, so the copy works only if
//! moat logged in through the AWS API. Everything is on loopback.
//!
//! Without moto_server or docker-registry the tests say why and pass, unless `CI` is set.

#[path = "support/moat_cli.rs"]
mod moat_cli;
#[path = "../../moat-aws/tests/support/moto_server.rs"]
mod moto_server;

use assert_cmd::Command;
use moat_image::testing::{self, LocalRegistry, TestImage};
use moat_image::Credentials;
use moto_server::MotoServer;
use std::path::Path;

const ACCOUNT: &str = "123456789012";
const ECR: &str = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
/// What moto's GetAuthorizationToken returns as the password for `ACCOUNT`
/// (moto/ecr/responses.py: `f"{registry_id}-auth-token"`).
const MOTO_PASSWORD: &str = "123456789012-auth-token";

fn moat(moto: &MotoServer, routes: &str) -> Command {
    let mut c = moat_cli::against(&moto.url);
    c.env_remove("MOAT_SRC_PASSWORD")
        .env_remove("MOAT_DEST_PASSWORD")
        .env("MOAT_REGISTRY_ENDPOINTS", routes);
    c
}

fn run(c: &mut Command) -> (i32, String, String) {
    let out = c.output().expect("run moat");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A plain registry holding a generated two-platform image at `path`, and an "ECR" registry
/// that accepts only moto's ECR password.
fn registries(path: &str) -> Option<(LocalRegistry, LocalRegistry, TestImage)> {
    let source = LocalRegistry::start(false)?;
    let ecr = LocalRegistry::start_with(Some(("AWS", MOTO_PASSWORD)))?;
    let image = moat_image::block_on(testing::push_test_image(
        &source.image(path),
        &Credentials::Anonymous,
        testing::fresh_seed(),
    ))
    .expect("push the test image");
    Some((source, ecr, image))
}

#[test]
fn image_copy_to_ecr_logs_in_from_the_credential_chain_and_creates_the_repository() {
    let Some(moto) = moto_server::start() else {
        return;
    };
    let Some((source, ecr, image)) = registries("src/app:v1") else {
        return;
    };
    let routes = format!("{ECR}={}", ecr.host());
    let src = format!("{}/src/app:v1", source.host());
    let dest = format!("{ECR}/mirror/app:v1");

    let (code, stdout, stderr) = run(moat(&moto, &routes).args(["image", "copy", &src, &dest]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stdout.trim(),
        format!("{ECR}/mirror/app@{}", image.index_digest),
        "stdout is the ECR reference pinned by digest"
    );
    assert!(
        stderr.contains("created ECR repository mirror/app (scan on push, immutable tags)"),
        "{stderr}"
    );
    assert_eq!(
        ecr.completed_uploads(),
        5,
        "every blob reached the registry"
    );
    let settings = moat_image::block_on(async {
        moat_aws::repository_settings(&moto.client().await, "mirror/app").await
    })
    .expect("the repository exists in moto");
    assert_eq!(settings, (true, "IMMUTABLE".to_string()));

    // Again: the repository exists (not created twice) and nothing is uploaded.
    let (code, _, stderr) = run(moat(&moto, &routes).args(["image", "copy", &src, &dest]));
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("created ECR repository"), "{stderr}");
    assert_eq!(ecr.completed_uploads(), 5);
}

#[test]
fn a_refused_ecr_login_is_one_line_and_exit_2() {
    let Some(moto) = moto_server::start() else {
        return;
    };
    let Some(source) = LocalRegistry::start(false) else {
        return;
    };
    // This "ECR" wants a password moto never hands out.
    let Some(ecr) = LocalRegistry::start_with(Some(("AWS", "another-password"))) else {
        return;
    };
    moat_image::block_on(testing::push_test_image(
        &source.image("src/app:v1"),
        &Credentials::Anonymous,
        testing::fresh_seed(),
    ))
    .expect("push");
    let routes = format!("{ECR}={}", ecr.host());
    let src = format!("{}/src/app:v1", source.host());
    let (code, stdout, stderr) =
        run(moat(&moto, &routes).args(["image", "copy", &src, &format!("{ECR}/mirror/app:v1")]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.is_empty());
    assert_eq!(stderr.trim().lines().count(), 2, "{stderr}"); // the "created" note + the error
    let last = stderr.trim().lines().last().unwrap_or_default();
    assert!(
        last.starts_with("error: authentication to 127.0.0.1:") && last.contains("failed"),
        "{stderr}"
    );
}

/// A spec whose one service runs `image` (optionally `mirror = true`).
fn write_spec(dir: &Path, image: &str, mirror: bool) {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/isolated-service");
    let td = std::fs::read_to_string(example.join("task-definition.json"))
        .expect("example task definition")
        .replace(
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/isolated-service:latest",
            image,
        );
    std::fs::write(dir.join("task-definition.json"), td).expect("write td");
    let toml = format!(
        "name = \"mirrored\"\nregion = \"us-east-1\"\naccount_id = \"{ACCOUNT}\"\n\
         [[service]]\nname = \"app\"\ntask_definition = \"task-definition.json\"\n\
         desired_count = 1\n{}",
        if mirror { "mirror = true\n" } else { "" }
    );
    std::fs::write(dir.join("moat.toml"), toml).expect("write moat.toml");
}

#[test]
fn deploy_refuses_a_private_image_that_is_not_in_ecr_naming_service_and_image() {
    let Some(moto) = moto_server::start() else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let image = format!("{ECR}/not-pushed:1.0");
    write_spec(dir.path(), &image, false);
    let (code, stdout, stderr) = run(moat(&moto, "")
        .args(["deploy", "--yes", "--stack-name", "missing-image"])
        .arg(dir.path()));
    assert_eq!(code, 2, "{stdout}{stderr}");
    let line = stderr.trim();
    assert_eq!(line.lines().count(), 1, "{stderr}");
    assert!(
        line.contains("service app: image") && line.contains(&image),
        "{stderr}"
    );
    assert!(
        line.contains("there is no repository not-pushed"),
        "{stderr}"
    );
    // Nothing was deployed.
    let state = moat_image::block_on(async {
        moat_aws::stack_status(&moto.client().await, "missing-image").await
    })
    .expect("DescribeStacks");
    assert_eq!(state, moat_aws::StackState::Absent, "no stack was created");
}

#[test]
fn deploy_copies_a_mirrored_image_and_pins_it_by_digest() {
    let Some(moto) = moto_server::start() else {
        return;
    };
    // Docker Hub's `nginx:1.27` is `library/nginx:1.27` on the (stand-in) Docker Hub.
    let Some((hub, ecr, image)) = registries("library/nginx:1.27") else {
        return;
    };
    let routes = format!("docker.io={},{ECR}={}", hub.host(), ecr.host());
    let dir = tempfile::tempdir().expect("tempdir");
    write_spec(dir.path(), "nginx:1.27", true);
    let pinned = format!("{ECR}/nginx@{}", image.index_digest);

    let (code, stdout, stderr) = run(moat(&moto, &routes)
        .args(["deploy", "--yes", "--stack-name", "mirrored"])
        .arg(dir.path()));
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains(&format!(
            "Copied nginx:1.27 -> {pinned} (5 blobs, 5 uploaded"
        )),
        "{stdout}"
    );
    assert_eq!(ecr.completed_uploads(), 5);
    // The deployed template names the copy by digest.
    let template = moat_image::block_on(async {
        let aws = moto.client().await;
        aws.cfn
            .get_template()
            .stack_name("mirrored")
            .send()
            .await
            .expect("GetTemplate")
            .template_body
            .unwrap_or_default()
    });
    assert!(template.contains(&pinned), "{template}");
    assert!(!template.contains("nginx:1.27"), "{template}");

    // A second deploy copies nothing new and has nothing to change.
    let (code, stdout, stderr) = run(moat(&moto, &routes)
        .args(["deploy", "--yes", "--stack-name", "mirrored"])
        .arg(dir.path()));
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("0 uploaded"), "{stdout}");
    assert!(stdout.contains("up to date"), "{stdout}");
    assert_eq!(ecr.completed_uploads(), 5);
}

/// A spec whose one service runs `public.ecr.aws/team/app:v1` through an ECR pull-through
/// cache rule (`[images] pull_through`).
fn write_pull_through_spec(dir: &Path) {
    write_spec(dir, "public.ecr.aws/team/app:v1", false);
    let toml = std::fs::read_to_string(dir.join("moat.toml")).expect("spec");
    let toml = toml.replacen(
        "[[service]]",
        "[images]\npull_through = [\"public.ecr.aws\"]\n\n[[service]]",
        1,
    );
    std::fs::write(dir.join("moat.toml"), toml).expect("write moat.toml");
}

/// The stack's template as CloudFormation (moto) holds it.
fn deployed_template(moto: &MotoServer, stack: &str) -> String {
    moat_image::block_on(async {
        moto.client()
            .await
            .cfn
            .get_template()
            .stack_name(stack)
            .send()
            .await
            .expect("GetTemplate")
            .template_body
            .unwrap_or_default()
    })
}

/// Upstream registry (`public.ecr.aws` stand-in) holding the image, and the "ECR" registry as
/// a pull-through cache of it that asks for moto's ECR password. The image is kept upstream as
/// `ecr-public/team/app` because docker-registry's proxy keeps the whole repository name, where
/// ECR strips the rule's prefix.
fn pull_through_registries() -> Option<(LocalRegistry, LocalRegistry, TestImage)> {
    let upstream = LocalRegistry::start(false)?;
    let cache = LocalRegistry::start_proxy(&upstream.host(), Some(("AWS", MOTO_PASSWORD)))?;
    let image = moat_image::block_on(testing::push_test_image(
        &upstream.image("ecr-public/team/app:v1"),
        &Credentials::Anonymous,
        testing::fresh_seed(),
    ))
    .expect("push the test image upstream");
    Some((upstream, cache, image))
}

/// The position of `needle` in `haystack`, failing the test with the text when absent.
fn at(haystack: &str, needle: &str) -> usize {
    haystack
        .find(needle)
        .unwrap_or_else(|| panic!("`{needle}` missing in:\n{haystack}"))
}

/// What moto can and cannot stand for here: its CloudFormation accepts the template but does
/// not create an `AWS::ECR::PullThroughCacheRule` (it skips types it does not model), and it
/// has no `DescribePullThroughCacheRules`; the local proxy registry plays the cache. What is
/// tested is moat's order: stage 1 (the rule alone) runs, then the warm through the cache, then
/// the full template with the image pinned by the digest the warm returned.
#[test]
fn deploy_creates_the_rule_first_warms_the_cache_then_deploys_pinned_services() {
    let Some(moto) = moto_server::start() else {
        return;
    };
    let Some((_upstream, cache, image)) = pull_through_registries() else {
        return;
    };
    let routes = format!("{ECR}={}", cache.host());
    let dir = tempfile::tempdir().expect("tempdir");
    write_pull_through_spec(dir.path());
    let stack = "cached-app";
    let pinned = format!("{ECR}/ecr-public/team/app@{}", image.index_digest);

    let (code, stdout, stderr) = run(moat(&moto, &routes)
        .args(["deploy", "--yes", "--stack-name", stack])
        .arg(dir.path()));
    assert_eq!(code, 0, "{stdout}{stderr}");
    let stage1 = at(
        &stdout,
        "Stage 1 of 2: add the pull-through cache rule(s) EcrPublicPullThroughCacheRule to stack cached-app alone",
    );
    let stage1_changes = at(&stdout, "Stack cached-app (create): 1 change(s)\n  + EcrPublicPullThroughCacheRule (AWS::ECR::PullThroughCacheRule)\n");
    let stage1_done = at(&stdout, "Stage 1 of 2: stack cached-app: CREATE_COMPLETE");
    let warmed = at(
        &stdout,
        &format!("Warmed the pull-through cache: public.ecr.aws/team/app:v1 -> {pinned}"),
    );
    let stage2 = at(&stdout, "Stage 2 of 2: the full template");
    let services = at(&stdout, "Stack cached-app (update):");
    let service = at(&stdout, "(AWS::ECS::Service)");
    assert!(
        stage1 < stage1_changes
            && stage1_changes < stage1_done
            && stage1_done < warmed
            && warmed < stage2
            && stage2 < services
            && services < service,
        "{stdout}"
    );
    assert!(
        cache.manifests_served() >= 1,
        "the warm pulled through the cache"
    );
    let template = deployed_template(&moto, stack);
    assert!(template.contains(&pinned), "{template}");
    assert!(!template.contains("team/app:v1"), "{template}");

    // Again: the stack has the rule, so no stage 1; the warm pins the same digest and there
    // is nothing to change.
    let (code, stdout, stderr) = run(moat(&moto, &routes)
        .args(["deploy", "--yes", "--stack-name", stack])
        .arg(dir.path()));
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(!stdout.contains("Stage 1"), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "Warmed the pull-through cache: public.ecr.aws/team/app:v1 -> {pinned}"
        )),
        "{stdout}"
    );
    assert!(stdout.contains("up to date"), "{stdout}");
}

/// A warm that fails (the upstream does not have the image) stops after stage 1: exit 2, a
/// message saying what the stack holds, and the stack holds the rule and nothing else.
#[test]
fn a_failed_warm_stops_before_the_services_and_says_what_stage_1_left() {
    let Some(moto) = moto_server::start() else {
        return;
    };
    let Some(upstream) = LocalRegistry::start(false) else {
        return;
    };
    let Some(cache) = LocalRegistry::start_proxy(&upstream.host(), Some(("AWS", MOTO_PASSWORD)))
    else {
        return;
    };
    let routes = format!("{ECR}={}", cache.host());
    let dir = tempfile::tempdir().expect("tempdir");
    write_pull_through_spec(dir.path());
    let stack = "cold-cache";

    let (code, stdout, stderr) = run(moat(&moto, &routes)
        .args(["deploy", "--yes", "--stack-name", stack])
        .arg(dir.path()));
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(
        stdout.contains("Stage 1 of 2: stack cold-cache: CREATE_COMPLETE"),
        "{stdout}"
    );
    assert!(!stdout.contains("Stage 2"), "{stdout}");
    let last = stderr.trim().lines().last().unwrap_or_default();
    assert!(
        last.starts_with("error: stage 1 created EcrPublicPullThroughCacheRule in stack cold-cache and nothing else; the services were not created or changed")
            && last.contains("warming the pull-through cache (ecr-public/) with public.ecr.aws/team/app:v1"),
        "{stderr}"
    );
    let template = deployed_template(&moto, stack);
    assert!(
        template.contains("AWS::ECR::PullThroughCacheRule"),
        "{template}"
    );
    assert!(!template.contains("AWS::ECS::"), "{template}");
}

/// A stack deployed before it named images through a cache gains the rule in stage 1 as an
/// update of its current template: CloudFormation (moto) sees one addition and nothing else
/// (the guard would stop the deploy otherwise), the stack's parameters keep their values, and
/// stage 2 moves the service to the warmed image.
#[test]
fn an_existing_stack_gains_only_the_rule_in_stage_1() {
    let Some(moto) = moto_server::start() else {
        return;
    };
    let Some((_upstream, cache, image)) = pull_through_registries() else {
        return;
    };
    let routes = format!("{ECR}={}", cache.host());
    let dir = tempfile::tempdir().expect("tempdir");
    let stack = "grown-app";
    // First the service with an image of the stack's own repository (pushed later).
    write_spec(dir.path(), &format!("{ECR}/app:1"), false);
    let toml = std::fs::read_to_string(dir.path().join("moat.toml")).expect("spec");
    let with_repo = toml.replacen(
        "[[service]]",
        "ecr_repositories = [\"app\"]\n[[service]]",
        1,
    );
    std::fs::write(dir.path().join("moat.toml"), &with_repo).expect("write");
    let (code, stdout, stderr) = run(moat(&moto, &routes)
        .args(["deploy", "--yes", "--stack-name", stack])
        .arg(dir.path()));
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(!stdout.contains("Stage 1"), "{stdout}");

    write_pull_through_spec(dir.path());
    let toml = std::fs::read_to_string(dir.path().join("moat.toml")).expect("spec");
    let toml = toml.replacen("[images]", "ecr_repositories = [\"app\"]\n[images]", 1);
    std::fs::write(dir.path().join("moat.toml"), toml).expect("write");
    let (code, stdout, stderr) = run(moat(&moto, &routes)
        .args(["deploy", "--yes", "--stack-name", stack])
        .arg(dir.path()));
    assert_eq!(code, 0, "{stdout}{stderr}");
    let stage1 = at(
        &stdout,
        "Stack grown-app (update): 1 change(s)\n  + EcrPublicPullThroughCacheRule (AWS::ECR::PullThroughCacheRule)\n",
    );
    let warmed = at(
        &stdout,
        "Warmed the pull-through cache: public.ecr.aws/team/app:v1",
    );
    let stage2 = at(&stdout, "Stage 2 of 2");
    assert!(stage1 < warmed && warmed < stage2, "{stdout}");
    let template = deployed_template(&moto, stack);
    assert!(
        template.contains(&format!("{ECR}/ecr-public/team/app@{}", image.index_digest)),
        "{template}"
    );
}
