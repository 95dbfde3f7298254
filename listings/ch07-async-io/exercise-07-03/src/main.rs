//! A chat room over TCP: every line a member sends goes to all the others.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast::{self, error::RecvError};

/// One line said in the room, and who said it.
type Said = (SocketAddr, String);

/// Accepts members for ever, each in a task of its own.
async fn chat(listener: TcpListener) {
    let (room, _) = broadcast::channel::<Said>(64);
    loop {
        match listener.accept().await {
            Ok((socket, peer)) => {
                // Subscribe here, so the new member hears every line
                // said after its welcome.
                let heard = room.subscribe();
                let room = room.clone();
                tokio::spawn(async move {
                    if let Err(error) = member(socket, peer, room, heard).await
                    {
                        eprintln!("{peer} left with an error: {error}");
                    }
                });
            }
            Err(error) => {
                eprintln!("accept failed: {error}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// Reads the member's lines and writes the others' lines, at once.
async fn member(
    mut socket: TcpStream,
    peer: SocketAddr,
    room: broadcast::Sender<Said>,
    mut heard: broadcast::Receiver<Said>,
) -> io::Result<()> {
    let (reader, mut writer) = socket.split();
    writer.write_all(b"welcome\n").await?;
    let mut lines = BufReader::new(reader).lines();
    loop {
        tokio::select! {
            // `next_line` is cancellation safe: a line half read when the
            // other branch wins stays in the `BufReader`.
            line = lines.next_line() => match line? {
                Some(line) => {
                    // An error only means nobody else is listening.
                    let _ = room.send((peer, line));
                }
                None => return Ok(()), // the member left
            },
            said = heard.recv() => match said {
                Ok((from, _)) if from == peer => {} // our own line
                Ok((_, line)) => {
                    writer.write_all(format!("{line}\n").as_bytes()).await?;
                }
                Err(RecvError::Lagged(missed)) => {
                    let note = format!("({missed} lines missed)\n");
                    writer.write_all(note.as_bytes()).await?;
                }
                Err(RecvError::Closed) => return Ok(()),
            },
        }
    }
}

#[tokio::main]
async fn main() -> io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(chat(listener));
    let mut ada = BufReader::new(TcpStream::connect(addr).await?);
    let mut alan = BufReader::new(TcpStream::connect(addr).await?);
    let mut line = String::new();
    for client in [&mut ada, &mut alan] {
        client.read_line(&mut line).await?; // the welcome: now in the room
    }
    ada.get_mut().write_all(b"knock knock\n").await?;
    line.clear();
    alan.read_line(&mut line).await?;
    print!("Alan heard: {line}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use tokio::io::Lines;
    use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
    use tokio::time::timeout;

    use super::*;

    /// Generous: each step takes well under a millisecond.
    const PATIENCE: Duration = Duration::from_secs(10);

    struct Client {
        lines: Lines<BufReader<OwnedReadHalf>>,
        writer: OwnedWriteHalf,
    }

    impl Client {
        /// Connects and waits for the welcome: from then on, it hears
        /// everything said in the room.
        async fn join(addr: SocketAddr) -> Client {
            let (reader, writer) =
                TcpStream::connect(addr).await.unwrap().into_split();
            let mut client = Client {
                lines: BufReader::new(reader).lines(),
                writer,
            };
            assert_eq!(client.hear().await, "welcome");
            client
        }

        async fn say(&mut self, line: &str) {
            let line = format!("{line}\n");
            self.writer.write_all(line.as_bytes()).await.unwrap();
        }

        async fn hear(&mut self) -> String {
            let line = timeout(PATIENCE, self.lines.next_line()).await;
            line.expect("nothing heard").unwrap().expect("disconnected")
        }
    }

    async fn room() -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(chat(listener));
        addr
    }

    #[tokio::test]
    async fn a_line_reaches_every_other_member_but_not_its_sender() {
        let addr = room().await;
        let mut ada = Client::join(addr).await;
        let mut alan = Client::join(addr).await;
        let mut grace = Client::join(addr).await;
        ada.say("hi").await;
        assert_eq!(alan.hear().await, "hi");
        assert_eq!(grace.hear().await, "hi");
        alan.say("hello Ada").await;
        // Ada's next line is Alan's: her own "hi" never came back.
        assert_eq!(ada.hear().await, "hello Ada");
        assert_eq!(grace.hear().await, "hello Ada");
    }

    #[tokio::test]
    async fn the_room_goes_on_when_a_member_leaves() {
        let addr = room().await;
        let ada = Client::join(addr).await;
        let mut alan = Client::join(addr).await;
        let mut grace = Client::join(addr).await;
        drop(ada);
        alan.say("is Ada gone?").await;
        assert_eq!(grace.hear().await, "is Ada gone?");
        grace.say("yes").await;
        assert_eq!(alan.hear().await, "yes");
    }

    #[tokio::test]
    async fn a_member_hears_while_it_is_halfway_through_a_line() {
        let addr = room().await;
        let mut ada = Client::join(addr).await;
        let mut alan = Client::join(addr).await;
        ada.writer.write_all(b"I am still typ").await.unwrap();
        alan.say("anyone there?").await;
        assert_eq!(ada.hear().await, "anyone there?");
        ada.say("ing").await; // the half line was kept, not lost
        assert_eq!(alan.hear().await, "I am still typing");
    }
}
