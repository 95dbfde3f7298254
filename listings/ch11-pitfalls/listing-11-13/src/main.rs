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
/// for a greeting, and gives up after 100 ms.
async fn greeting_next_to_a_silent_client<F>(
    server: impl FnOnce(TcpListener) -> F,
) -> Option<String>
where
    F: Future<Output = io::Result<()>> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(server(listener));
    let _silent = TcpStream::connect(addr).await.unwrap();
    let reply = timeout(Duration::from_millis(100), ask(addr, "Ada")).await;
    server.abort();
    reply.ok().map(Result::unwrap)
}
// ANCHOR_END: try_it

#[tokio::main]
async fn main() {
    let inline = greeting_next_to_a_silent_client(serve_reading_names_inline);
    println!("name read in the accept loop: {:?}", inline.await);
    let spawned = greeting_next_to_a_silent_client(serve);
    println!("name read in the task:        {:?}", spawned.await);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_handshake_in_the_accept_loop_starves_the_next_client() {
        let reply =
            greeting_next_to_a_silent_client(serve_reading_names_inline).await;
        assert_eq!(reply, None, "no greeting within 100 ms");
    }

    #[tokio::test]
    async fn a_handshake_in_the_task_serves_the_next_client() {
        let reply = greeting_next_to_a_silent_client(serve).await;
        assert_eq!(reply.as_deref(), Some("Hello, Ada!"));
    }
}
