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
    let mut line = String::new(); // outside the loop, and still not enough
    loop {
        tokio::select! {
            read = reader.read_line(&mut line) => {
                if read.unwrap() == 0 {
                    return lines; // end of stream
                }
                lines.push(line.trim_end().to_owned());
                line.clear();
            }
            _ = heartbeat.tick() => {} // drops the half-done read_line
        }
    }
}

/// The same loop with `read_until`, which appends what it has read to
/// `line` as it goes: a cancelled call leaves it there for the next one.
async fn read_with_heartbeat_until(reader: DuplexStream) -> Vec<String> {
    let mut reader = BufReader::new(reader);
    let mut heartbeat = interval(Duration::from_millis(20));
    let mut lines = Vec::new();
    let mut line = Vec::new(); // must live outside the loop
    loop {
        tokio::select! {
            read = reader.read_until(b'\n', &mut line) => {
                if read.unwrap() == 0 {
                    return lines; // end of stream
                }
                let text = std::str::from_utf8(&line).unwrap();
                lines.push(text.trim_end().to_owned());
                line.clear();
            }
            _ = heartbeat.tick() => {} // the partial line stays in `line`
        }
    }
}

/// The same loop with `Lines::next_line`: `Lines` keeps partial lines.
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
    println!("read_line:  {:?}", run(read_with_heartbeat_broken).await);
    println!("read_until: {:?}", run(read_with_heartbeat_until).await);
    println!("next_line:  {:?}", run(read_with_heartbeat).await);
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
    async fn read_until_with_the_buffer_outside_the_loop_loses_nothing() {
        let lines = run(read_with_heartbeat_until).await;
        assert_eq!(lines, ["good morning", "bye"]);
    }

    #[tokio::test(start_paused = true)]
    async fn next_line_in_a_select_loop_loses_nothing() {
        let lines = run(read_with_heartbeat).await;
        assert_eq!(lines, ["good morning", "bye"]);
    }
}
