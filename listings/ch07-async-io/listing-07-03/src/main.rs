use std::io;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::sleep;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Sends back whatever the client sends, until the client stops sending.
async fn echo(mut socket: TcpStream) -> io::Result<()> {
    let mut buffer = [0; 1024];
    loop {
        let n = socket.read(&mut buffer).await?;
        if n == 0 {
            return Ok(());
        }
        socket.write_all(&buffer[..n]).await?;
    }
}

/// As in Listing 7-2: log a failed `accept`, and pause unless it cost only
/// the one client that hung up while waiting.
async fn accept_failed(error: io::Error) {
    eprintln!("accept failed: {error}");
    let one_client = matches!(
        error.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionRefused
    );
    if !one_client {
        sleep(Duration::from_millis(100)).await;
    }
}

// ANCHOR: serve
/// Serves until `shutdown` is cancelled, then stops accepting and returns
/// once every connection already accepted has finished.
async fn serve(listener: TcpListener, shutdown: CancellationToken) {
    let connections = TaskTracker::new();
    loop {
        tokio::select! {
            // `accept` is cancel safe: losing the race accepts nothing.
            accepted = listener.accept() => match accepted {
                Ok((socket, _peer)) => {
                    connections.spawn(async move {
                        if let Err(error) = echo(socket).await {
                            eprintln!("connection failed: {error}");
                        }
                    });
                }
                Err(error) => accept_failed(error).await,
            },
            _ = shutdown.cancelled() => break,
        }
    }
    drop(listener); // new clients are now refused by the operating system
    connections.close(); // no more tasks will be added...
    connections.wait().await; // ...so this ends when the last one does
}
// ANCHOR_END: serve

/// Connects, sends `message`, and returns everything the server sends back.
async fn ask(addr: std::net::SocketAddr, message: &str) -> io::Result<String> {
    let mut socket = TcpStream::connect(addr).await?;
    socket.write_all(message.as_bytes()).await?;
    socket.shutdown().await?;
    let mut answer = String::new();
    socket.read_to_string(&mut answer).await?;
    Ok(answer)
}

#[tokio::main]
async fn main() -> io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let shutdown = CancellationToken::new();
    let server = tokio::spawn(serve(listener, shutdown.clone()));

    println!("before shutdown: {:?}", ask(addr, "hello").await?);
    shutdown.cancel(); // in a real server: on Ctrl-C (tokio::signal::ctrl_c)
    server.await?;
    let refused = ask(addr, "anyone there?").await.unwrap_err();
    println!("after shutdown: {:?}", refused.kind());
    Ok(())
}

#[cfg(test)]
mod tests {
    use tokio::time::{Instant, timeout};

    use super::*;

    #[tokio::test]
    async fn a_connection_in_progress_finishes_after_shutdown() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let shutdown = CancellationToken::new();
        let mut server = tokio::spawn(serve(listener, shutdown.clone()));

        // A client that the server has accepted and answered once.
        let mut client = TcpStream::connect(addr).await.unwrap();
        let mut answer = [0; 5];
        client.write_all(b"first").await.unwrap();
        client.read_exact(&mut answer).await.unwrap();

        shutdown.cancel();
        // The server does not finish while the client is still connected.
        let wait = Duration::from_millis(20);
        assert!(timeout(wait, &mut server).await.is_err());
        // By now the listener is closed: a new client is refused...
        let refused = TcpStream::connect(addr).await.unwrap_err();
        assert_eq!(refused.kind(), io::ErrorKind::ConnectionRefused);
        // ...but the accepted one is still served, to the end.
        client.write_all(b"again").await.unwrap();
        client.read_exact(&mut answer).await.unwrap();
        assert_eq!(&answer, b"again");
        drop(client);
        // And once it has gone, the server returns.
        timeout(Duration::from_secs(5), server)
            .await
            .unwrap()
            .unwrap();
    }

    #[tokio::test]
    async fn with_no_connections_shutdown_is_immediate() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let shutdown = CancellationToken::new();
        shutdown.cancel();
        let server = serve(listener, shutdown);
        timeout(Duration::from_secs(5), server).await.unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_accept_pauses_unless_it_cost_only_one_client() {
        let start = Instant::now();
        accept_failed(io::ErrorKind::ConnectionReset.into()).await;
        assert_eq!(start.elapsed(), Duration::ZERO);
        // 24 is EMFILE on Linux: the process has no file descriptor left.
        accept_failed(io::Error::from_raw_os_error(24)).await;
        assert_eq!(start.elapsed(), Duration::from_millis(100));
    }
}
