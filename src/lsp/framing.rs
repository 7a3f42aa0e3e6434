//! The protocol's message framing on standard input and output, in place
//! of `lsp-server`'s, which allocates whatever `Content-Length` says (a
//! length of 2⁶³ aborts the process) and stops serving at the first body
//! that is not JSON.
//!
//! Here a message larger than [`MAX_MESSAGE`] is read past without being
//! kept, a body that is not JSON or not a message is answered with a
//! JSON-RPC `ParseError` or `InvalidRequest`, and header lines that make no
//! sense are skipped until the next `Content-Length`: the server keeps
//! serving whatever the client sends.

use crossbeam_channel::{Receiver, Sender};
use lsp_server::{Message, Request, RequestId};
use serde::Serialize;
use serde_json::{Value, json};
use std::io::{self, BufRead, Read, Write};
use std::time::Duration;

/// The largest message kept: a document of 128 MiB (a limit a project may
/// set with `max-file-size-mib`; the default is 16 MiB), with room for
/// JSON escapes.
pub const MAX_MESSAGE: u64 = 256 * 1024 * 1024;

/// The longest header line read; a longer one is skipped.
const MAX_HEADER_LINE: u64 = 8 * 1024;

/// JSON-RPC error codes.
pub const PARSE_ERROR: i64 = -32700;
pub const INVALID_REQUEST: i64 = -32600;

/// What one frame of the input holds.
#[derive(Debug)]
pub enum Frame {
    Message(Message),
    /// A frame that is not a message: the error to answer with, and the
    /// request id when the body had one.
    Invalid {
        id: Value,
        code: i64,
        reason: String,
    },
    /// A message larger than [`MAX_MESSAGE`], read past: most likely a
    /// document too large to serve, which the user is told about.
    TooLarge {
        size: u64,
    },
}

fn invalid(code: i64, reason: impl Into<String>) -> Frame {
    Frame::Invalid {
        id: Value::Null,
        code,
        reason: reason.into(),
    }
}

/// Reads the next frame; `None` at the end of the input.
pub fn read(r: &mut impl BufRead) -> io::Result<Option<Frame>> {
    let mut length: Option<Result<u64, String>> = None;
    loop {
        let mut line = Vec::new();
        let n = r
            .by_ref()
            .take(MAX_HEADER_LINE)
            .read_until(b'\n', &mut line)?;
        if n == 0 {
            return Ok(None);
        }
        if !line.ends_with(b"\n") && n as u64 == MAX_HEADER_LINE {
            // Skip the rest of an overlong line.
            skip_line(r)?;
            continue;
        }
        let line = String::from_utf8_lossy(&line);
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            match length.take() {
                Some(found) => match found {
                    Ok(size) => return body(r, size).map(Some),
                    Err(reason) => return Ok(Some(invalid(PARSE_ERROR, reason))),
                },
                None => continue,
            }
        }
        // The last `Content-Length:` of the line: after a body shorter than
        // its header said, the next message's header may follow the rest
        // of the previous one on the same line.
        let lower = line.to_ascii_lowercase();
        if let Some(at) = lower.rfind("content-length:") {
            let value = line[at + "content-length:".len()..].trim();
            length = Some(
                value
                    .parse::<u64>()
                    .map_err(|_| format!("`Content-Length: {value}` is not a length in bytes")),
            );
        }
    }
}

fn skip_line(r: &mut impl BufRead) -> io::Result<()> {
    loop {
        let buf = r.fill_buf()?;
        if buf.is_empty() {
            return Ok(());
        }
        match buf.iter().position(|&b| b == b'\n') {
            Some(i) => {
                r.consume(i + 1);
                return Ok(());
            }
            None => {
                let len = buf.len();
                r.consume(len);
            }
        }
    }
}

fn body(r: &mut impl BufRead, size: u64) -> io::Result<Frame> {
    if size > MAX_MESSAGE {
        io::copy(&mut r.by_ref().take(size), &mut io::sink())?;
        return Ok(Frame::TooLarge { size });
    }
    let mut bytes = Vec::new();
    r.by_ref().take(size).read_to_end(&mut bytes)?;
    if (bytes.len() as u64) < size {
        return Ok(invalid(
            PARSE_ERROR,
            format!(
                "the input ended {} bytes into a message of {size}",
                bytes.len()
            ),
        ));
    }
    let value: Value = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(e) => {
            return Ok(invalid(
                PARSE_ERROR,
                format!("the message is not JSON: {e}"),
            ));
        }
    };
    let id = value.get("id").cloned().unwrap_or(Value::Null);
    match serde_json::from_value::<Message>(value) {
        Ok(message) => Ok(Frame::Message(message)),
        Err(e) => Ok(Frame::Invalid {
            id,
            code: INVALID_REQUEST,
            reason: format!("the message is not a request, response or notification: {e}"),
        }),
    }
}

/// What the server writes for a message it did not keep: the error
/// response JSON-RPC asks for (with no id, which was not read) and a
/// `window/showMessage`, since the editor shows no error response of a
/// notification such as `didOpen` and the document would stay silent.
pub fn too_large(size: u64) -> Vec<u8> {
    let reason = format!(
        "a message of {size} bytes is larger than the {MAX_MESSAGE} bytes the server reads"
    );
    let mut out = error_response(&Value::Null, PARSE_ERROR, &reason);
    let body = json!({
        "jsonrpc": "2.0",
        "method": "window/showMessage",
        "params": {
            "type": 1,
            "message": format!(
                "playbook: {reason}, so a document sent in it is not checked; split the playbook \
                 into files of at most {} MiB joined with `use`, or check it with `playbook check`",
                crate::syntax::MAX_FILE_SIZE / (1024 * 1024)
            ),
        },
    })
    .to_string();
    out.extend_from_slice(&framed(&body));
    out
}

/// The error response to an invalid frame, framed.
pub fn error_response(id: &Value, code: i64, reason: &str) -> Vec<u8> {
    let body = json!({
        "jsonrpc": "2.0",
        "id": id,
        "error": { "code": code, "message": reason },
    })
    .to_string();
    framed(&body)
}

/// A message body with its header.
fn framed(body: &str) -> Vec<u8> {
    frame(body.as_bytes().to_vec())
}

/// Puts the header in front of a message body.
fn frame(mut body: Vec<u8>) -> Vec<u8> {
    let header = format!("Content-Length: {}\r\n\r\n", body.len());
    body.splice(0..0, header.bytes());
    body
}

/// The server's end of a connection: the messages the client sends, and
/// where the server's go, each serialized and framed here, in the order
/// sent. Results are written straight from the protocol's types to their
/// JSON text, never through a `serde_json::Value` (an outline of 200,000
/// symbols is about 1 GB as a `Value`, 40 MB as text).
pub struct Connection {
    pub receiver: Receiver<Message>,
    sender: Sender<Vec<u8>>,
}

/// What the client of a connection in memory holds: its way to send
/// messages, and the framed messages the server wrote.
pub struct Client {
    pub sender: Sender<Message>,
    pub receiver: Receiver<Vec<u8>>,
}

#[derive(Serialize)]
struct Answer<'a, R: Serialize + ?Sized> {
    jsonrpc: &'static str,
    id: &'a RequestId,
    result: &'a R,
}

#[derive(Serialize)]
struct Failure<'a> {
    jsonrpc: &'static str,
    id: &'a RequestId,
    error: ResponseError<'a>,
}

#[derive(Serialize)]
struct ResponseError<'a> {
    code: i32,
    message: &'a str,
}

#[derive(Serialize)]
struct Note<'a, P: Serialize + ?Sized> {
    jsonrpc: &'static str,
    method: &'a str,
    params: &'a P,
}

/// The JSON-RPC error code of a request before `initialize`.
const SERVER_NOT_INITIALIZED: i32 = -32002;

impl Connection {
    /// A connection held in memory, for tests and the fuzz targets.
    pub fn memory() -> (Connection, Client) {
        let (to_server, receiver) = crossbeam_channel::unbounded();
        let (sender, from_server) = crossbeam_channel::unbounded();
        (
            Connection { receiver, sender },
            Client {
                sender: to_server,
                receiver: from_server,
            },
        )
    }

    fn send(&self, message: &impl Serialize) {
        match serde_json::to_vec(message) {
            // A client that went away is noticed by the reading side.
            Ok(body) => {
                let _ = self.sender.send(frame(body));
            }
            Err(e) => debug_assert!(false, "a message that does not serialize: {e}"),
        }
    }

    /// Answers request `id` with `result` (JSON `null` for `None`).
    pub fn answer<R: Serialize + ?Sized>(&self, id: &RequestId, result: Option<&R>) {
        self.send(&Answer {
            jsonrpc: "2.0",
            id,
            result: &result,
        });
    }

    /// Answers request `id` with an error.
    pub fn fail(&self, id: &RequestId, code: i32, message: &str) {
        self.send(&Failure {
            jsonrpc: "2.0",
            id,
            error: ResponseError { code, message },
        });
    }

    /// Sends a notification.
    pub fn notify<P: Serialize + ?Sized>(&self, method: &str, params: &P) {
        self.send(&Note {
            jsonrpc: "2.0",
            method,
            params,
        });
    }

    /// Waits for the `initialize` request and returns its id and
    /// parameters; a request before it is answered with an error, a
    /// notification other than `exit` is ignored.
    pub fn initialize_start(&self) -> Result<(RequestId, Value), String> {
        loop {
            match self.receiver.recv() {
                Ok(Message::Request(r)) if r.method == "initialize" => return Ok((r.id, r.params)),
                Ok(Message::Request(r)) => self.fail(
                    &r.id,
                    SERVER_NOT_INITIALIZED,
                    &format!("expected the initialize request, got `{}`", r.method),
                ),
                Ok(Message::Notification(n)) if n.method == "exit" => {
                    return Err("the client said exit before initialize".to_string());
                }
                Ok(_) => {}
                Err(_) => return Err("the client went away before initialize".to_string()),
            }
        }
    }

    /// Answers `initialize` and waits for the client's `initialized`.
    pub fn initialize_finish(&self, id: RequestId, result: &Value) -> Result<(), String> {
        self.answer(&id, Some(result));
        match self.receiver.recv() {
            Ok(Message::Notification(n)) if n.method == "initialized" => Ok(()),
            Ok(other) => Err(format!(
                "expected the initialized notification, got {other:?}"
            )),
            Err(_) => Err("the client went away during initialize".to_string()),
        }
    }

    /// Whether `request` is `shutdown`: then it is answered, and the
    /// client's `exit` waited for (30 seconds at most).
    pub fn handle_shutdown(&self, request: &Request) -> Result<bool, String> {
        if request.method != "shutdown" {
            return Ok(false);
        }
        self.answer::<()>(&request.id, None);
        match self.receiver.recv_timeout(Duration::from_secs(30)) {
            Ok(Message::Notification(n)) if n.method == "exit" => Ok(true),
            Ok(other) => Err(format!("unexpected message during shutdown: {other:?}")),
            Err(_) => Err("no exit notification after shutdown".to_string()),
        }
    }
}

/// A connection on standard input and output with this framing, and the
/// thread that writes the server's messages (join it after dropping the
/// connection).
pub fn stdio() -> (Connection, std::thread::JoinHandle<io::Result<()>>) {
    let (sender, outgoing) = crossbeam_channel::bounded::<Vec<u8>>(0);
    // What the reading thread answers itself (frames that are not
    // messages): a channel of its own, so that the writer stops when the
    // server drops its connection, whatever the reader is waiting for.
    let (answers, rejected) = crossbeam_channel::unbounded::<Vec<u8>>();
    let writer = std::thread::spawn(move || {
        let stdout = io::stdout();
        let never = crossbeam_channel::never();
        let mut reading = true;
        loop {
            let answers = if reading { &rejected } else { &never };
            let bytes = crossbeam_channel::select! {
                recv(outgoing) -> m => match m {
                    Ok(bytes) => bytes,
                    Err(_) => return Ok(()),
                },
                recv(answers) -> m => match m {
                    Ok(bytes) => bytes,
                    Err(_) => {
                        reading = false;
                        continue;
                    }
                },
            };
            let mut stdout = stdout.lock();
            stdout.write_all(&bytes)?;
            stdout.flush()?;
        }
    });
    let (reader_sender, receiver) = crossbeam_channel::bounded::<Message>(0);
    std::thread::spawn(move || {
        let stdin = io::stdin();
        let mut stdin = stdin.lock();
        while let Ok(Some(frame)) = read(&mut stdin) {
            let answer = match frame {
                Frame::Message(message) => {
                    let exit = matches!(&message, Message::Notification(n) if n.method == "exit");
                    if reader_sender.send(message).is_err() || exit {
                        return;
                    }
                    continue;
                }
                Frame::Invalid { id, code, reason } => error_response(&id, code, &reason),
                Frame::TooLarge { size } => too_large(size),
            };
            if answers.send(answer).is_err() {
                return;
            }
        }
    });
    (Connection { receiver, sender }, writer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(input: &[u8]) -> Vec<Frame> {
        let mut r = io::BufReader::new(input);
        let mut out = Vec::new();
        while let Some(f) = read(&mut r).expect("reads from memory") {
            out.push(f);
        }
        out
    }

    fn framed(body: &str) -> String {
        String::from_utf8(super::framed(body)).expect("UTF-8")
    }

    const PING: &str = r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#;

    #[test]
    fn a_huge_length_is_read_past_without_being_kept() {
        let input = format!("Content-Length: 9223372036854775807\r\n\r\n{PING}");
        let f = frames(input.as_bytes());
        assert!(
            matches!(
                &f[..],
                [Frame::TooLarge {
                    size: 9223372036854775807
                }]
            ),
            "{f:?}"
        );
    }

    #[test]
    fn a_message_too_large_is_answered_and_shown_to_the_user() {
        let answer = String::from_utf8(too_large(MAX_MESSAGE + 1)).expect("UTF-8");
        let mut values: Vec<Value> = Vec::new();
        let mut rest = answer.as_str();
        while let Some(after) = rest.strip_prefix("Content-Length: ") {
            let (length, after) = after.split_once("\r\n\r\n").expect("a header");
            let length: usize = length.parse().expect("a length");
            values.push(serde_json::from_str(&after[..length]).expect("JSON"));
            rest = &after[length..];
        }
        assert!(rest.is_empty(), "left over: {rest}");
        assert_eq!(values.len(), 2, "{values:?}");
        assert_eq!(values[0]["error"]["code"], json!(PARSE_ERROR));
        assert_eq!(values[1]["method"], json!("window/showMessage"));
        let shown = values[1]["params"]["message"].as_str().expect("a message");
        assert!(
            shown.contains(&(MAX_MESSAGE + 1).to_string()) && shown.contains("playbook check"),
            "{shown}"
        );
    }

    #[test]
    fn a_body_that_is_not_json_is_answered_and_the_next_message_read() {
        let input = format!("{}{}", framed("{not json"), framed(PING));
        let f = frames(input.as_bytes());
        assert!(
            matches!(
                &f[..],
                [
                    Frame::Invalid {
                        code: PARSE_ERROR,
                        ..
                    },
                    Frame::Message(_)
                ]
            ),
            "{f:?}"
        );
    }

    #[test]
    fn a_short_body_resynchronises_on_the_next_header() {
        let input = format!(
            "Content-Length: 60\r\n\r\n{{\"a\":1}}{}{}",
            framed(PING),
            framed(PING)
        );
        let f = frames(input.as_bytes());
        assert!(matches!(f.last(), Some(Frame::Message(_))), "{f:?}");
        assert!(
            f.iter().any(|f| matches!(f, Frame::Invalid { .. })),
            "{f:?}"
        );
    }

    #[test]
    fn json_that_is_not_a_message_keeps_its_id() {
        let f = frames(framed(r#"{"id":7,"params":1}"#).as_bytes());
        match &f[..] {
            [Frame::Invalid { id, code, .. }] => {
                assert_eq!(id, &json!(7));
                assert_eq!(*code, INVALID_REQUEST);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn bad_and_overlong_headers_are_skipped() {
        let long = "x".repeat(20_000);
        let input = format!("Content-Length: abc\r\n\r\n{long}\r\n{}", framed(PING));
        let f = frames(input.as_bytes());
        assert!(matches!(f.last(), Some(Frame::Message(_))), "{f:?}");
    }
}
