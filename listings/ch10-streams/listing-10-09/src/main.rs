use std::io;
use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt};
use support::DemoServer;
use tokio_util::codec::{FramedRead, LinesCodec};
use tokio_util::io::StreamReader;

// ANCHOR: bytes
/// Reads a streamed body chunk by chunk, as the bytes arrive.
async fn count_bytes(url: &str) -> reqwest::Result<usize> {
    let response = support::client().get(url).send().await?;
    let mut body = response.error_for_status()?.bytes_stream();
    let mut total = 0;
    while let Some(chunk) = body.next().await {
        total += chunk?.len(); // each chunk is a `bytes::Bytes`
    }
    Ok(total)
}
// ANCHOR_END: bytes

// ANCHOR: lines
/// Turns a streamed body into a stream of lines, each with the time it
/// arrived after the request was sent.
async fn timed_lines(url: &str) -> anyhow::Result<Vec<(Duration, String)>> {
    let start = Instant::now();
    let response = support::client().get(url).send().await?;
    // Chunks do not follow line boundaries: turn the stream of chunks back
    // into a reader (`AsyncRead`), then cut that into lines.
    let chunks = response.error_for_status()?.bytes_stream();
    let reader = StreamReader::new(chunks.map_err(io::Error::other));
    let lines = FramedRead::new(reader, LinesCodec::new_with_max_length(1024));
    let timed = lines
        .map_ok(|line| (start.elapsed(), line))
        .try_collect()
        .await?;
    Ok(timed)
}
// ANCHOR_END: lines

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let server = DemoServer::start();
    let total = count_bytes(&server.url("/stream?chunks=20")).await?;
    println!("20 chunks, {total} bytes");
    for (_, line) in timed_lines(&server.url("/stream?chunks=3")).await? {
        println!("line: {line:?}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_body_is_read_in_full() {
        let server = DemoServer::start();
        let total = count_bytes(&server.url("/stream?chunks=3")).await.unwrap();
        assert_eq!(total, "chunk 1\nchunk 2\nchunk 3\n".len());
    }

    #[tokio::test]
    async fn lines_arrive_while_the_body_is_still_being_sent() {
        let server = DemoServer::start();
        let url = server.url("/stream?chunks=3&delay_ms=50");
        let lines = timed_lines(&url).await.unwrap();
        let texts: Vec<_> =
            lines.iter().map(|(_, line)| line.as_str()).collect();
        assert_eq!(texts, ["chunk 1", "chunk 2", "chunk 3"]);
        // The server waits 50 ms before each line: the first line is read
        // well before the last one is even sent.
        let (first, last) = (lines[0].0, lines[2].0);
        assert!(last - first >= Duration::from_millis(50), "{lines:?}");
    }
}
