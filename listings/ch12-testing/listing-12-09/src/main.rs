use std::io;
use std::time::Duration;

use tokio::io::{
    AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader,
};
use tokio::time::{sleep, timeout};

// ANCHOR: code
/// The joke server's side of one connection: a joke for each `JOKE` line.
async fn serve(stream: impl AsyncRead + AsyncWrite) -> io::Result<()> {
    let (read, mut write) = tokio::io::split(stream);
    let mut lines = BufReader::new(read).lines();
    while let Some(line) = lines.next_line().await? {
        let reply = match line.as_str() {
            "JOKE" => "Why did the future wait? It was Pending.\n",
            _ => "ERR unknown command\n",
        };
        write.write_all(reply.as_bytes()).await?;
    }
    Ok(())
}

#[derive(Debug)]
enum AskError {
    /// An attempt took longer than the time limit.
    TimedOut,
    /// The connection failed or closed.
    Io(io::ErrorKind),
}

/// Connects, asks for one joke, and reads the answer, all within `limit`;
/// tries `attempts` times, one second apart.
async fn ask_joke<S: AsyncRead + AsyncWrite>(
    mut connect: impl AsyncFnMut() -> io::Result<S>,
    limit: Duration,
    attempts: u32,
) -> Result<String, AskError> {
    let mut last = AskError::TimedOut;
    for attempt in 1..=attempts {
        if attempt > 1 {
            sleep(Duration::from_secs(1)).await;
        }
        let one_try = async {
            let stream = connect().await?;
            let (read, mut write) = tokio::io::split(stream);
            write.write_all(b"JOKE\n").await?;
            let mut joke = String::new();
            BufReader::new(read).read_line(&mut joke).await?;
            Ok::<_, io::Error>(joke.trim_end().to_string())
        };
        match timeout(limit, one_try).await {
            Ok(Ok(joke)) if !joke.is_empty() => return Ok(joke),
            Ok(Ok(_)) => last = AskError::Io(io::ErrorKind::UnexpectedEof),
            Ok(Err(e)) => last = AskError::Io(e.kind()),
            Err(_) => last = AskError::TimedOut,
        }
    }
    Err(last)
}
// ANCHOR_END: code

/// Over real loopback TCP.
#[tokio::main(flavor = "current_thread")]
async fn main() -> io::Result<()> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(serve(stream));
        }
    });
    let connect = async || tokio::net::TcpStream::connect(addr).await;
    match ask_joke(connect, Duration::from_secs(5), 1).await {
        Ok(joke) => println!("joke: {joke}"),
        Err(AskError::TimedOut) => println!("timed out"),
        Err(AskError::Io(kind)) => println!("failed: {kind}"),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::rc::Rc;
    use turmoil::net::{TcpListener, TcpStream};

    // ANCHOR: tests
    /// A simulation with a joke server, and every message delayed by
    /// exactly `latency` in each direction.
    fn simulation<'a>(latency: Duration) -> turmoil::Sim<'a> {
        let mut sim = turmoil::Builder::new()
            .min_message_latency(latency)
            .max_message_latency(latency)
            .build();
        sim.host("server", || async {
            let listener = TcpListener::bind("0.0.0.0:7000").await?;
            loop {
                let (stream, _) = listener.accept().await?;
                tokio::spawn(serve(stream));
            }
        });
        sim
    }

    #[test]
    fn a_slow_network_hits_the_time_limit() {
        for (latency, expect_joke) in [(50, true), (400, false)] {
            let mut sim = simulation(Duration::from_millis(latency));
            sim.client("client", async move {
                let connect = async || TcpStream::connect("server:7000").await;
                let result = ask_joke(connect, Duration::from_secs(1), 1).await;
                match result {
                    Ok(joke) => assert!(expect_joke, "{latency} ms: {joke}"),
                    Err(AskError::TimedOut) => assert!(!expect_joke),
                    Err(other) => panic!("{latency} ms: {other:?}"),
                }
                Ok(())
            });
            sim.run().unwrap();
        }
    }

    #[test]
    fn a_partition_refuses_the_connection() {
        let mut sim = simulation(Duration::from_millis(10));
        sim.client("client", async {
            turmoil::partition("client", "server");
            let connect = async || TcpStream::connect("server:7000").await;
            let result = ask_joke(connect, Duration::from_secs(1), 1).await;
            assert!(
                matches!(
                    result,
                    Err(AskError::Io(io::ErrorKind::ConnectionRefused))
                ),
                "{result:?}"
            );
            Ok(())
        });
        sim.run().unwrap();
    }

    #[test]
    fn held_messages_make_a_timeout() {
        let mut sim = simulation(Duration::from_millis(10));
        sim.client("client", async {
            turmoil::hold("client", "server");
            let connect = async || TcpStream::connect("server:7000").await;
            let result = ask_joke(connect, Duration::from_secs(1), 1).await;
            assert!(matches!(result, Err(AskError::TimedOut)), "{result:?}");
            Ok(())
        });
        sim.run().unwrap();
    }

    #[test]
    fn a_retry_gets_through_once_the_partition_heals() {
        let mut sim = simulation(Duration::from_millis(10));
        sim.client("client", async {
            turmoil::partition("client", "server");
            tokio::spawn(async {
                sleep(Duration::from_millis(1500)).await;
                turmoil::repair("client", "server");
            });
            let tries = Rc::new(Cell::new(0));
            let counter = tries.clone();
            let connect = async move || {
                counter.set(counter.get() + 1);
                TcpStream::connect("server:7000").await
            };
            let result = ask_joke(connect, Duration::from_secs(1), 3).await;
            assert!(result.is_ok(), "{result:?}");
            // Tries at 0 s and 1 s are refused; the one at 2 s gets through.
            assert_eq!(tries.get(), 3);
            Ok(())
        });
        sim.run().unwrap();
    }
    // ANCHOR_END: tests

    #[tokio::test(start_paused = true)]
    async fn a_connection_closed_without_an_answer_is_an_error() {
        // No network needed: an in-memory pipe whose other end reads the
        // request, then hangs up without answering.
        let connect = async || {
            let (client, server) = tokio::io::duplex(64);
            tokio::spawn(async move {
                let mut request = String::new();
                BufReader::new(server).read_line(&mut request).await
            });
            Ok(client)
        };
        let result = ask_joke(connect, Duration::from_secs(1), 1).await;
        let eof = io::ErrorKind::UnexpectedEof;
        assert!(
            matches!(result, Err(AskError::Io(k)) if k == eof),
            "{result:?}"
        );
    }
}
