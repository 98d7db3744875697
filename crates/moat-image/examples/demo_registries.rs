//! Two local registries and a two-platform image in the first, for trying `moat image copy`
//! by hand (e.g. to watch the progress bar). Prints the command to run; Ctrl-C stops both.
//!
//! `cargo run -p moat-image --example demo_registries [LAYER_MIB]`

use moat_image::testing::{self, LocalRegistry};
use moat_image::Credentials;

fn main() {
    let mib: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20);
    let (Some(source), Some(dest)) = (LocalRegistry::start(false), LocalRegistry::start(true))
    else {
        eprintln!("docker-registry is not installed (apt-get install docker-registry)");
        std::process::exit(2);
    };
    let image = source.image("demo/app:v1");
    let pushed = moat_image::block_on(testing::push_test_image_sized(
        &image,
        &Credentials::Anonymous,
        testing::fresh_seed(),
        mib << 20,
    ))
    .expect("push the demo image");
    println!("source {image} ({})", pushed.index_digest);
    println!(
        "MOAT_DEST_PASSWORD={} moat image copy {image} {}/mirror/app --dest-username {}",
        testing::PASSWORD,
        dest.host(),
        testing::USER
    );
    loop {
        std::thread::sleep(std::time::Duration::from_secs(3600));
    }
}
