use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, DuplexStream};
use tokio::time::{interval, sleep};

/// The sender: "good morning\n" comes in two pieces 30 ms apart, then "bye\n".
async fn send_slowly(mut writer: DuplexStream) {
    for (piece, pause_ms) in [("good ", 30), ("morning\n", 30), ("bye\n", 0)] {
        writer.write_all(piece.as_bytes()).await.unwrap();
        sleep(Duration::from_millis(pause_ms)).await;
    }
    // Dropping `writer` closes the stream: the reader sees the end.
}

/// Reads lines while a heartbeat ticks every 20 ms. Loses data.
async fn read_with_heartbeat_broken(reader: DuplexStream) -> Vec<String> {
    let mut reader = BufReader::new(reader);
    let mut heartbeat = interval(Duration::from_millis(20));
    let mut lines = Vec::new();
    loop {
        let mut line = String::new();
        tokio::select! {
            read = reader.read_line(&mut line) => {
                if read.unwrap() == 0 {
                    return lines; // end of stream
                }
                lines.push(line.trim_end().to_owned());
            }
            _ = heartbeat.tick() => {} // drops the half-done read_line
        }
    }
}

/// The same loop with a cancel-safe read: `Lines` keeps partial lines.
async fn read_with_heartbeat(reader: DuplexStream) -> Vec<String> {
    let mut reader = BufReader::new(reader).lines();
    let mut heartbeat = interval(Duration::from_millis(20));
    let mut lines = Vec::new();
    loop {
        tokio::select! {
            line = reader.next_line() => match line.unwrap() {
                Some(line) => lines.push(line),
                None => return lines, // end of stream
            },
            _ = heartbeat.tick() => {} // next_line keeps what it has read
        }
    }
}

async fn run<F, Fut>(read: F) -> Vec<String>
where
    F: FnOnce(DuplexStream) -> Fut,
    Fut: Future<Output = Vec<String>>,
{
    let (writer, reader) = tokio::io::duplex(64);
    let sender = tokio::spawn(send_slowly(writer));
    let lines = read(reader).await;
    sender.await.unwrap();
    lines
}

// In-memory stream and paused clock: the same interleaving on every run.
#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    println!("read_line: {:?}", run(read_with_heartbeat_broken).await);
    println!("next_line: {:?}", run(read_with_heartbeat).await);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn read_line_in_a_select_loop_loses_the_start_of_a_line() {
        let lines = run(read_with_heartbeat_broken).await;
        assert_eq!(lines, ["morning", "bye"]);
    }

    #[tokio::test(start_paused = true)]
    async fn next_line_in_a_select_loop_loses_nothing() {
        let lines = run(read_with_heartbeat).await;
        assert_eq!(lines, ["good morning", "bye"]);
    }
}
