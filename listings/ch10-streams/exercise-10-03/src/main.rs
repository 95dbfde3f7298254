use std::pin::pin;
use std::time::Duration;

use futures::{Sink, SinkExt, Stream, StreamExt, stream};
use tokio::time::sleep;
use tokio_util::codec::{Framed, LinesCodec};

/// Forwards `items` into `sink` until the stream ends or `shutdown`
/// completes, and returns how many it forwarded, all of them flushed.
async fn relay<K: Sink<String> + Unpin>(
    items: impl Stream<Item = String>,
    sink: &mut K,
    shutdown: impl Future<Output = ()>,
) -> Result<usize, K::Error> {
    let mut items = pin!(items);
    let mut shutdown = pin!(shutdown);
    let mut sent = 0;
    loop {
        tokio::select! {
            // `next` is cancellation safe: a tick of `shutdown` loses
            // nothing. The item is handed over in the handler, which
            // `select!` never cancels.
            item = items.next() => match item {
                Some(item) => {
                    sink.feed(item).await?; // no flush per item
                    sent += 1;
                }
                None => break, // never poll the ended stream again
            },
            () = &mut shutdown => break,
        }
    }
    sink.flush().await?; // what was fed goes out before we return
    Ok(sent)
}

/// Lines 10 ms apart, made with `unfold`, which panics if polled after
/// its end.
fn lines(n: u32) -> impl Stream<Item = String> {
    stream::unfold(1, move |i| async move {
        sleep(Duration::from_millis(10)).await;
        (i <= n).then(|| (format!("line {i}"), i + 1))
    })
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let (near, far) = tokio::io::duplex(1024);
    let mut sink = Framed::new(near, LinesCodec::new());
    let mut peer = Framed::new(far, LinesCodec::new());
    let stop = sleep(Duration::from_millis(35));
    let sent = relay(lines(10), &mut sink, stop).await.unwrap();
    println!("forwarded {sent} lines before the shutdown");
    for _ in 0..sent {
        println!("the peer got {:?}", peer.next().await.unwrap().unwrap());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::DuplexStream;
    use tokio::time::timeout;

    type Lines = Framed<DuplexStream, LinesCodec>;

    fn connection() -> (Lines, Lines) {
        let (near, far) = tokio::io::duplex(1024);
        (
            Framed::new(near, LinesCodec::new()),
            Framed::new(far, LinesCodec::new()),
        )
    }

    /// Every line that arrives at `peer` within a second of the last.
    async fn received(peer: &mut Lines) -> Vec<String> {
        let mut got = Vec::new();
        while let Ok(Some(line)) =
            timeout(Duration::from_secs(1), peer.next()).await
        {
            got.push(line.unwrap());
        }
        got
    }

    #[tokio::test(start_paused = true)]
    async fn a_stream_that_ends_first_is_forwarded_whole() {
        let (mut sink, mut peer) = connection();
        let never = std::future::pending();
        assert_eq!(relay(lines(3), &mut sink, never).await.unwrap(), 3);
        assert_eq!(received(&mut peer).await, ["line 1", "line 2", "line 3"]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_shutdown_stops_it_and_what_was_sent_is_flushed() {
        let (mut sink, mut peer) = connection();
        let stop = sleep(Duration::from_millis(35));
        assert_eq!(relay(lines(10), &mut sink, stop).await.unwrap(), 3);
        assert_eq!(received(&mut peer).await, ["line 1", "line 2", "line 3"]);
    }
}
