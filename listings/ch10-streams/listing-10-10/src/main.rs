use futures::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::codec::{Framed, LinesCodec, LinesCodecError};

// ANCHOR: server
/// A line-based server: answers each line with the line in capitals.
async fn serve(listener: TcpListener) -> std::io::Result<()> {
    loop {
        let (socket, _) = listener.accept().await?;
        tokio::spawn(async move {
            // One value is both a Stream of incoming lines and a Sink for
            // outgoing ones. Lines over 64 bytes are an error, so a client
            // cannot make the server buffer without limit.
            let mut lines =
                Framed::new(socket, LinesCodec::new_with_max_length(64));
            while let Some(line) = lines.next().await {
                let reply = match line {
                    Ok(line) => line.to_uppercase(),
                    Err(LinesCodecError::MaxLineLengthExceeded) => {
                        // Treat an over-long line as the end of the conversation.
                        let _ = lines.send("error: line too long").await;
                        break;
                    }
                    Err(LinesCodecError::Io(_)) => break,
                };
                if lines.send(reply).await.is_err() {
                    break;
                }
            }
        });
    }
}
// ANCHOR_END: server

// ANCHOR: client
/// Sends each line and collects the answers.
async fn ask(
    addr: std::net::SocketAddr,
    questions: &[&str],
) -> Result<Vec<String>, LinesCodecError> {
    let socket = TcpStream::connect(addr).await?;
    // The client limits what it buffers too: no answer is over 64 bytes.
    let mut lines = Framed::new(socket, LinesCodec::new_with_max_length(64));
    let mut answers = Vec::new();
    for question in questions {
        lines.send(*question).await?; // writes the line and a '\n'
        match lines.next().await {
            Some(answer) => answers.push(answer?),
            None => break, // the server closed the connection
        }
    }
    Ok(answers)
}
// ANCHOR_END: client

async fn start_server() -> std::io::Result<std::net::SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(serve(listener));
    Ok(addr)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let addr = start_server().await?;
    let long = "ha".repeat(40);
    for answer in ask(addr, &["tell me a joke", "thanks", &long]).await? {
        println!("{answer}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn each_line_gets_its_answer() {
        let addr = start_server().await.unwrap();
        let answers = ask(addr, &["one", "two words"]).await.unwrap();
        assert_eq!(answers, ["ONE", "TWO WORDS"]);
    }

    #[tokio::test]
    async fn the_client_refuses_an_answer_over_the_limit() {
        // A server that answers anything with 65 bytes and a newline.
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (socket, _) = listener.accept().await.unwrap();
            let mut lines = Framed::new(socket, LinesCodec::new());
            lines.next().await;
            lines.send("x".repeat(65)).await.unwrap();
        });
        let outcome = ask(addr, &["hello"]).await;
        assert!(matches!(
            outcome,
            Err(LinesCodecError::MaxLineLengthExceeded)
        ));
    }

    #[tokio::test]
    async fn a_line_over_the_limit_is_refused_not_buffered() {
        let addr = start_server().await.unwrap();
        let long = "x".repeat(65);
        let answers = ask(addr, &["fine", &long]).await.unwrap();
        assert_eq!(answers, ["FINE", "error: line too long"]);
    }
}
