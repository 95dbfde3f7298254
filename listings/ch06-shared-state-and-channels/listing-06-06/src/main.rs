use tokio::sync::broadcast::{self, error::RecvError};

// ANCHOR: broadcast
/// Sends five announcements to two subscribers: one keeps up, one reads
/// only at the end. Returns what each of them received.
async fn announce() -> (Vec<String>, Vec<String>) {
    // Room for 2 messages that not every receiver has seen yet.
    let (sender, mut keeps_up) = broadcast::channel(2);
    let mut falls_behind = sender.subscribe();

    let mut fast = Vec::new();
    for n in 1..=5 {
        sender.send(format!("news {n}")).unwrap();
        fast.push(format!("{:?}", keeps_up.recv().await));
    }
    drop(sender); // no more news: receivers see Closed once they catch up

    let mut slow = Vec::new();
    loop {
        let received = falls_behind.recv().await;
        slow.push(format!("{received:?}"));
        if received == Err(RecvError::Closed) {
            break;
        }
    }
    (fast, slow)
}
// ANCHOR_END: broadcast

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let (fast, slow) = announce().await;
    println!("keeps up:      {}", fast.join(", "));
    println!("falls behind:  {}", slow.join(", "));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_receiver_that_falls_behind_loses_the_oldest_messages() {
        let (fast, slow) = announce().await;
        assert_eq!(fast.len(), 5, "every message reached the fast receiver");
        assert_eq!(
            slow,
            [
                "Err(Lagged(3))", // news 1 to 3 were overwritten
                "Ok(\"news 4\")",
                "Ok(\"news 5\")",
                "Err(Closed)"
            ]
        );
    }

    #[tokio::test]
    async fn the_capacity_is_rounded_up_to_a_power_of_two() {
        let (sender, mut receiver) = broadcast::channel(3);
        for n in 1..=5 {
            sender.send(n).unwrap();
        }
        // Room for 4, not 3: only the first message was overwritten.
        assert_eq!(receiver.recv().await, Err(RecvError::Lagged(1)));
        for n in 2..=5 {
            assert_eq!(receiver.recv().await, Ok(n));
        }
    }

    #[tokio::test]
    async fn sending_with_no_receivers_is_an_error() {
        let (sender, receiver) = broadcast::channel::<u32>(2);
        drop(receiver);
        assert!(sender.send(1).is_err());
    }
}
