/work/main/bench/gate/loadgen/target/release/deps/gate_loadgen-ffbcc77cac8f4e0a.d: src/main.rs Cargo.toml

/work/main/bench/gate/loadgen/target/release/deps/libgate_loadgen-ffbcc77cac8f4e0a.rmeta: src/main.rs Cargo.toml

src/main.rs:
Cargo.toml:

# env-dep:CLIPPY_ARGS=
# env-dep:CLIPPY_CONF_DIR
