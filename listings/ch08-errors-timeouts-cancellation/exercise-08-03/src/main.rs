use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Sends `items` in order until they are all sent, the channel closes, or
/// `token` is cancelled. Returns the items it did not send, in order.
async fn forward<T>(
    items: Vec<T>,
    tx: &mpsc::Sender<T>,
    token: &CancellationToken,
) -> Vec<T> {
    let mut items = items.into_iter();
    while let Some(item) = items.next() {
        // Wait for room first. `reserve` is cancellation safe, and the
        // item stays here, in our hands, until there is room for it.
        let permit = tokio::select! {
            biased;
            () = token.cancelled() => None,
            permit = tx.reserve() => permit.ok(), // Err: channel closed
        };
        match permit {
            Some(permit) => permit.send(item), // not async: cannot fail
            None => return std::iter::once(item).chain(items).collect(),
        }
    }
    Vec::new()
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let (tx, mut rx) = mpsc::channel(1);
    let token = CancellationToken::new();
    let forwarding = tokio::spawn({
        let (tx, token) = (tx.clone(), token.clone());
        async move { forward(vec![1, 2, 3], &tx, &token).await }
    });
    while tx.capacity() > 0 {
        tokio::task::yield_now().await; // until item 1 fills the channel
    }
    token.cancel(); // the receiver is slow, and we are shutting down
    let unsent = forwarding.await.unwrap();
    println!("received: {:?}", rx.recv().await);
    println!("handed back: {unsent:?}");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Waits until the channel behind `tx` is full.
    async fn until_full<T>(tx: &mpsc::Sender<T>) {
        while tx.capacity() > 0 {
            tokio::task::yield_now().await;
        }
    }

    #[tokio::test]
    async fn cancelling_while_the_channel_is_full_loses_nothing() {
        let (tx, mut rx) = mpsc::channel(1);
        let token = CancellationToken::new();
        let task = tokio::spawn({
            let (tx, token) = (tx.clone(), token.clone());
            async move { forward(vec![1, 2, 3], &tx, &token).await }
        });
        until_full(&tx).await;
        token.cancel();
        let unsent = task.await.unwrap();
        drop(tx);
        let mut received = Vec::new();
        while let Some(item) = rx.recv().await {
            received.push(item);
        }
        assert_eq!(received, [1]);
        assert_eq!(unsent, [2, 3], "item 2 must come back, not vanish");
    }

    #[tokio::test]
    async fn everything_is_sent_when_nobody_cancels() {
        let (tx, mut rx) = mpsc::channel(1);
        let token = CancellationToken::new();
        let reader = tokio::spawn(async move {
            let mut received = Vec::new();
            while let Some(item) = rx.recv().await {
                received.push(item);
            }
            received
        });
        let unsent = forward(vec![1, 2, 3], &tx, &token).await;
        drop(tx);
        assert!(unsent.is_empty());
        assert_eq!(reader.await.unwrap(), [1, 2, 3]);
    }

    #[tokio::test]
    async fn a_closed_channel_hands_everything_back() {
        let (tx, rx) = mpsc::channel(1);
        drop(rx);
        let token = CancellationToken::new();
        let unsent = forward(vec!["a", "b"], &tx, &token).await;
        assert_eq!(unsent, ["a", "b"]);
    }
}
