//! The `moat` command line.
fn main() {
    println!("moat");
}
