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
    let aws = moto.client().await;

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

    // DescribeImages: a missing repository, a missing tag, and an image that is there.
    let none = moat_aws::describe_image(&aws, None, "no/such-repo", "1")
        .await
        .expect("describe");
    assert_eq!(none, moat_aws::EcrImage::NoSuchRepository);
    let missing = moat_aws::describe_image(&aws, None, "mirror/nginx", "1.27")
        .await
        .expect("describe");
    assert_eq!(missing, moat_aws::EcrImage::NoSuchImage);
    let manifest = r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]}"#;
    aws.ecr
        .put_image()
        .repository_name("mirror/nginx")
        .image_manifest(manifest)
        .image_tag("1.27")
        .send()
        .await
        .expect("put_image");
    let found = moat_aws::describe_image(&aws, None, "mirror/nginx", "1.27")
        .await
        .expect("describe");
    let moat_aws::EcrImage::Present { digest } = &found else {
        panic!("expected the image, got {found:?}")
    };
    assert!(digest.starts_with("sha256:"), "{digest}");
    let by_digest = moat_aws::describe_image(&aws, None, "mirror/nginx", digest)
        .await
        .expect("describe by digest");
    assert_eq!(by_digest, found);
}
