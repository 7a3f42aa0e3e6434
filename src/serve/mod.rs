//! `playbook serve`: the runs of a folder as a local web checklist.
//!
//! A dashboard lists the runs (the rows of `crate::runs`, as `run list`
//! shows them); a page per run shows its checklist in the run's locale, with
//! a form for each thing a manager may do: tick an item, skip an optional
//! one with a reason, answer a decision, record evidence, complete a step,
//! undo. Every form goes through `crate::run::session::change`, the change
//! sequence of `playbook run` (lock, validation, append to the audit log,
//! atomic replace): a refusal is the engine's own message, shown on the
//! page with HTTP 422 (or 409 for a lock or a changed playbook).
//!
//! The server is an edge: `mod.rs` binds, routes and guards requests,
//! `pages.rs` turns runs into the pages' data and renders the templates
//! of `templates/` (embedded, HTML auto-escaping set explicitly).
//!
//! Guards: it binds a loopback address unless told `allow_remote`; every
//! request must name a loopback host (against DNS rebinding) and every POST
//! a loopback origin, when it names one, and the form's CSRF token (random
//! per server start), else 403. A run is named by its path under the
//! folder served, never one outside it.

mod pages;

use crate::run::engine::Now;
use crate::run::session::{self, Command};
use crate::run_store::StoreError;
use axum::Router;
use axum::extract::{Form, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

/// What the server serves, and as whom.
pub struct Config {
    /// The folder whose runs are served.
    pub dir: PathBuf,
    /// Where to listen (port 0: any free port).
    pub addr: SocketAddr,
    /// Whether a non-loopback address may be bound.
    pub allow_remote: bool,
    /// Who the changes are made by, in the audit log.
    pub actor: String,
    /// The time of a change or a view.
    pub now: Arc<dyn Fn() -> Now + Send + Sync>,
    /// A session's error in one line, as `run list` words it.
    pub describe: fn(session::Error) -> String,
    /// The locale of the pages, when not each run's own.
    pub locale: Option<String>,
}

/// Refuses a non-loopback address unless remote access is allowed.
pub fn check_bind(addr: &SocketAddr, allow_remote: bool) -> Result<(), String> {
    if addr.ip().is_loopback() || allow_remote {
        Ok(())
    } else {
        Err(format!(
            "`{}` is not a loopback address: anyone who can reach it could change runs; \
             bind 127.0.0.1 (the default), or pass `--allow-remote` to serve it anyway",
            addr.ip()
        ))
    }
}

/// Binds, calls `ready` with the address bound, and serves until the
/// process ends.
pub fn serve(config: Config, ready: impl FnOnce(SocketAddr)) -> Result<(), String> {
    check_bind(&config.addr, config.allow_remote)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the server: {e}"))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(config.addr)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", config.addr))?;
        let local = listener
            .local_addr()
            .map_err(|e| format!("cannot listen on {}: {e}", config.addr))?;
        ready(local);
        axum::serve(listener, router(config))
            .await
            .map_err(|e| format!("the server stopped: {e}"))
    })
}

/// The server's shared state.
struct App {
    config: Config,
    /// The token every form carries, random per server start.
    csrf: String,
    /// What the last change to each run did, shown once after the redirect.
    said: Mutex<HashMap<PathBuf, String>>,
    pages: pages::Pages,
}

/// The routes, guarded: the dashboard, a run's page and its form.
pub fn router(config: Config) -> Router {
    let app = Arc::new(App {
        config,
        csrf: token(),
        said: Mutex::new(HashMap::new()),
        pages: pages::Pages::new(),
    });
    Router::new()
        .route("/", get(dashboard))
        .route("/run", get(run_page).post(run_action))
        .layer(middleware::from_fn_with_state(app.clone(), guard))
        .with_state(app)
}

/// 32 hexadecimal digits from the system's random source.
fn token() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        // No random source: a token nobody can guess from outside still
        // beats none (the time and the process, hashed).
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(jiff::Timestamp::now().as_nanosecond() as u128);
        h.write_u32(std::process::id());
        bytes[..8].copy_from_slice(&h.finish().to_le_bytes());
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether a host (as a `Host` header or an origin's host names it) is
/// this machine.
fn loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Refuses requests for another host, and POSTs from another origin.
async fn guard(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let headers = request.headers();
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let remote = app.config.allow_remote;
    if !remote && !loopback_host(host) {
        return forbidden(
            &app,
            "this server answers only requests for this machine (localhost)",
        );
    }
    if request.method() == axum::http::Method::POST
        && let Some(origin) = headers.get(header::ORIGIN)
    {
        let origin = origin.to_str().unwrap_or("null");
        let origin_host = url::Url::parse(origin).ok().and_then(|u| {
            let host = u.host_str()?.to_string();
            Some(match u.port() {
                Some(p) => format!("{host}:{p}"),
                None => host,
            })
        });
        let fits = origin_host.is_some_and(|o| {
            if remote {
                o.eq_ignore_ascii_case(host)
            } else {
                loopback_host(&o)
            }
        });
        if !fits {
            return forbidden(&app, "a form sent from another site is refused");
        }
    }
    next.run(request).await
}

fn forbidden(app: &App, why: &str) -> Response {
    let page = app.pages.message("Refused", why);
    (StatusCode::FORBIDDEN, Html(page)).into_response()
}

/// The path of a run named by its path under the folder served: relative,
/// with no `..`, a `.toml` file.
fn state_path(app: &App, file: &str) -> Option<PathBuf> {
    let rel = Path::new(file);
    let plain = rel
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    (plain && !file.is_empty() && rel.extension().is_some_and(|e| e == "toml"))
        .then(|| app.config.dir.join(rel))
}

async fn dashboard(State(app): State<Arc<App>>) -> Response {
    blocking(move || {
        let now = (app.config.now)();
        let rows = crate::runs::rows(
            std::slice::from_ref(&app.config.dir),
            &crate::runs::Filters::default(),
            now,
            &app.config.describe,
        );
        match rows {
            Ok(rows) => Html(app.pages.dashboard(&app.config.dir, &rows, now)).into_response(),
            Err(e) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                Html(app.pages.message("Cannot list the runs", &e)),
            )
                .into_response(),
        }
    })
    .await
}

#[derive(Deserialize)]
struct RunQuery {
    file: String,
    locale: Option<String>,
}

async fn run_page(State(app): State<Arc<App>>, Query(q): Query<RunQuery>) -> Response {
    blocking(move || {
        let said = state_path(&app, &q.file)
            .and_then(|p| app.said.lock().ok().and_then(|mut s| s.remove(&p)));
        show(&app, &q, StatusCode::OK, said, None)
    })
    .await
}

/// A run's page, with what the last change did or why it was refused.
fn show(
    app: &App,
    q: &RunQuery,
    status: StatusCode,
    said: Option<String>,
    refused: Option<pages::Refusal>,
) -> Response {
    let Some(path) = state_path(app, &q.file) else {
        return not_found(app, &q.file);
    };
    if !path.is_file() {
        return not_found(app, &q.file);
    }
    let page = pages::RunRequest {
        path: &path,
        file: &q.file,
        locale: q.locale.as_deref().or(app.config.locale.as_deref()),
        now: (app.config.now)(),
        csrf: &app.csrf,
        said,
        refused,
        describe: app.config.describe,
    };
    match app.pages.run(page) {
        Ok(html) => (status, Html(html)).into_response(),
        Err((code, html)) => (code, Html(html)).into_response(),
    }
}

fn not_found(app: &App, file: &str) -> Response {
    let page = app.pages.message(
        "No such run",
        &format!("`{file}` is not a run of this folder"),
    );
    (StatusCode::NOT_FOUND, Html(page)).into_response()
}

/// A form of a run's page.
#[derive(Deserialize)]
struct Action {
    #[serde(default)]
    csrf: String,
    /// `done`, `skip`, `answer`, `record`, `complete` or `undo`.
    action: String,
    /// The item, decision, criterion or step.
    #[serde(default)]
    target: String,
    /// The answer, the evidence or the reason for a skip.
    #[serde(default)]
    value: String,
    /// A note on an item done.
    #[serde(default)]
    note: String,
}

impl Action {
    fn command(&self) -> Option<Command> {
        let target = self.target.clone();
        let value = self.value.clone();
        Some(match self.action.as_str() {
            "done" => Command::Done {
                items: vec![target],
                note: Some(self.note.trim().to_string()).filter(|n| !n.is_empty()),
            },
            "skip" => Command::Skip {
                item: target,
                reason: value,
            },
            "answer" => Command::Answer {
                decision: target,
                value,
            },
            "record" => Command::Record {
                criterion: target,
                evidence: value,
            },
            "complete" => Command::Complete { step: target },
            "undo" => Command::Undo,
            _ => return None,
        })
    }
}

/// Constant-time equality of two tokens.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

async fn run_action(
    State(app): State<Arc<App>>,
    Query(q): Query<RunQuery>,
    _headers: HeaderMap,
    Form(action): Form<Action>,
) -> Response {
    if !same(&action.csrf, &app.csrf) {
        return forbidden(
            &app,
            "the form's token is missing or out of date (the server was restarted?): \
             reload the page and try again",
        );
    }
    blocking(move || {
        let Some(path) = state_path(&app, &q.file) else {
            return not_found(&app, &q.file);
        };
        let Some(command) = action.command() else {
            let refusal = pages::Refusal::new(format!("`{}` is not an action", action.action));
            return show(
                &app,
                &q,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(refusal),
            );
        };
        let now = (app.config.now)();
        let locale = q.locale.as_deref().or(app.config.locale.as_deref());
        match session::change_in(&path, None, &command, now, &app.config.actor, locale) {
            Ok(changed) => {
                let mut line = changed.description.clone();
                if changed.complete {
                    let r = crate::labels::refuse::get(&changed.locale);
                    line.push_str(&format!(" — {}", r.run_complete));
                }
                if let Ok(mut said) = app.said.lock() {
                    said.insert(path, line);
                }
                let mut to = format!("/run?file={}", encode(&q.file));
                if let Some(l) = &q.locale {
                    to.push_str(&format!("&locale={}", encode(l)));
                }
                Redirect::to(&to).into_response()
            }
            Err(e) => {
                let (code, refusal) = refusal(e, app.config.describe);
                show(&app, &q, code, None, Some(refusal))
            }
        }
    })
    .await
}

/// A session's error as the page shows it, with its HTTP status: 422 for
/// what the run refuses, 409 for a lock or a changed playbook.
fn refusal(
    e: session::Error,
    describe: fn(session::Error) -> String,
) -> (StatusCode, pages::Refusal) {
    match e {
        session::Error::Refused(e) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            pages::Refusal {
                message: e.message.clone(),
                missing: e.missing.clone(),
                help: e.help.clone(),
            },
        ),
        session::Error::Inputs(errors) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            pages::Refusal {
                message: errors.join("; "),
                missing: Vec::new(),
                help: None,
            },
        ),
        session::Error::Usage(text) => {
            (StatusCode::UNPROCESSABLE_ENTITY, pages::Refusal::new(text))
        }
        session::Error::Store(e @ StoreError::Locked { .. }) => {
            (StatusCode::CONFLICT, pages::Refusal::new(e.to_string()))
        }
        session::Error::Changed { state, source, .. } => (
            StatusCode::CONFLICT,
            pages::Refusal {
                message: format!(
                    "the playbook `{}` changed since this run started",
                    source.display()
                ),
                missing: Vec::new(),
                help: Some(format!(
                    "see what the change means for the run with `playbook run migrate --state {} {}`, \
                     then apply it with `--apply`",
                    state.display(),
                    source.display()
                )),
            },
        ),
        session::Error::Store(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            pages::Refusal::new(e.to_string()),
        ),
        e => (
            StatusCode::UNPROCESSABLE_ENTITY,
            pages::Refusal::new(describe(e)),
        ),
    }
}

/// A query value, percent-encoded.
fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// Runs blocking work (reading, compiling, writing runs) off the async
/// threads.
async fn blocking(f: impl FnOnce() -> Response + Send + 'static) -> Response {
    tokio::task::spawn_blocking(f).await.unwrap_or_else(|_| {
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            "the request failed unexpectedly",
        )
            .into_response()
    })
}
