use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep};

// ANCHOR: batches
/// Collects messages and flushes them every `period`, however busy the
/// channel is. Returns when each flush happened and what it held.
async fn batches(
    mut rx: mpsc::Receiver<u32>,
    period: Duration,
) -> Vec<(Duration, Vec<u32>)> {
    let start = Instant::now();
    let mut flushes = Vec::new();
    let mut batch = Vec::new();
    let flush = sleep(period); // created once, before the loop
    tokio::pin!(flush);
    loop {
        tokio::select! {
            () = &mut flush => {
                flushes.push((start.elapsed(), std::mem::take(&mut batch)));
                flush.as_mut().reset(Instant::now() + period); // next one
            }
            message = rx.recv() => match message {
                Some(message) => batch.push(message),
                None => break,
            },
        }
    }
    flushes.push((start.elapsed(), batch)); // what is left at the end
    flushes
}
// ANCHOR_END: batches

// ANCHOR: batches_broken
/// The same loop with a new `sleep` on every turn. Each message that
/// arrives starts the wait from zero again.
async fn batches_broken(
    mut rx: mpsc::Receiver<u32>,
    period: Duration,
) -> Vec<(Duration, Vec<u32>)> {
    let start = Instant::now();
    let mut flushes = Vec::new();
    let mut batch = Vec::new();
    loop {
        tokio::select! {
            () = sleep(period) => {
                flushes.push((start.elapsed(), std::mem::take(&mut batch)));
            }
            message = rx.recv() => match message {
                Some(message) => batch.push(message),
                None => break,
            },
        }
    }
    flushes.push((start.elapsed(), batch));
    flushes
}
// ANCHOR_END: batches_broken

/// Sends 1 to 7, one every 30 ms, then closes the channel.
fn busy_sender() -> mpsc::Receiver<u32> {
    let (tx, rx) = mpsc::channel(8);
    tokio::spawn(async move {
        for n in 1..=7 {
            sleep(Duration::from_millis(30)).await;
            tx.send(n).await.unwrap();
        }
    });
    rx
}

// ANCHOR: frames
/// Reads frames of one length byte followed by that many bytes. Every
/// byte read so far is kept in `self.buffer`, so `read_frame` is
/// cancellation safe: a call dropped at its `.await` loses nothing.
struct FrameReader<R> {
    reader: R,
    buffer: Vec<u8>,
}

impl<R: AsyncRead + Unpin> FrameReader<R> {
    fn new(reader: R) -> Self {
        Self {
            reader,
            buffer: Vec::new(),
        }
    }

    /// The next frame, or `None` at the end of the stream.
    async fn read_frame(&mut self) -> std::io::Result<Option<Vec<u8>>> {
        loop {
            if let Some(&len) = self.buffer.first() {
                let end = 1 + usize::from(len);
                if self.buffer.len() >= end {
                    let frame = self.buffer[1..end].to_vec();
                    self.buffer.drain(..end);
                    return Ok(Some(frame));
                }
            }
            // The only `.await`: `read_buf` is cancellation safe, and
            // what it reads goes straight into `self.buffer`.
            if self.reader.read_buf(&mut self.buffer).await? == 0 {
                return Ok(None); // (a partial frame at the end is dropped)
            }
        }
    }
}
// ANCHOR_END: frames

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let period = Duration::from_millis(100);
    for (at, batch) in batches(busy_sender(), period).await {
        println!("pinned sleep:  flushed {batch:?} at {at:?}");
    }
    for (at, batch) in batches_broken(busy_sender(), period).await {
        println!("new each turn: flushed {batch:?} at {at:?}");
    }

    // ANCHOR: frames_main
    let (mut writer, reader) = tokio::io::duplex(64);
    let mut frames = FrameReader::new(reader);
    writer.write_all(b"\x05hel").await.unwrap(); // half a frame
    let gave_up = tokio::time::timeout(period, frames.read_frame()).await;
    println!("first call:    {gave_up:?}");
    writer.write_all(b"lo").await.unwrap(); // the rest of it
    let frame = frames.read_frame().await.unwrap().unwrap();
    println!("second call:   {:?}", String::from_utf8(frame).unwrap());
    // ANCHOR_END: frames_main
}

#[cfg(test)]
mod tests {
    use super::*;

    const PERIOD: Duration = Duration::from_millis(100);

    /// For contrast: `read_exact` into a local buffer. If the call is
    /// dropped in the middle of a frame, the bytes it had read are lost.
    async fn read_frame_local<R: AsyncRead + Unpin>(
        reader: &mut R,
    ) -> std::io::Result<Vec<u8>> {
        let len = reader.read_u8().await?;
        let mut frame = vec![0; usize::from(len)];
        reader.read_exact(&mut frame).await?;
        Ok(frame)
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[tokio::test(start_paused = true)]
    async fn a_pinned_sleep_fires_while_messages_keep_coming() {
        let flushes = batches(busy_sender(), PERIOD).await;
        let expected = vec![
            (ms(100), vec![1, 2, 3]),
            (ms(200), vec![4, 5, 6]),
            (ms(210), vec![7]), // the channel closed
        ];
        assert_eq!(flushes, expected);
    }

    #[tokio::test(start_paused = true)]
    async fn a_sleep_created_each_turn_never_fires_while_messages_come() {
        let flushes = batches_broken(busy_sender(), PERIOD).await;
        assert_eq!(flushes, vec![(ms(210), vec![1, 2, 3, 4, 5, 6, 7])]);
    }

    #[tokio::test(start_paused = true)]
    async fn sleep_until_a_fixed_deadline_fires_too() {
        // The other fix: re-create the sleep, but for a fixed instant.
        let mut rx = busy_sender();
        let start = Instant::now();
        let deadline = start + PERIOD;
        let mut received = Vec::new();
        loop {
            tokio::select! {
                () = tokio::time::sleep_until(deadline) => break,
                Some(message) = rx.recv() => received.push(message),
            }
        }
        assert_eq!(received, vec![1, 2, 3]);
        assert_eq!(start.elapsed(), PERIOD);
    }

    #[tokio::test(start_paused = true)]
    async fn a_cancelled_read_frame_loses_nothing() {
        let (mut writer, reader) = tokio::io::duplex(64);
        let mut frames = FrameReader::new(reader);
        writer.write_all(b"\x05hel").await.unwrap();
        let first = tokio::time::timeout(PERIOD, frames.read_frame()).await;
        assert!(first.is_err(), "the frame is not complete yet");
        writer.write_all(b"lo\x02ok").await.unwrap();
        drop(writer);
        for expected in [&b"hello"[..], b"ok"] {
            let read = tokio::time::timeout(PERIOD, frames.read_frame());
            assert_eq!(read.await.unwrap().unwrap().unwrap(), expected);
        }
        let end = frames.read_frame().await.unwrap();
        assert_eq!(end, None);
    }

    #[tokio::test(start_paused = true)]
    async fn a_cancelled_read_exact_loses_the_start_of_the_frame() {
        let (mut writer, mut reader) = tokio::io::duplex(64);
        writer.write_all(b"\x05hel").await.unwrap();
        let first =
            tokio::time::timeout(PERIOD, read_frame_local(&mut reader)).await;
        assert!(first.is_err());
        writer.write_all(b"lo\x02ok").await.unwrap();
        drop(writer);
        // "\x05hel" went with the dropped future: the next call takes
        // 'l' (108) as a length, and runs out of bytes.
        let second = read_frame_local(&mut reader).await.unwrap_err();
        assert_eq!(second.kind(), std::io::ErrorKind::UnexpectedEof);
    }
}
