//! A few lines of HTTP/1.1 over TCP for the bot's own endpoints (health, webhook): the
//! address is read from the bot's log, the request is written by hand.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::bot::{BotEnv, WAIT};

/// The address the bot logged on the line containing `marker` (`... addr=HOST:PORT`).
pub async fn logged_addr(bot: &BotEnv, marker: &str) -> String {
    logged_addr_in(&bot.log_path(), marker).await
}

/// The address logged on the line containing `marker` in the log file `path`.
pub async fn logged_addr_in(path: &std::path::Path, marker: &str) -> String {
    logged(path, marker, |line| {
        let addr = line.split("addr=").nth(1)?;
        addr.split_whitespace().next().map(str::to_string)
    })
    .await
}

/// Waits for the newest line of the log file `path` that contains `marker` and from which
/// `read` takes a value; fails after [`WAIT`] showing the log.
pub async fn logged<T>(
    path: &std::path::Path,
    marker: &str,
    read: impl Fn(&str) -> Option<T>,
) -> T {
    let deadline = Instant::now() + WAIT;
    loop {
        let log = std::fs::read_to_string(path).unwrap_or_default();
        let found = log
            .lines()
            .rev()
            .filter(|l| l.contains(marker))
            .find_map(&read);
        if let Some(found) = found {
            return found;
        }
        assert!(
            Instant::now() < deadline,
            "nothing logged with {marker:?}:\n{log}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Sends one request and returns the status and body of the answer.
pub async fn request(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Content-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let status = response[9..12].parse().unwrap();
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}
