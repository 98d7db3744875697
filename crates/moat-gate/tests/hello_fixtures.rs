//! The pure ClientHello parser against hellos recorded from real clients
//! (tests/fixtures/hellos.tsv says how each was made), whole, cut at every length,
//! re-framed into several TLS records, and fed to the async detector in small pieces.

use std::path::Path;
use std::time::Duration;

use moat_gate::detect::{read_client_hello, DetectError, DetectOptions};
use moat_gate::hello::{parse_client_hello, HelloError};
use tokio::io::AsyncWriteExt;

struct Fixture {
    file: String,
    bytes: Vec<u8>,
    sni: Option<String>,
}

fn fixtures() -> Vec<Fixture> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let manifest = std::fs::read_to_string(dir.join("hellos.tsv")).unwrap();
    let list: Vec<Fixture> = manifest
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let mut cols = l.split('\t');
            let file = cols.next().unwrap().to_string();
            let sni = cols.next().unwrap();
            Fixture {
                bytes: std::fs::read(dir.join(&file)).unwrap(),
                sni: (sni != "-").then(|| sni.to_string()),
                file,
            }
        })
        .collect();
    assert!(list.len() >= 8, "fixtures missing");
    list
}

/// The handshake message of a single-record hello, re-framed into records of at
/// most `chunk` bytes (what a client fragmenting its hello sends).
fn reframe(hello: &[u8], chunk: usize) -> Vec<u8> {
    let len = usize::from(u16::from_be_bytes([hello[3], hello[4]]));
    let msg = &hello[5..5 + len];
    let mut out = Vec::new();
    for piece in msg.chunks(chunk) {
        out.extend_from_slice(&[22, 3, 1]);
        out.extend_from_slice(&(piece.len() as u16).to_be_bytes());
        out.extend_from_slice(piece);
    }
    out
}

fn answer(b: &[u8]) -> Option<String> {
    parse_client_hello(b).unwrap().map(|s| s.into_string())
}

#[test]
fn every_fixture_gives_its_recorded_sni() {
    for f in fixtures() {
        assert_eq!(answer(&f.bytes), f.sni, "{}", f.file);
    }
}

#[test]
fn every_strict_prefix_is_incomplete() {
    for f in fixtures() {
        for framing in [None, Some(1), Some(7), Some(100)] {
            let bytes = match framing {
                None => f.bytes.clone(),
                Some(c) => reframe(&f.bytes, c),
            };
            assert_eq!(answer(&bytes), f.sni, "{} framed {framing:?}", f.file);
            for cut in 0..bytes.len() {
                match parse_client_hello(&bytes[..cut]) {
                    Err(HelloError::Incomplete { needed }) => {
                        assert!(
                            needed >= 1 && cut + needed <= bytes.len(),
                            "{} cut {cut}",
                            f.file
                        )
                    }
                    other => panic!("{} framed {framing:?} cut at {cut}: {other:?}", f.file),
                }
            }
        }
    }
}

#[test]
fn corrupted_bytes_never_panic_or_invent_a_name() {
    for f in fixtures() {
        for i in 0..f.bytes.len() {
            for flip in [0x01u8, 0x80, 0xff] {
                let mut b = f.bytes.clone();
                b[i] ^= flip;
                // Any answer is acceptable except a panic; a name, if any, is well formed.
                if let Ok(Some(sni)) = parse_client_hello(&b) {
                    assert!(sni.as_str().bytes().all(|c| c.is_ascii_graphic()));
                }
            }
        }
    }
}

#[tokio::test]
async fn detector_reassembles_tiny_segments_of_several_records() {
    let f = fixtures()
        .into_iter()
        .find(|f| f.file.starts_with("derived-grease"))
        .unwrap();
    let wire = reframe(&f.bytes, 50);
    let (mut client, mut server) = tokio::io::duplex(64);
    let sent = wire.clone();
    let writer = tokio::spawn(async move {
        for seg in sent.chunks(3) {
            client.write_all(seg).await.unwrap();
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
        client
    });
    let mut buf = Vec::new();
    let (sni, used) = read_client_hello(&mut server, &mut buf, DetectOptions::default())
        .await
        .unwrap();
    assert_eq!(sni.map(|s| s.into_string()), f.sni);
    assert_eq!(
        used,
        wire.len(),
        "the hello's records end where the wire does"
    );
    // Everything read is kept for replay to the upstream, byte for byte.
    assert_eq!(buf, wire[..buf.len()]);
    assert_eq!(buf.len(), wire.len());
    drop(writer.await.unwrap());
}

#[tokio::test]
async fn detector_times_out_on_a_stalled_hello_and_caps_size() {
    let f = &fixtures()[0];
    let (mut client, mut server) = tokio::io::duplex(4096);
    client
        .write_all(&f.bytes[..f.bytes.len() / 2])
        .await
        .unwrap();
    let opts = DetectOptions {
        timeout: Duration::from_millis(200),
        ..DetectOptions::default()
    };
    let mut buf = Vec::new();
    let r = read_client_hello(&mut server, &mut buf, opts).await;
    assert!(matches!(r, Err(DetectError::Timeout(_))), "{r:?}");

    let (mut client, mut server) = tokio::io::duplex(4096);
    client.write_all(&f.bytes).await.unwrap();
    let opts = DetectOptions {
        max_len: 100,
        ..DetectOptions::default()
    };
    let mut buf = Vec::new();
    let r = read_client_hello(&mut server, &mut buf, opts).await;
    assert!(matches!(r, Err(DetectError::TooLarge(100))), "{r:?}");
    assert_eq!(buf.len(), 100, "never reads past the cap");

    let (mut client, mut server) = tokio::io::duplex(4096);
    client.write_all(&f.bytes[..10]).await.unwrap();
    drop(client);
    let r = read_client_hello(&mut server, &mut Vec::new(), DetectOptions::default()).await;
    assert!(matches!(r, Err(DetectError::Closed)), "{r:?}");
}
