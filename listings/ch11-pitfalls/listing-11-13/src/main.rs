use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::timeout;

// ANCHOR: inline
/// Greets each client by the name it sends first. The name is read in
/// the accept loop, before spawning: one silent client stops the loop.
async fn serve_reading_names_inline(listener: TcpListener) -> io::Result<()> {
    loop {
        let (socket, _) = listener.accept().await?;
        let mut socket = BufReader::new(socket);
        let mut name = String::new();
        socket.read_line(&mut name).await?; // waits for this client only
        tokio::spawn(greet(socket, name));
    }
}

async fn greet(
    mut socket: BufReader<TcpStream>,
    name: String,
) -> io::Result<()> {
    let greeting = format!("Hello, {}!\n", name.trim());
    socket.get_mut().write_all(greeting.as_bytes()).await
}
// ANCHOR_END: inline

// ANCHOR: fixed
/// The accept loop only accepts; everything that waits on a client
/// happens in that client's task, with a limit on how long it may wait.
async fn serve(listener: TcpListener) -> io::Result<()> {
    loop {
        let (socket, _) = listener.accept().await?;
        tokio::spawn(handle(socket));
    }
}

async fn handle(socket: TcpStream) -> io::Result<()> {
    let mut socket = BufReader::new(socket);
    let mut name = String::new();
    timeout(Duration::from_secs(10), socket.read_line(&mut name)).await??;
    greet(socket, name).await
}
// ANCHOR_END: fixed

/// A client that sends its name and reads the greeting.
async fn ask(addr: SocketAddr, name: &str) -> io::Result<String> {
    let mut socket = BufReader::new(TcpStream::connect(addr).await?);
    socket
        .get_mut()
        .write_all(format!("{name}\n").as_bytes())
        .await?;
    let mut reply = String::new();
    socket.read_line(&mut reply).await?;
    Ok(reply.trim_end().to_string())
}

// ANCHOR: try_it
/// Starts `server`, connects a client that never says a word, then asks
/// for a greeting, and gives up after `patience`.
async fn greeting_next_to_a_silent_client<F>(
    server: impl FnOnce(TcpListener) -> F,
    patience: Duration,
) -> Option<String>
where
    F: Future<Output = io::Result<()>> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(server(listener));
    let _silent = TcpStream::connect(addr).await.unwrap();
    let reply = timeout(patience, ask(addr, "Ada")).await;
    server.abort();
    reply.ok().map(Result::unwrap)
}
// ANCHOR_END: try_it

/// Long enough for a greeting that is coming, even on a busy machine.
const ANSWER_WINDOW: Duration = Duration::from_secs(10);
/// A greeting that has not come in this long is not coming.
const HANG_WINDOW: Duration = Duration::from_millis(500);

#[tokio::main]
async fn main() {
    let inline = serve_reading_names_inline;
    let inline = greeting_next_to_a_silent_client(inline, HANG_WINDOW);
    println!("name read in the accept loop: {:?}", inline.await);
    let spawned = greeting_next_to_a_silent_client(serve, ANSWER_WINDOW);
    println!("name read in the task:        {:?}", spawned.await);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_handshake_in_the_accept_loop_starves_the_next_client() {
        let inline = serve_reading_names_inline;
        let reply = greeting_next_to_a_silent_client(inline, HANG_WINDOW);
        assert_eq!(reply.await, None, "no greeting within the window");
    }

    #[tokio::test]
    async fn a_handshake_in_the_task_serves_the_next_client() {
        let reply = greeting_next_to_a_silent_client(serve, ANSWER_WINDOW);
        assert_eq!(reply.await.as_deref(), Some("Hello, Ada!"));
    }

    // The paused clock, with a real socket: the connection is made before
    // any timer exists, and after that nothing waits on the socket, so
    // the clock can only jump to a timer's deadline.
    #[tokio::test(start_paused = true)]
    async fn a_silent_client_is_dropped_after_ten_seconds() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (silent, accepted) =
            tokio::join!(TcpStream::connect(addr), listener.accept());
        let (_silent, (socket, _)) = (silent.unwrap(), accepted.unwrap());
        let start = tokio::time::Instant::now();
        let outcome = timeout(Duration::from_secs(60), handle(socket)).await;
        let error =
            outcome.expect("the handler gave up by itself").unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::TimedOut);
        assert_eq!(start.elapsed(), Duration::from_secs(10));
    }
}
