use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::sleep;

// ANCHOR: server
/// Sends back whatever the client sends, until the client stops sending.
async fn echo(mut socket: TcpStream) -> io::Result<()> {
    let mut buffer = [0; 1024];
    loop {
        let n = socket.read(&mut buffer).await?;
        if n == 0 {
            return Ok(()); // the client closed its side
        }
        socket.write_all(&buffer[..n]).await?;
    }
}

/// Accepts connections for ever, and gives each one a task of its own.
async fn serve(listener: TcpListener) {
    loop {
        match listener.accept().await {
            Ok((socket, _peer)) => {
                tokio::spawn(async move {
                    if let Err(error) = echo(socket).await {
                        eprintln!("connection failed: {error}");
                    }
                });
            }
            Err(error) => accept_failed(error).await,
        }
    }
}

/// A failed `accept` must not end the server. If it cost only the one
/// client that hung up while waiting, go straight on; otherwise (out of
/// file descriptors, say) pause first, so that the loop does not spin.
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
// ANCHOR_END: server

// ANCHOR: inline
/// The same loop without `spawn`: one client at a time.
#[cfg_attr(not(test), allow(dead_code))] // only the tests run it
async fn serve_inline(listener: TcpListener) {
    loop {
        match listener.accept().await {
            Ok((socket, _peer)) => {
                // No `accept` until this client leaves.
                if let Err(error) = echo(socket).await {
                    eprintln!("connection failed: {error}");
                }
            }
            Err(error) => accept_failed(error).await,
        }
    }
}
// ANCHOR_END: inline

// ANCHOR: client
/// Connects, sends `message`, and returns everything the server sends back.
async fn ask(addr: SocketAddr, message: &str) -> io::Result<String> {
    let mut socket = TcpStream::connect(addr).await?;
    socket.write_all(message.as_bytes()).await?;
    socket.shutdown().await?; // "I am done sending": the server sees EOF
    let mut answer = String::new();
    socket.read_to_string(&mut answer).await?;
    Ok(answer)
}
// ANCHOR_END: client

#[tokio::main]
async fn main() -> io::Result<()> {
    // Port 0: the operating system picks a free port.
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(serve(listener));
    let (a, b, c) = tokio::try_join!(
        ask(addr, "tell me a joke"),
        ask(addr, "hello"),
        ask(addr, "bye"),
    )?;
    println!("{a:?} {b:?} {c:?}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use tokio::time::{Instant, timeout};

    use super::*;

    /// Starts `server` on a free port and returns its address.
    async fn start<F>(server: fn(TcpListener) -> F) -> SocketAddr
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(server(listener));
        addr
    }

    /// A client that has been served once and keeps its connection open.
    async fn connected_and_idle(addr: SocketAddr) -> TcpStream {
        let mut socket = TcpStream::connect(addr).await.unwrap();
        socket.write_all(b"hi").await.unwrap();
        let mut answer = [0; 2];
        socket.read_exact(&mut answer).await.unwrap();
        assert_eq!(&answer, b"hi"); // the server is now busy with us
        socket
    }

    #[tokio::test]
    async fn the_server_echoes() {
        let addr = start(serve).await;
        assert_eq!(ask(addr, "ping").await.unwrap(), "ping");
    }

    #[tokio::test]
    async fn an_inline_accept_loop_starves_the_next_client() {
        let addr = start(serve_inline).await;
        let _first = connected_and_idle(addr).await;
        // The second client is never answered while the first stays.
        let limit = Duration::from_millis(20);
        assert!(timeout(limit, ask(addr, "me too")).await.is_err());
    }

    #[tokio::test]
    async fn a_task_per_connection_serves_everyone_at_once() {
        let addr = start(serve).await;
        let _first = connected_and_idle(addr).await;
        let limit = Duration::from_secs(5); // generous; takes well under 1 ms
        let answers = timeout(limit, async {
            let mut clients = tokio::task::JoinSet::new();
            for i in 0..20 {
                let message = format!("client {i}");
                clients.spawn(async move {
                    let answer = ask(addr, &message).await.unwrap();
                    (message, answer)
                });
            }
            clients.join_all().await
        })
        .await
        .unwrap();
        assert_eq!(answers.len(), 20);
        for (message, answer) in answers {
            assert_eq!(answer, message);
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_accept_pauses_unless_it_cost_only_one_client() {
        let start = Instant::now();
        accept_failed(io::ErrorKind::ConnectionAborted.into()).await;
        assert_eq!(start.elapsed(), Duration::ZERO);
        // 24 is EMFILE on Linux: the process has no file descriptor left.
        accept_failed(io::Error::from_raw_os_error(24)).await;
        assert_eq!(start.elapsed(), Duration::from_millis(100));
    }
}
