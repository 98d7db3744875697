//! moat-aws's ECR calls against a local moto_server (loopback only; never real AWS): the
//! registry login from `GetAuthorizationToken` and the repository made with scan on push and
//! immutable tags, once. Without moto_server the test says why and passes, unless `CI` is set.

#[path = "support/moto_server.rs"]
mod moto_server;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ecr_login_and_repository_creation() {
    let Some(moto) = moto_server::start() else {
        return;
    };
    for (k, v) in [
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("AWS_CONFIG_FILE", "/nonexistent/moat-test-config"),
        (
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/moat-test-credentials",
        ),
    ] {
        std::env::set_var(k, v);
    }
    let aws = moat_aws::connect(&moat_aws::AwsOptions {
        region: Some("us-east-1".into()),
        profile: None,
        endpoint_url: Some(moto.url.clone()),
    })
    .await
    .expect("connect");

    let login = moat_aws::ecr_login(&aws, Some("123456789012"))
        .await
        .expect("GetAuthorizationToken");
    assert_eq!(login.username, "AWS");
    assert!(!login.password.is_empty());
    assert_eq!(
        login.proxy_endpoint.as_deref(),
        Some("https://123456789012.dkr.ecr.us-east-1.amazonaws.com")
    );
    assert!(
        !format!("{login:?}").contains(&login.password),
        "the password is redacted"
    );

    let first = moat_aws::ensure_repository(&aws, "mirror/nginx", None)
        .await
        .expect("create");
    assert_eq!(first, moat_aws::RepositoryOutcome::Created);
    let again = moat_aws::ensure_repository(&aws, "mirror/nginx", None)
        .await
        .expect("exists");
    assert_eq!(again, moat_aws::RepositoryOutcome::Existed);
    let settings = moat_aws::repository_settings(&aws, "mirror/nginx")
        .await
        .expect("describe");
    assert_eq!(settings, (true, "IMMUTABLE".to_string()));
}
