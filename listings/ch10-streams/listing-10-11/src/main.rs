use std::time::Duration;

use futures::{SinkExt, StreamExt, TryStreamExt, stream};
use tokio::io::{DuplexStream, duplex};
use tokio::time::{Instant, sleep, timeout};
use tokio_util::codec::{Framed, LinesCodec, LinesCodecError};

// ANCHOR: connection
type Lines = Framed<DuplexStream, LinesCodec>;

/// Both ends of an in-memory connection that holds at most `room` bytes
/// in each direction that the other end has not read yet.
fn connection(room: usize) -> (Lines, Lines) {
    let (near, far) = duplex(room);
    let lines = || LinesCodec::new_with_max_length(1024);
    (Framed::new(near, lines()), Framed::new(far, lines()))
}

/// The next line that arrives at `end` within a second, if any.
async fn receive(end: &mut Lines) -> Option<String> {
    let line = timeout(Duration::from_secs(1), end.next()).await;
    line.ok().flatten().map(Result::unwrap)
}
// ANCHOR_END: connection

// ANCHOR: split
/// An echo server: answers each line as soon as it has read it.
async fn echo(mut conn: Lines) -> Result<(), LinesCodecError> {
    while let Some(line) = conn.next().await {
        conn.send(line?).await?;
    }
    Ok(())
}

/// Sends every line, then reads the answers: fine for a few short lines.
async fn exchange_in_turn(
    mut conn: Lines,
    lines: Vec<String>,
) -> Result<Vec<String>, LinesCodecError> {
    let n = lines.len();
    conn.send_all(&mut stream::iter(lines).map(Ok)).await?;
    conn.take(n).try_collect().await
}

/// Sends and reads at the same time, through the two halves of `conn`.
async fn exchange(
    conn: Lines,
    lines: Vec<String>,
) -> Result<Vec<String>, LinesCodecError> {
    let n = lines.len();
    let (mut sink, stream) = conn.split();
    let mut lines = stream::iter(lines).map(Ok);
    let (sent, answers) = tokio::join!(
        sink.send_all(&mut lines),
        stream.take(n).try_collect::<Vec<_>>(),
    );
    sent?;
    answers
}
// ANCHOR_END: split

/// Twenty lines of 30 bytes each: more than both directions can hold.
fn lines() -> Vec<String> {
    (0..20).map(|i| format!("line {i:>24}")).collect()
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() -> Result<(), LinesCodecError> {
    // ANCHOR: feed
    let (mut client, mut server) = connection(64);
    client.feed("hello".to_string()).await?; // into the sink's buffer
    println!("after feed:  {:?}", receive(&mut server).await);
    // `Framed` is a sink of any line type, so `flush` needs it named.
    SinkExt::<String>::flush(&mut client).await?; // out to the connection
    println!("after flush: {:?}", receive(&mut server).await);
    // ANCHOR_END: feed

    // ANCHOR: send
    let start = Instant::now();
    let long = "x".repeat(100); // 101 bytes with its newline; room for 64
    let reader = async {
        sleep(Duration::from_secs(1)).await; // the server is busy
        server.next().await
    };
    let (sent, read) = tokio::join!(
        async {
            client.send(long).await?;
            Ok::<_, LinesCodecError>(start.elapsed())
        },
        reader,
    );
    println!("send returned after {:?}", sent?);
    println!("the server read {} bytes", read.unwrap()?.len());
    // ANCHOR_END: send

    // ANCHOR: exchange
    let (client, server) = connection(64);
    tokio::spawn(echo(server));
    let limit = Duration::from_secs(10);
    match timeout(limit, exchange_in_turn(client, lines())).await {
        Ok(answers) => println!("in turn: {} answers", answers?.len()),
        Err(_) => println!("in turn: no answer in {limit:?}"),
    }
    let (client, server) = connection(64);
    tokio::spawn(echo(server));
    println!(
        "split:   {} answers",
        exchange(client, lines()).await?.len()
    );
    // ANCHOR_END: exchange
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn feed_leaves_the_item_in_the_buffer_until_a_flush() {
        let (mut client, mut server) = connection(64);
        client.feed("hello".to_string()).await.unwrap();
        assert_eq!(receive(&mut server).await, None);
        SinkExt::<String>::flush(&mut client).await.unwrap();
        assert_eq!(receive(&mut server).await.as_deref(), Some("hello"));
    }

    #[tokio::test(start_paused = true)]
    async fn send_waits_until_the_peer_has_read() {
        let (mut client, mut server) = connection(64);
        let start = Instant::now();
        let reader = async {
            sleep(Duration::from_secs(1)).await;
            server.next().await.unwrap().unwrap()
        };
        let (sent, read) = tokio::join!(
            async {
                client.send("x".repeat(100)).await.unwrap();
                start.elapsed()
            },
            reader,
        );
        assert_eq!(sent, Duration::from_secs(1));
        assert_eq!(read.len(), 100);
    }

    #[tokio::test(start_paused = true)]
    async fn a_dropped_send_leaves_its_line_in_the_buffer() {
        let (mut client, mut server) = connection(64);
        tokio::select! {
            biased;
            _ = client.send("x".repeat(100)) => panic!("no room, yet sent"),
            _ = sleep(Duration::from_secs(1)) => {}
        }
        // The line is in the sink's buffer, partly written; a flush ends it.
        let (flushed, read) =
            tokio::join!(SinkExt::<String>::flush(&mut client), server.next());
        flushed.unwrap();
        assert_eq!(read.unwrap().unwrap().len(), 100);
    }

    #[tokio::test(start_paused = true)]
    async fn a_send_dropped_while_waiting_for_room_loses_its_line() {
        let (mut client, mut server) = connection(64);
        client.set_backpressure_boundary(1); // ready only when empty
        let long = client.send("x".repeat(100)); // 37 bytes stay behind
        assert!(timeout(Duration::from_secs(1), long).await.is_err());
        let short = client.send("y".to_string()); // waits in poll_ready
        assert!(timeout(Duration::from_secs(1), short).await.is_err());
        let (flushed, read) =
            tokio::join!(SinkExt::<String>::flush(&mut client), server.next());
        flushed.unwrap();
        assert_eq!(read.unwrap().unwrap().len(), 100);
        assert_eq!(receive(&mut server).await, None); // "y" is gone
    }

    #[tokio::test(start_paused = true)]
    async fn writing_everything_before_reading_deadlocks_with_an_echo() {
        let (client, server) = connection(64);
        tokio::spawn(echo(server));
        let in_turn = exchange_in_turn(client, lines());
        assert!(timeout(Duration::from_secs(10), in_turn).await.is_err());
    }

    #[tokio::test(start_paused = true)]
    async fn a_few_short_lines_in_turn_fit_in_the_buffers() {
        let (client, server) = connection(64);
        tokio::spawn(echo(server));
        let lines = vec!["a".to_string(), "b".to_string()];
        let answers = exchange_in_turn(client, lines.clone()).await.unwrap();
        assert_eq!(answers, lines);
    }

    #[tokio::test(start_paused = true)]
    async fn split_halves_read_and_write_at_the_same_time() {
        let (client, server) = connection(64);
        tokio::spawn(echo(server));
        let split = exchange(client, lines());
        let answers = timeout(Duration::from_secs(10), split).await;
        assert_eq!(answers.expect("deadlocked").unwrap(), lines());
    }
}
