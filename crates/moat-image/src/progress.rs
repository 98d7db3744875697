//! The progress bar on stderr: bytes moved of bytes to move, and blobs done of blobs to check.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Drawn only when asked (the CLI asks when stderr is a terminal).
pub(crate) struct Progress {
    bar: ProgressBar,
    blobs_total: AtomicUsize,
    blobs_done: AtomicUsize,
}

impl Progress {
    pub(crate) fn new(visible: bool) -> Progress {
        let target = if visible {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let bar = ProgressBar::with_draw_target(Some(0), target);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} {msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.set_message("reading manifests");
        Progress {
            bar,
            blobs_total: AtomicUsize::new(0),
            blobs_done: AtomicUsize::new(0),
        }
    }

    /// The work is known: `blobs` to check, of which `bytes` must be moved.
    pub(crate) fn plan(&self, blobs: usize, bytes: u64) {
        self.blobs_total.store(blobs, Ordering::Relaxed);
        self.bar.set_length(bytes);
        self.refresh();
    }

    /// Bytes that need not move after all (a mounted blob) count as moved.
    pub(crate) fn bytes(&self, n: u64) {
        self.bar.inc(n);
    }

    pub(crate) fn blob_done(&self) {
        self.blobs_done.fetch_add(1, Ordering::Relaxed);
        self.refresh();
    }

    /// A handle for a byte counter that must be `'static` (the upload body).
    pub(crate) fn bar_handle(&self) -> ProgressBar {
        self.bar.clone()
    }

    fn refresh(&self) {
        self.bar.set_message(format!(
            "blobs {}/{}",
            self.blobs_done.load(Ordering::Relaxed),
            self.blobs_total.load(Ordering::Relaxed)
        ));
    }

    pub(crate) fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
