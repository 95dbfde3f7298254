use std::io;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::timeout;

/// Answers in capitals, and hangs up on a client that is silent for `idle`.
async fn shout(mut socket: TcpStream, idle: Duration) -> io::Result<()> {
    let mut buffer = [0; 1024];
    loop {
        let n = match timeout(idle, socket.read(&mut buffer)).await {
            Ok(read) => read?,
            Err(_elapsed) => return Ok(()), // silent too long: hang up
        };
        if n == 0 {
            return Ok(());
        }
        buffer[..n].make_ascii_uppercase();
        socket.write_all(&buffer[..n]).await?;
    }
}

async fn serve(listener: TcpListener, idle: Duration) -> io::Result<()> {
    loop {
        let (socket, _peer) = listener.accept().await?;
        tokio::spawn(shout(socket, idle));
    }
}

#[tokio::main]
async fn main() -> io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(serve(listener, Duration::from_millis(10)));
    let mut client = TcpStream::connect(addr).await?;
    client.write_all(b"hello").await?;
    let mut answer = String::new();
    // The server answers, then hangs up after 10 ms of silence: EOF.
    client.read_to_string(&mut answer).await?;
    println!("{answer}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn start(idle: Duration) -> std::net::SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(serve(listener, idle));
        addr
    }

    #[tokio::test]
    async fn an_active_client_gets_answers() {
        let addr = start(Duration::from_secs(5)).await;
        let mut client = TcpStream::connect(addr).await.unwrap();
        let mut answer = [0; 3];
        for word in [b"abc", b"xyz"] {
            client.write_all(word).await.unwrap();
            client.read_exact(&mut answer).await.unwrap();
            assert_eq!(answer, word.map(|b| b.to_ascii_uppercase()));
        }
    }

    #[tokio::test]
    async fn a_silent_client_is_hung_up_on() {
        let addr = start(Duration::from_millis(10)).await;
        let mut client = TcpStream::connect(addr).await.unwrap();
        let mut rest = Vec::new();
        // read_to_end returns only when the server closes the connection.
        let closed =
            timeout(Duration::from_secs(5), client.read_to_end(&mut rest));
        assert_eq!(closed.await.unwrap().unwrap(), 0);
    }
}
