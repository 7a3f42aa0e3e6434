//! The `[pin]` table of a state file: the compiled model the run follows,
//! kept in the file so that the run can always be shown and reported, even
//! after its playbook (or a catalogue it uses) changed, moved or stopped
//! compiling.
//!
//! The model is its JSON export (`playbook export --to json`, with the
//! catalogue paths cut to file names as the fingerprint cuts them),
//! compressed with DEFLATE (zlib) and written in Base64 on one line (a
//! string over several lines could hold a line that reads like the start
//! of the log). Reading it back checks it against the run's `fingerprint`: a pin
//! that does not hash to it is refused, never trusted.
//!
//! The pin is written when a run starts and when it is migrated; a file
//! written before pins existed gets one at its next change (a change is
//! only made when the playbook's fingerprint is the run's, so the model
//! pinned then is the one the run followed).

use crate::ir::Playbook;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use sha2::Digest;
use std::io::{Read, Write};

/// How the model is written: the only encoding this build knows.
pub const ENCODING: &str = "json+zlib+base64";

/// The `[pin]` table as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pin {
    pub encoding: String,
    pub model: String,
}

impl Pin {
    /// The pin of `model`.
    pub fn of(model: &Playbook) -> Pin {
        let json = normalised_json(model);
        // zlib's default level: at 10k steps half the time of the best
        // level (166 against 322 ms) for a pin 0.6% larger. A pin is read
        // back whatever the level it was written with.
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        // Writing into a vector cannot fail.
        let _ = z.write_all(&json);
        let bytes = z.finish().unwrap_or_default();
        let model = base64::engine::general_purpose::STANDARD.encode(bytes);
        Pin {
            encoding: ENCODING.to_string(),
            model,
        }
    }

    /// The model pinned, checked against the run's fingerprint.
    pub fn model(&self, expected: &str) -> Result<Playbook, String> {
        if self.encoding != ENCODING {
            return Err(format!(
                "the pinned model is written as `{}`; this version of playbook reads `{ENCODING}`",
                self.encoding
            ));
        }
        let b64: String = self.model.chars().filter(|c| !c.is_whitespace()).collect();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|e| format!("the pinned model is not Base64: {e}"))?;
        let mut json = Vec::new();
        flate2::read::ZlibDecoder::new(&bytes[..])
            // A bound on what a hostile pin can make us allocate.
            .take(MAX_MODEL)
            .read_to_end(&mut json)
            .map_err(|e| format!("the pinned model is not zlib data: {e}"))?;
        let mut model: Playbook = serde_json::from_slice(&json)
            .map_err(|e| format!("the pinned model is not a playbook's model: {e}"))?;
        // The pin holds the very bytes the fingerprint hashes; a pin
        // written otherwise (by an older build) is checked by the model it
        // gives.
        if hex_sha256(&json) != expected {
            let found = fingerprint(&model);
            if found != expected {
                return Err(format!(
                    "the pinned model does not match the run's fingerprint (it hashes to {})",
                    &found[..found.len().min(19)]
                ));
            }
        }
        model.rebuild_after_load();
        Ok(model)
    }
}

/// The fingerprint of a compiled model: a hash of its JSON export, with
/// the paths of `use`d catalogues cut to their file names, so that the
/// same playbook reached by another path has the same fingerprint.
pub fn fingerprint(model: &Playbook) -> String {
    hex_sha256(&normalised_json(model))
}

/// `sha256:` and the hex SHA-256 of `bytes`.
fn hex_sha256(bytes: &[u8]) -> String {
    let digest = sha2::Sha256::digest(bytes);
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for b in digest {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// A model's JSON export, keys sorted, with the paths of `use`d catalogues
/// cut to their file names: what the fingerprint hashes and the pin keeps
/// (see `super::canonical`).
pub fn normalised_json(model: &Playbook) -> Vec<u8> {
    let mut json = Vec::new();
    super::canonical::write(model, &mut json);
    json
}

/// The largest model a pin may hold, uncompressed: 256 MiB.
const MAX_MODEL: u64 = 256 << 20;
