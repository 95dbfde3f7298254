use std::time::Duration;

use tokio::io::{self, AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::time::timeout;

/// How long a client may stay silent before the server hangs up.
const IDLE: Duration = Duration::from_secs(5);

// ANCHOR: code
/// Serves one client of a tiny line protocol: `JOKE` gets a joke, `QUIT`
/// ends the session, anything else gets an error line. Works on any byte
/// stream: a TCP socket in production, a mock in tests.
async fn serve<S>(stream: S) -> io::Result<()>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut stream = io::BufReader::new(stream);
    let mut line = String::new();
    loop {
        line.clear();
        let read = timeout(IDLE, stream.read_line(&mut line)).await;
        let reply = match read {
            Err(_elapsed) => "BYE idle\n",
            Ok(Err(error)) => return Err(error),
            Ok(Ok(0)) => return Ok(()), // the client hung up
            Ok(Ok(_)) => match line.trim_end() {
                "JOKE" => "OK I would tell you a UDP joke, but.\n",
                "QUIT" => "BYE\n",
                _ => "ERR unknown command\n",
            },
        };
        stream.write_all(reply.as_bytes()).await?;
        if reply.starts_with("BYE") {
            return Ok(());
        }
    }
}
// ANCHOR_END: code

#[tokio::main(flavor = "current_thread")]
async fn main() -> io::Result<()> {
    // An in-memory connection: the server gets one end, we play the client.
    let (mut client, server) = io::duplex(1024);
    let server = tokio::spawn(serve(server));
    client.write_all(b"JOKE\nHELP\nQUIT\n").await?;
    let mut replies = String::new();
    io::AsyncReadExt::read_to_string(&mut client, &mut replies).await?;
    print!("{replies}");
    server.await.unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio_test::io::Builder;

    // ANCHOR: tests
    #[tokio::test]
    async fn answers_each_command_in_turn() {
        let client = Builder::new()
            .read(b"JOKE\n")
            .write(b"OK I would tell you a UDP joke, but.\n")
            .read(b"DANCE\n")
            .write(b"ERR unknown command\n")
            .read(b"QUIT\n")
            .write(b"BYE\n")
            .build(); // panics if the server writes anything else
        serve(client).await.unwrap();
    }

    #[tokio::test]
    async fn a_broken_connection_is_an_error() {
        let reset = io::Error::from(io::ErrorKind::ConnectionReset);
        let client = Builder::new().read(b"JO").read_error(reset).build();
        let error = serve(client).await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::ConnectionReset);
    }

    #[tokio::test(start_paused = true)]
    async fn a_silent_client_is_dropped_after_the_idle_time() -> io::Result<()>
    {
        // `duplex` is an in-memory pipe: one end for the server, one for
        // a test client that connects and then says nothing.
        let (mut client, server) = io::duplex(64);
        let start = tokio::time::Instant::now();
        tokio::spawn(serve(server));
        let mut reply = String::new();
        io::AsyncReadExt::read_to_string(&mut client, &mut reply).await?;
        assert_eq!(reply, "BYE idle\n");
        assert_eq!(start.elapsed(), IDLE); // 5 s of paused time: instant
        Ok(())
    }

    #[tokio::test]
    #[should_panic(expected = "left == right")]
    async fn the_mock_rejects_an_unexpected_reply() {
        let client = Builder::new().read(b"JOKE\n").write(b"OK\n").build();
        let _ = serve(client).await;
    }
    // ANCHOR_END: tests
}
