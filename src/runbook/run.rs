//! Running a runbook command: no shell, stdin closed, output streamed line by line
//! (sanitized and bounded), killed at its timeout or on cancel.

use std::collections::VecDeque;
use std::process::{ExitStatus, Stdio};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::{Notify, mpsc};
use tokio::time::Instant;

/// At most this many output lines are sent; later ones only update the tail.
pub const MAX_LINES: usize = 10_000;
/// Bytes kept of one output line; the rest of the line is dropped.
pub const MAX_LINE_BYTES: usize = 64 * 1024;
/// Lines in [`RunEvent::Exited`]'s `tail`.
pub const TAIL_LINES: usize = 20;
/// How long output is still read after the process ended (helpers it started may hold the
/// pipes open).
const DRAIN_GRACE: Duration = Duration::from_millis(500);

/// What a running command reports, in order: output lines, then exactly one `Exited`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunEvent {
    Output {
        /// Sanitized, one line, without its line break.
        line: String,
        stderr: bool,
    },
    Exited {
        /// `None` when killed (timeout, cancel) or ended by a signal.
        code: Option<i32>,
        timed_out: bool,
        /// The last [`TAIL_LINES`] lines of stdout and stderr together, joined with `\n`.
        tail: String,
    },
}

/// A running command. Dropping it does not stop the command; [`RunHandle::cancel`] does.
#[derive(Debug, Clone)]
pub struct RunHandle {
    cancel: Arc<Notify>,
    pid: Option<u32>,
}

impl RunHandle {
    /// Kills the command (and what it started in its process group); `Exited` follows.
    pub fn cancel(&self) {
        self.cancel.notify_one();
    }

    pub fn pid(&self) -> Option<u32> {
        self.pid
    }
}

/// Starts `argv[0]` with the other elements as its arguments, exactly as given. Must be
/// called inside a tokio runtime. Fails when `argv` is empty or the program cannot start.
pub fn spawn(
    argv: Vec<String>,
    timeout: Duration,
    tx: mpsc::UnboundedSender<RunEvent>,
) -> Result<RunHandle, String> {
    let (program, args) = argv
        .split_first()
        .ok_or_else(|| "the command is empty".to_string())?;
    let mut cmd = Command::new(program);
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    #[cfg(unix)]
    cmd.process_group(0);
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    let (ltx, lrx) = mpsc::unbounded_channel();
    let mut pumps = Vec::new();
    if let Some(out) = child.stdout.take() {
        pumps.push(tokio::spawn(pump(out, false, ltx.clone())));
    }
    if let Some(err) = child.stderr.take() {
        pumps.push(tokio::spawn(pump(err, true, ltx)));
    }
    let cancel = Arc::new(Notify::new());
    let pid = child.id();
    let sup = Supervisor {
        tx,
        lines: lrx,
        sent: 0,
        tail: VecDeque::new(),
    };
    tokio::spawn(sup.run(child, pumps, timeout, cancel.clone()));
    Ok(RunHandle { cancel, pid })
}

struct Supervisor {
    tx: mpsc::UnboundedSender<RunEvent>,
    lines: mpsc::UnboundedReceiver<(String, bool)>,
    sent: usize,
    tail: VecDeque<String>,
}

impl Supervisor {
    async fn run(
        mut self,
        mut child: Child,
        pumps: Vec<tokio::task::JoinHandle<()>>,
        timeout: Duration,
        cancel: Arc<Notify>,
    ) {
        let deadline = Instant::now() + timeout;
        let mut timed_out = false;
        let status = loop {
            tokio::select! {
                Some((line, stderr)) = self.lines.recv() => self.record(line, stderr),
                st = child.wait() => break st.ok(),
                () = tokio::time::sleep_until(deadline) => {
                    timed_out = true;
                    break kill(&mut child).await;
                }
                () = cancel.notified() => break kill(&mut child).await,
            }
        };
        self.drain().await;
        for p in pumps {
            p.abort();
        }
        let code = if timed_out {
            None
        } else {
            status.and_then(|s: ExitStatus| s.code())
        };
        let tail = Vec::from(self.tail).join("\n");
        let _ = self.tx.send(RunEvent::Exited {
            code,
            timed_out,
            tail,
        });
    }

    /// Reads what is left of the output, for a short while at most.
    async fn drain(&mut self) {
        let until = Instant::now() + DRAIN_GRACE;
        loop {
            tokio::select! {
                got = self.lines.recv() => match got {
                    Some((line, stderr)) => self.record(line, stderr),
                    None => return,
                },
                () = tokio::time::sleep_until(until) => return,
            }
        }
    }

    fn record(&mut self, line: String, stderr: bool) {
        if self.tail.len() == TAIL_LINES {
            self.tail.pop_front();
        }
        self.tail.push_back(line.clone());
        self.sent += 1;
        if self.sent <= MAX_LINES {
            let _ = self.tx.send(RunEvent::Output { line, stderr });
        } else if self.sent == MAX_LINES + 1 {
            let _ = self.tx.send(RunEvent::Output {
                line: format!("… output cut after {MAX_LINES} lines"),
                stderr: true,
            });
        }
    }
}

/// Kills the process group (so helpers die too), then the child itself, and reaps it.
async fn kill(child: &mut Child) -> Option<ExitStatus> {
    #[cfg(unix)]
    if let Some(pid) = child.id() {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{pid}")])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .await;
    }
    let _ = child.start_kill();
    child.wait().await.ok()
}

/// Sends each line of `r` (without its line break, sanitized, cut at [`MAX_LINE_BYTES`]).
async fn pump<R: AsyncRead + Unpin>(r: R, stderr: bool, tx: mpsc::UnboundedSender<(String, bool)>) {
    let mut reader = BufReader::new(r);
    let mut buf = Vec::new();
    loop {
        match read_capped_line(&mut reader, &mut buf).await {
            Ok(false) => return,
            Ok(true) => {
                let text = String::from_utf8_lossy(&buf);
                let line = crate::sanitize::bounded(&text, false, MAX_LINE_BYTES);
                if tx.send((line, stderr)).is_err() {
                    return;
                }
            }
            Err(_) => return,
        }
    }
}

/// Reads one line into `buf` (cleared first), keeping at most [`MAX_LINE_BYTES`] bytes and
/// skipping the rest of a longer line. `Ok(false)` at the end of the stream.
async fn read_capped_line<R: AsyncBufReadExt + Unpin>(
    r: &mut R,
    buf: &mut Vec<u8>,
) -> std::io::Result<bool> {
    buf.clear();
    let mut any = false;
    loop {
        let chunk = r.fill_buf().await?;
        if chunk.is_empty() {
            return Ok(any);
        }
        any = true;
        let (used, done) = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (chunk.len(), false),
        };
        let content = if done { used - 1 } else { used };
        let keep = content.min(MAX_LINE_BYTES.saturating_sub(buf.len()));
        buf.extend_from_slice(&chunk[..keep]);
        r.consume(used);
        if done {
            return Ok(true);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn long_lines_are_cut_and_partial_last_line_kept() {
        let mut data = vec![b'a'; MAX_LINE_BYTES + 100];
        data.extend_from_slice(b"\nshort\nlast");
        let mut r = BufReader::with_capacity(1000, &data[..]);
        let mut buf = Vec::new();
        assert!(read_capped_line(&mut r, &mut buf).await.expect("read"));
        assert_eq!(buf.len(), MAX_LINE_BYTES);
        assert!(read_capped_line(&mut r, &mut buf).await.expect("read"));
        assert_eq!(buf, b"short");
        assert!(read_capped_line(&mut r, &mut buf).await.expect("read"));
        assert_eq!(buf, b"last");
        assert!(!read_capped_line(&mut r, &mut buf).await.expect("read"));
    }

    #[tokio::test]
    async fn empty_argv_and_missing_program_fail_to_start() {
        let (tx, _rx) = mpsc::unbounded_channel();
        assert!(spawn(Vec::new(), Duration::from_secs(1), tx.clone()).is_err());
        let err = spawn(
            vec!["/nonexistent/oncall-test".into()],
            Duration::from_secs(1),
            tx,
        )
        .expect_err("no such program");
        assert!(err.contains("/nonexistent/oncall-test"), "{err}");
    }

    #[tokio::test]
    async fn output_is_sanitized_and_tail_bounded() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let script = "i=0; while [ $i -lt 30 ]; do echo \"l$i\"; i=$((i+1)); done; printf '\\033]0;t\\007x\\n'";
        spawn(
            vec!["sh".into(), "-c".into(), script.into()],
            Duration::from_secs(10),
            tx,
        )
        .expect("spawns");
        let mut lines = Vec::new();
        while let Some(ev) = rx.recv().await {
            match ev {
                RunEvent::Output { line, .. } => lines.push(line),
                RunEvent::Exited { code, tail, .. } => {
                    assert_eq!(code, Some(0));
                    assert_eq!(tail.lines().count(), TAIL_LINES);
                    assert!(tail.ends_with("l29\nx"), "{tail}");
                    break;
                }
            }
        }
        assert_eq!(lines.len(), 31);
        assert_eq!(lines[30], "x");
    }
}
