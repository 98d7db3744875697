//! Copies between two real registries on loopback (Debian's `docker-registry`; the second
//! behind htpasswd basic auth): a two-platform image the test builds and pushes itself arrives
//! with identical digests, a second copy moves nothing, an interrupted copy resumes with only
//! the missing blobs, a copy inside one registry mounts instead of uploading, and the three
//! failures (unknown image, refused credentials, registry down) are told apart.
//!
//! Upload counts come from the destination registry's own access log, not from moat.

use moat_image::manifest::{self, Parsed};
use moat_image::testing::{self, LocalRegistry, TestImage};
use moat_image::{copy, CopyOptions, Credentials, ImageError, ImageRef, Repository};

struct Setup {
    plain: LocalRegistry,
    authed: LocalRegistry,
    image: TestImage,
    source: ImageRef,
}

async fn setup(name: &str) -> Option<Setup> {
    let plain = LocalRegistry::start(false)?;
    let authed = LocalRegistry::start(true)?;
    let source = plain.image(&format!("src/{name}:v1"));
    let image = testing::push_test_image(&source, &Credentials::Anonymous, testing::fresh_seed())
        .await
        .expect("push the test image");
    Some(Setup {
        plain,
        authed,
        image,
        source,
    })
}

fn to_authed() -> CopyOptions {
    CopyOptions {
        dest_credentials: testing::credentials(),
        ..CopyOptions::default()
    }
}

/// Every manifest and blob of `image` is at `at`, under the same digests, and reads back intact.
async fn assert_same_image(at: &ImageRef, image: &TestImage) {
    let repo = Repository::open(at, &testing::credentials(), false)
        .await
        .expect("open the copy");
    let (index, digest) = repo.manifest("v1").await.expect("the tag");
    assert_eq!(
        digest, image.index_digest,
        "the index digest is the source's"
    );
    let Parsed::Index { manifests, .. } = manifest::parse(&index).unwrap() else {
        panic!("the copy is not an index")
    };
    let platforms: Vec<String> = manifests
        .iter()
        .map(|m| m.platform.as_ref().unwrap().to_string())
        .collect();
    assert_eq!(platforms, ["linux/amd64", "linux/arm64"]);
    for (platform, digest) in &image.manifests {
        let (_, got) = repo.manifest(digest).await.expect(platform);
        assert_eq!(&got, digest, "{platform}");
    }
    for blob in &image.blobs {
        let bytes = repo.blob(&blob.digest).await.expect("blob");
        assert_eq!(manifest::sha256_digest(&bytes), blob.digest);
        assert_eq!(bytes.len() as u64, blob.size);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_platform_arrives_and_a_second_copy_moves_nothing() {
    let Some(s) = setup("app").await else { return };
    let dest = s.authed.image("mirror/app:v1");
    assert_eq!(
        s.image.blobs.len(),
        5,
        "one shared layer, two own, two configs"
    );

    let first = copy(&s.source, &dest, &to_authed()).await.expect("copy");
    assert_eq!(first.digest, s.image.index_digest);
    assert_eq!(first.source_digest, s.image.index_digest);
    assert_eq!(first.platforms, ["linux/amd64", "linux/arm64"]);
    assert_eq!(
        (first.blobs, first.blobs_uploaded, first.blobs_present),
        (5, 5, 0)
    );
    assert_eq!(
        first.manifests_pushed, 3,
        "two platform manifests and the index"
    );
    assert_eq!(
        first.pinned,
        format!("{}/mirror/app@{}", s.authed.host(), s.image.index_digest)
    );
    let total: u64 = s.image.blobs.iter().map(|b| b.size).sum();
    assert_eq!(first.bytes_uploaded, total);
    assert_eq!(
        s.authed.completed_uploads(),
        5,
        "the registry saw five uploads"
    );
    assert_same_image(&dest, &s.image).await;

    let second = copy(&s.source, &dest, &to_authed())
        .await
        .expect("copy again");
    assert_eq!(second.digest, s.image.index_digest);
    assert_eq!((second.blobs_uploaded, second.blobs_present), (0, 5));
    assert_eq!((second.manifests_pushed, second.manifests_present), (0, 3));
    assert_eq!(second.bytes_uploaded, 0);
    assert_eq!(s.authed.completed_uploads(), 5, "no upload the second time");
    assert_eq!(s.plain.completed_uploads(), 5, "only the test's own push");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_copy_resumes_with_only_the_missing_blobs() {
    let Some(s) = setup("resume").await else {
        return;
    };
    let dest = s.authed.image("mirror/resume:v1");
    let stop = CopyOptions {
        stop_after_blobs: Some(2),
        ..to_authed()
    };
    let err = copy(&s.source, &dest, &stop).await.unwrap_err();
    assert!(
        matches!(err, ImageError::Interrupted { uploads: 2 }),
        "{err}"
    );
    assert_eq!(s.authed.completed_uploads(), 2);
    // Nothing names the incomplete image: the tag was not pushed.
    let repo = Repository::open(&dest, &testing::credentials(), false)
        .await
        .unwrap();
    assert!(matches!(
        repo.manifest("v1").await,
        Err(ImageError::NotFound { .. })
    ));

    let resumed = copy(&s.source, &dest, &to_authed()).await.expect("resume");
    assert_eq!((resumed.blobs_present, resumed.blobs_uploaded), (2, 3));
    assert_eq!(
        s.authed.completed_uploads(),
        5,
        "each blob uploaded exactly once"
    );
    assert_same_image(&dest, &s.image).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copy_inside_one_registry_mounts_blobs_instead_of_uploading() {
    let Some(s) = setup("mount").await else {
        return;
    };
    let first = s.authed.image("mirror/mount:v1");
    copy(&s.source, &first, &to_authed()).await.expect("copy");
    let uploads = s.authed.completed_uploads();

    let second = s.authed.image("team/mount:v1");
    let opts = CopyOptions {
        source_credentials: testing::credentials(),
        ..to_authed()
    };
    let report = copy(&first, &second, &opts).await.expect("copy within");
    assert_eq!((report.blobs_mounted, report.blobs_uploaded), (5, 0));
    assert_eq!(s.authed.completed_uploads(), uploads, "nothing uploaded");
    assert_eq!(s.authed.completed_mounts(), 5);
    assert_same_image(&second, &s.image).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_platform_is_copied_as_its_own_manifest() {
    let Some(s) = setup("one").await else { return };
    let dest = s.authed.image("mirror/one:arm");
    let opts = CopyOptions {
        platforms: vec!["linux/arm64".parse().unwrap()],
        ..to_authed()
    };
    let report = copy(&s.source, &dest, &opts).await.expect("copy arm64");
    let arm = &s.image.manifests[1];
    assert_eq!(arm.0, "linux/arm64");
    assert_eq!(
        report.digest, arm.1,
        "the tag names the arm64 manifest itself"
    );
    assert_eq!(report.source_digest, s.image.index_digest);
    assert_eq!(report.blobs, 3, "shared layer, arm64 layer, arm64 config");
    assert_eq!(s.authed.completed_uploads(), 3);

    let missing = CopyOptions {
        platforms: vec!["linux/s390x".parse().unwrap()],
        ..to_authed()
    };
    let err = copy(&s.source, &dest, &missing).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{} has no platform linux/s390x (it has: linux/amd64, linux/arm64)",
            s.source
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_image_refused_credentials_and_a_down_registry_are_told_apart() {
    let Some(s) = setup("errors").await else {
        return;
    };
    let dest = s.authed.image("mirror/errors:v1");

    let unknown = s.plain.image("src/errors:no-such-tag");
    let not_found = copy(&unknown, &dest, &to_authed()).await.unwrap_err();
    assert!(
        matches!(not_found, ImageError::NotFound { .. }),
        "{not_found}"
    );

    let wrong = CopyOptions {
        dest_credentials: Credentials::Basic {
            username: testing::USER.into(),
            password: "wrong".into(),
        },
        ..CopyOptions::default()
    };
    let refused = copy(&s.source, &dest, &wrong).await.unwrap_err();
    assert!(
        matches!(refused, ImageError::Unauthorized { .. }),
        "{refused}"
    );
    let err = copy(&s.source, &dest, &CopyOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err, ImageError::Unauthorized { .. }),
        "anonymous: {err}"
    );

    let down: ImageRef = format!("127.0.0.1:{}/src/app:v1", testing::free_port())
        .parse()
        .unwrap();
    let unreachable = copy(&down, &dest, &to_authed()).await.unwrap_err();
    assert!(
        matches!(unreachable, ImageError::Unreachable { .. }),
        "{unreachable}"
    );
    for e in [not_found, refused, unreachable] {
        let line = e.to_string();
        eprintln!("{line}");
        assert!(!line.contains('\n') && !line.is_empty(), "one line: {line}");
    }
    assert_eq!(
        s.authed.completed_uploads(),
        0,
        "no failed copy uploaded anything"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blob_whose_bytes_do_not_match_its_digest_is_refused() {
    let Some(s) = setup("corrupt").await else {
        return;
    };
    let layer = &s.image.blobs[0];
    s.plain.corrupt_blob(&layer.digest);
    let dest = s.authed.image("mirror/corrupt:v1");
    let err = copy(&s.source, &dest, &to_authed()).await.unwrap_err();
    let line = err.to_string();
    eprintln!("{line}");
    assert!(matches!(err, ImageError::DigestMismatch { .. }), "{line}");
    assert!(line.contains(&layer.digest), "{line}");
    // The corrupt blob was not committed, and nothing names the image.
    let repo = Repository::open(&dest, &testing::credentials(), false)
        .await
        .unwrap();
    assert!(repo.blob(&layer.digest).await.is_err());
    assert!(matches!(
        repo.manifest("v1").await,
        Err(ImageError::NotFound { .. })
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manifest_whose_bytes_do_not_match_its_digest_is_refused() {
    let Some(s) = setup("badmanifest").await else {
        return;
    };
    let (platform, digest) = &s.image.manifests[0];
    // Still valid JSON (the registry parses manifests it serves), other bytes.
    s.plain.tamper_blob(digest, |bytes| bytes.push(b' '));
    let dest = s.authed.image("mirror/badmanifest:v1");
    let err = copy(&s.source, &dest, &to_authed()).await.unwrap_err();
    let line = err.to_string();
    assert!(
        matches!(err, ImageError::DigestMismatch { .. }),
        "{platform}: {line}"
    );
    assert!(line.contains(digest.as_str()), "{line}");
    assert_eq!(
        s.authed.completed_uploads(),
        0,
        "nothing moved before the check"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pull_reads_every_manifest_and_blob_and_checks_them() {
    let Some(s) = setup("pull").await else {
        return;
    };
    let report = moat_image::pull(&s.source, &Credentials::Anonymous, false)
        .await
        .expect("pull");
    assert_eq!(report.digest, s.image.index_digest);
    assert_eq!(report.blobs, s.image.blobs.len());
    assert_eq!(
        report.bytes,
        s.image.blobs.iter().map(|b| b.size).sum::<u64>()
    );
    // A blob whose bytes do not match its digest is refused, naming it.
    let layer = &s.image.blobs[0];
    s.plain.corrupt_blob(&layer.digest);
    let err = moat_image::pull(&s.source, &Credentials::Anonymous, false)
        .await
        .unwrap_err();
    let line = err.to_string();
    assert!(matches!(err, ImageError::DigestMismatch { .. }), "{line}");
    assert!(line.contains(&layer.digest), "{line}");
    // An unknown image is NotFound, one line.
    let err = moat_image::pull(
        &s.plain.image("src/nothing:v1"),
        &Credentials::Anonymous,
        false,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, ImageError::NotFound { .. }), "{err}");
}
