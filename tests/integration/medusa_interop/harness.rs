//! A real Medusa 2.21.2 beside the test: a database of its own on the PostgreSQL server of
//! `LINK_TEST_POSTGRES_URL`, and `tests/medusa/harness.mjs` (Medusa's module system under node)
//! driven one JSON command per line.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

/// How long one command may take (a migration of Medusa's modules takes seconds).
const PATIENCE: Duration = Duration::from_secs(120);

/// The harness's folder.
fn harness_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("medusa")
}

/// Why the interop tests cannot run here, or `None` when they can. With
/// `LINK_TEST_MEDUSA=required` (set by `.ci/run` once `npm ci` succeeded) a missing part fails
/// the test instead.
pub fn unavailable() -> Option<String> {
    let why = if std::env::var("LINK_TEST_POSTGRES_URL").is_err() {
        Some(String::from("LINK_TEST_POSTGRES_URL is not set"))
    } else if !harness_dir()
        .join("node_modules/@medusajs/framework")
        .exists()
    {
        Some(String::from(
            "Medusa is not installed: run `npm ci` in tests/medusa (node 20 and npm)",
        ))
    } else if std::process::Command::new("node")
        .arg("--version")
        .output()
        .map(|out| !out.status.success())
        .unwrap_or(true)
    {
        Some(String::from("`node` is not on the PATH"))
    } else {
        None
    };
    if let Some(why) = &why {
        assert!(
            std::env::var("LINK_TEST_MEDUSA").as_deref() != Ok("required"),
            "LINK_TEST_MEDUSA=required but {why}"
        );
    }
    why
}

/// A PostgreSQL database of its own, made anew, and its URL.
pub async fn database(name: &str) -> (DatabaseConnection, String) {
    let url = std::env::var("LINK_TEST_POSTGRES_URL").expect("LINK_TEST_POSTGRES_URL");
    let database = format!("lt_medusa_{name}");
    let admin = Database::connect(&url)
        .await
        .expect("connect to PostgreSQL");
    admin
        .execute_unprepared(&format!(
            "DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)"
        ))
        .await
        .expect("drop the database");
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{database}\""))
        .await
        .expect("create the database");
    admin.close().await.ok();
    let base = url.split('?').next().unwrap_or(&url);
    let server = base.rsplit_once('/').map_or(base, |(server, _)| server);
    let db_url = format!("{server}/{database}");
    let mut options = ConnectOptions::new(db_url.clone());
    options.max_connections(8).sqlx_logging(false);
    let db = Database::connect(options)
        .await
        .expect("connect to the test database");
    (db, db_url)
}

/// Medusa's module system in a node process, on one database.
pub struct Medusa {
    child: Child,
    stdin: ChildStdin,
    lines: Lines<BufReader<ChildStdout>>,
    log: tempfile::NamedTempFile,
}

impl std::fmt::Debug for Medusa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Medusa").finish_non_exhaustive()
    }
}

impl Medusa {
    /// Boots Medusa on `url` and waits until it answers.
    pub async fn start(url: &str) -> Medusa {
        let log = tempfile::NamedTempFile::new().expect("a log file");
        let mut child = Command::new("node")
            .arg("harness.mjs")
            .current_dir(harness_dir())
            .env("DATABASE_URL", url)
            .env("MEDUSA_DISABLE_TELEMETRY", "true")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(log.reopen().expect("the log file"))
            .kill_on_drop(true)
            .spawn()
            .expect("start node");
        let stdin = child.stdin.take().expect("stdin");
        let lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let mut medusa = Medusa {
            child,
            stdin,
            lines,
            log,
        };
        let ready = medusa.answer().await;
        assert_eq!(ready, Ok(Value::from("ready")), "{}", medusa.stderr());
        medusa
    }

    fn stderr(&self) -> String {
        let text = std::fs::read_to_string(self.log.path()).unwrap_or_default();
        let tail: Vec<&str> = text.lines().rev().take(40).collect();
        format!(
            "Medusa's stderr, last lines:\n{}",
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        )
    }

    async fn answer(&mut self) -> Result<Value, String> {
        let read = async {
            while let Some(line) = self.lines.next_line().await.expect("read Medusa's stdout") {
                // Medusa logs to stdout too: answers are the lines marked "@@ ".
                if let Some(json) = line.strip_prefix("@@ ") {
                    return Some(serde_json::from_str::<Value>(json).expect("an answer"));
                }
            }
            None
        };
        let answer = tokio::time::timeout(PATIENCE, read)
            .await
            .unwrap_or_else(|_| panic!("Medusa did not answer in {PATIENCE:?}"));
        let Some(mut answer) = answer else {
            panic!("Medusa exited: {}", self.stderr());
        };
        match answer.get_mut("ok") {
            Some(value) => Ok(value.take()),
            None => Err(answer["error"].as_str().unwrap_or_default().to_string()),
        }
    }

    /// Sends one command; Medusa's answer, or the message of the error it threw.
    pub async fn call(&mut self, command: Value) -> Result<Value, String> {
        let mut line = command.to_string();
        line.push('\n');
        self.stdin
            .write_all(line.as_bytes())
            .await
            .expect("write to Medusa");
        self.stdin.flush().await.expect("flush");
        self.answer().await
    }

    /// [`Medusa::call`] for a command that must succeed.
    pub async fn ok(&mut self, command: Value) -> Value {
        let what = command["op"].clone();
        match self.call(command).await {
            Ok(value) => value,
            Err(e) => panic!("Medusa's {what} failed: {e}\n{}", self.stderr()),
        }
    }

    /// Ends the node process.
    pub async fn stop(mut self) {
        drop(self.stdin);
        let _ = tokio::time::timeout(Duration::from_secs(20), self.child.wait()).await;
        let _ = self.child.kill().await;
    }
}
