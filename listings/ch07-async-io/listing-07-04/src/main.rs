use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::sleep;

// ANCHOR: echo
/// Echoes with `copy`, from the socket's read half to its write half.
async fn echo(mut socket: TcpStream) -> io::Result<u64> {
    let (mut reader, mut writer) = socket.split();
    tokio::io::copy(&mut reader, &mut writer).await
}
// ANCHOR_END: echo

// ANCHOR: round_trip
/// Sends `payload` and reads everything that comes back, at the same time.
async fn round_trip(
    socket: TcpStream,
    payload: Vec<u8>,
) -> io::Result<Vec<u8>> {
    let (mut reader, mut writer) = socket.into_split();
    let sending = tokio::spawn(async move {
        writer.write_all(&payload).await
        // `writer` is dropped here, which shuts down the sending side.
    });
    let mut answer = Vec::new();
    reader.read_to_end(&mut answer).await?;
    sending.await??;
    Ok(answer)
}
// ANCHOR_END: round_trip

// ANCHOR: proxy
/// Forwards each connection to `upstream`, in both directions at once.
async fn proxy(listener: TcpListener, upstream: SocketAddr) {
    loop {
        match listener.accept().await {
            Ok((client, peer)) => {
                tokio::spawn(async move {
                    if let Err(error) = forward(client, upstream).await {
                        eprintln!("forwarding for {peer} failed: {error}");
                    }
                });
            }
            Err(error) => accept_failed(error).await,
        }
    }
}

async fn forward(
    mut client: TcpStream,
    upstream: SocketAddr,
) -> io::Result<(u64, u64)> {
    let mut server = TcpStream::connect(upstream).await?;
    tokio::io::copy_bidirectional(&mut client, &mut server).await
}
// ANCHOR_END: proxy

// ANCHOR: relay
/// What `copy_bidirectional` does, by hand: two copies at once, each of
/// which passes the end of its input on with `shutdown`.
#[cfg_attr(not(test), allow(dead_code))] // only the tests run it
async fn relay(a: &mut TcpStream, b: &mut TcpStream) -> io::Result<(u64, u64)> {
    let (mut a_reader, mut a_writer) = a.split();
    let (mut b_reader, mut b_writer) = b.split();
    let a_to_b = async {
        let n = tokio::io::copy(&mut a_reader, &mut b_writer).await?;
        b_writer.shutdown().await?;
        Ok(n)
    };
    let b_to_a = async {
        let n = tokio::io::copy(&mut b_reader, &mut a_writer).await?;
        a_writer.shutdown().await?;
        Ok(n)
    };
    tokio::try_join!(a_to_b, b_to_a)
}
// ANCHOR_END: relay

// ANCHOR: framing
/// The longest message `read_message` accepts.
const MAX_MESSAGE: u32 = 64 * 1024;

/// Sends one message: its length in 4 bytes (big-endian), then its bytes.
async fn write_message<W>(writer: &mut W, message: &[u8]) -> io::Result<()>
where
    W: AsyncWrite + Unpin,
{
    let length = u32::try_from(message.len())
        .ok()
        .filter(|&length| length <= MAX_MESSAGE)
        .ok_or_else(|| io::Error::other("message too long"))?;
    writer.write_u32(length).await?;
    writer.write_all(message).await
}

/// Reads one message, or `None` if the stream ends before a new one.
async fn read_message<R>(reader: &mut R) -> io::Result<Option<Vec<u8>>>
where
    R: AsyncRead + Unpin,
{
    let length = match reader.read_u32().await {
        Ok(length) => length,
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    };
    if length > MAX_MESSAGE {
        // Without this check, 4 bad bytes could make us allocate 4 GiB.
        return Err(io::Error::new(io::ErrorKind::InvalidData, "too long"));
    }
    let mut message = vec![0; length as usize];
    reader.read_exact(&mut message).await?;
    Ok(Some(message))
}
// ANCHOR_END: framing

// ANCHOR: capped
/// Serves at most `limit` connections at a time. The permit is taken
/// *before* `accept`: while all are in use, new clients are not accepted
/// and wait in the operating system's queue of pending connections.
async fn serve_capped<H, F>(listener: TcpListener, limit: usize, handle: H)
where
    H: Fn(TcpStream) -> F,
    F: Future<Output = io::Result<u64>> + Send + 'static,
{
    let permits = Arc::new(Semaphore::new(limit));
    loop {
        let permit = Arc::clone(&permits).acquire_owned().await.unwrap();
        match listener.accept().await {
            Ok((socket, _peer)) => {
                let connection = handle(socket);
                tokio::spawn(async move {
                    if let Err(error) = connection.await {
                        eprintln!("connection failed: {error}");
                    }
                    drop(permit); // the next client may be accepted
                });
            }
            Err(error) => accept_failed(error).await, // `permit` goes back
        }
    }
}
// ANCHOR_END: capped

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

/// Binds a listener on a free port of 127.0.0.1.
async fn bind() -> io::Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    Ok((listener, addr))
}

// ANCHOR: main
#[tokio::main]
async fn main() -> io::Result<()> {
    let (listener, echo_addr) = bind().await?;
    tokio::spawn(serve_capped(listener, 2, echo));
    let (listener, proxy_addr) = bind().await?;
    tokio::spawn(proxy(listener, echo_addr));

    // A megabyte through the proxy to the echo server, and back.
    let payload: Vec<u8> = (0..1 << 20).map(|i| (i % 251) as u8).collect();
    let socket = TcpStream::connect(proxy_addr).await?;
    let answer = round_trip(socket, payload.clone()).await?;
    println!(
        "{} bytes sent, {} back, same: {}",
        payload.len(),
        answer.len(),
        answer == payload
    );

    // Two messages, written back to back, read back as two.
    let mut socket = TcpStream::connect(proxy_addr).await?;
    write_message(&mut socket, b"knock knock").await?;
    write_message(&mut socket, b"who's there?").await?;
    socket.shutdown().await?;
    while let Some(message) = read_message(&mut socket).await? {
        println!("{:?}", String::from_utf8_lossy(&message));
    }
    Ok(())
}
// ANCHOR_END: main

#[cfg(test)]
mod tests {
    use std::pin::Pin;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::{Context, Poll};

    use tokio::io::ReadBuf;
    use tokio::net::TcpSocket;
    use tokio::sync::{mpsc, oneshot};
    use tokio::time::{Instant, timeout};

    use super::*;

    /// Generous: what must happen takes milliseconds.
    const PATIENCE: Duration = Duration::from_secs(10);

    fn payload(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i % 251) as u8).collect()
    }

    /// Socket buffers of a few kilobytes: far less than a megabyte can be
    /// on its way at any moment, whatever the operating system's defaults.
    fn small_socket() -> TcpSocket {
        let socket = TcpSocket::new_v4().unwrap();
        socket.set_send_buffer_size(4096).unwrap();
        socket.set_recv_buffer_size(4096).unwrap();
        socket
    }

    /// An echo server whose connections have small buffers (accepted
    /// sockets inherit them from the listener).
    fn small_echo_server() -> SocketAddr {
        let socket = small_socket();
        socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let listener = socket.listen(16).unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(serve_capped(listener, 4, echo));
        addr
    }

    async fn small_client(addr: SocketAddr) -> TcpStream {
        small_socket().connect(addr).await.unwrap()
    }

    /// The mistake: send everything, and only then start reading.
    async fn round_trip_in_turn(
        mut socket: TcpStream,
        payload: Vec<u8>,
    ) -> io::Result<Vec<u8>> {
        socket.write_all(&payload).await?;
        socket.shutdown().await?;
        let mut answer = Vec::new();
        socket.read_to_end(&mut answer).await?;
        Ok(answer)
    }

    #[tokio::test]
    async fn reading_and_writing_at_once_moves_a_megabyte_both_ways() {
        let addr = small_echo_server();
        let megabyte = payload(1 << 20);
        let socket = small_client(addr).await;
        let answer = timeout(PATIENCE, round_trip(socket, megabyte.clone()))
            .await
            .expect("the round trip should finish")
            .unwrap();
        assert!(answer == megabyte);
    }

    #[tokio::test]
    async fn writing_everything_before_reading_stalls_for_good() {
        let addr = small_echo_server();
        let socket = small_client(addr).await;
        // The echo server cannot send back more than the buffers hold
        // until we read, and stops reading until it can send: both wait.
        let stalled = round_trip_in_turn(socket, payload(1 << 20));
        let limit = Duration::from_secs(1); // it can never finish
        assert!(timeout(limit, stalled).await.is_err());
    }

    #[tokio::test]
    async fn two_writes_can_arrive_in_one_read() {
        let (listener, addr) = bind().await.unwrap();
        let mut client = TcpStream::connect(addr).await.unwrap();
        let (mut server, _) = listener.accept().await.unwrap();
        client.write_all(b"knock knock").await.unwrap();
        client.write_all(b"who's there?").await.unwrap();
        // Wait (without reading) until all 23 bytes have arrived.
        let mut buffer = [0; 64];
        while server.peek(&mut buffer).await.unwrap() < 23 {
            tokio::task::yield_now().await;
        }
        let n = server.read(&mut buffer).await.unwrap();
        assert_eq!(&buffer[..n], b"knock knockwho's there?");
    }

    #[tokio::test]
    async fn one_write_can_take_several_reads() {
        let socket = small_socket();
        socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let listener = socket.listen(16).unwrap();
        let addr = listener.local_addr().unwrap();
        let client = small_client(addr).await;
        let (mut server, _) = listener.accept().await.unwrap();
        let megabyte = payload(1 << 20);
        let writer = tokio::spawn(async move {
            let mut client = client;
            client.write_all(&megabyte).await // one call, one "message"
        });
        // Room for the whole megabyte, yet one read returns a part of it.
        let mut buffer = vec![0; 2 << 20];
        let mut reads = 0;
        let mut received = 0;
        while received < 1 << 20 {
            let n = server.read(&mut buffer[received..]).await.unwrap();
            assert!(n > 0, "the stream ended early");
            received += n;
            reads += 1;
        }
        writer.await.unwrap().unwrap();
        assert_eq!(buffer[..received], payload(1 << 20));
        assert!(reads > 1, "one read returned the whole write");
    }

    #[tokio::test]
    async fn length_prefixes_bring_back_the_messages() {
        let (listener, addr) = bind().await.unwrap();
        let mut client = TcpStream::connect(addr).await.unwrap();
        let (mut server, _) = listener.accept().await.unwrap();
        for message in [&b"knock knock"[..], b"", b"who's there?"] {
            write_message(&mut client, message).await.unwrap();
        }
        drop(client);
        let mut messages = Vec::new();
        while let Some(message) = read_message(&mut server).await.unwrap() {
            messages.push(message);
        }
        assert_eq!(messages, [&b"knock knock"[..], b"", b"who's there?"]);
    }

    #[tokio::test]
    async fn a_message_of_exactly_64_kib_goes_through() {
        let longest = payload(65_536);
        let mut output = Vec::new();
        write_message(&mut output, &longest).await.unwrap();
        let mut input = &output[..];
        let message = read_message(&mut input).await.unwrap();
        assert!(message == Some(longest));
    }

    /// A stream whose every read fails, as on a connection that was reset.
    struct Reset;

    impl AsyncRead for Reset {
        fn poll_read(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
            _: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            Poll::Ready(Err(io::ErrorKind::ConnectionReset.into()))
        }
    }

    #[tokio::test]
    async fn a_read_error_is_passed_on_not_taken_for_the_end() {
        let error = read_message(&mut Reset).await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::ConnectionReset);
    }

    #[tokio::test]
    async fn a_length_over_the_limit_is_refused_not_allocated() {
        let mut input: &[u8] = &u32::MAX.to_be_bytes();
        let error = read_message(&mut input).await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidData);
        let mut output = Vec::new();
        let too_long = vec![0; MAX_MESSAGE as usize + 1];
        assert!(write_message(&mut output, &too_long).await.is_err());
        assert!(output.is_empty());
    }

    /// Starts a proxy in front of a fresh echo server.
    async fn echo_behind_proxy() -> SocketAddr {
        let (listener, echo_addr) = bind().await.unwrap();
        tokio::spawn(serve_capped(listener, 4, echo));
        let (listener, proxy_addr) = bind().await.unwrap();
        tokio::spawn(proxy(listener, echo_addr));
        proxy_addr
    }

    #[tokio::test]
    async fn the_proxy_passes_data_and_the_end_both_ways() {
        let addr = echo_behind_proxy().await;
        let megabyte = payload(1 << 20);
        let socket = TcpStream::connect(addr).await.unwrap();
        // `read_to_end` returns only if the end of the stream, too, went
        // through the proxy, both ways.
        let answer = timeout(PATIENCE, round_trip(socket, megabyte.clone()))
            .await
            .expect("the round trip should finish")
            .unwrap();
        assert!(answer == megabyte);
    }

    #[tokio::test]
    async fn a_relay_by_hand_does_the_same() {
        let (listener, echo_addr) = bind().await.unwrap();
        tokio::spawn(serve_capped(listener, 4, echo));
        let (listener, relay_addr) = bind().await.unwrap();
        let relayed = tokio::spawn(async move {
            let (mut client, _) = listener.accept().await?;
            let mut server = TcpStream::connect(echo_addr).await?;
            relay(&mut client, &mut server).await
        });
        let socket = TcpStream::connect(relay_addr).await.unwrap();
        let answer = timeout(PATIENCE, round_trip(socket, payload(100_000)))
            .await
            .expect("the round trip should finish")
            .unwrap();
        assert!(answer == payload(100_000));
        let counts = relayed.await.unwrap().unwrap();
        assert_eq!(counts, (100_000, 100_000));
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_accept_pauses_unless_it_cost_only_one_client() {
        let start = Instant::now();
        accept_failed(io::ErrorKind::ConnectionRefused.into()).await;
        assert_eq!(start.elapsed(), Duration::ZERO);
        // 24 is EMFILE on Linux: the process has no file descriptor left.
        accept_failed(io::Error::from_raw_os_error(24)).await;
        assert_eq!(start.elapsed(), Duration::from_millis(100));
    }

    async fn next(answers: &mut mpsc::Receiver<usize>) -> usize {
        timeout(PATIENCE, answers.recv()).await.unwrap().unwrap()
    }

    /// Counts live connections and keeps the highest count.
    #[derive(Default)]
    struct Gauge {
        live: AtomicUsize,
        peak: AtomicUsize,
    }

    #[tokio::test]
    async fn at_most_limit_connections_are_served_at_once() {
        let limit = 2;
        let gauge = Arc::new(Gauge::default());
        let (listener, addr) = bind().await.unwrap();
        let handler_gauge = Arc::clone(&gauge);
        tokio::spawn(serve_capped(listener, limit, move |socket| {
            let gauge = Arc::clone(&handler_gauge);
            async move {
                let live = gauge.live.fetch_add(1, Ordering::SeqCst) + 1;
                gauge.peak.fetch_max(live, Ordering::SeqCst);
                let result = echo(socket).await;
                gauge.live.fetch_sub(1, Ordering::SeqCst);
                result
            }
        }));

        // Five clients; each says hello, reports its answer, and stays
        // connected until the test lets it go.
        let (answered, mut answers) = mpsc::channel(5);
        let mut releases = Vec::new();
        for i in 0..5 {
            let (release, released) = oneshot::channel::<()>();
            releases.push(Some(release));
            let answered = answered.clone();
            tokio::spawn(async move {
                let mut socket = TcpStream::connect(addr).await.unwrap();
                socket.write_all(b"hi").await.unwrap();
                let mut answer = [0; 2];
                socket.read_exact(&mut answer).await.unwrap();
                answered.send(i).await.unwrap();
                let _ = released.await;
            });
        }

        let mut served = Vec::new();
        for _ in 0..limit {
            served.push(next(&mut answers).await);
        }
        // Two are served and hold on; a third must not be. Waiting can
        // only prove this for a while, but it cannot happen at all.
        let quiet = timeout(Duration::from_millis(500), answers.recv()).await;
        assert!(quiet.is_err(), "a client over the limit was served");

        // Let one go at a time: each departure lets one more in.
        while served.len() < 5 {
            let leaving = served[served.len() - limit];
            releases[leaving].take().unwrap().send(()).unwrap();
            served.push(next(&mut answers).await);
        }
        assert_eq!(gauge.peak.load(Ordering::SeqCst), limit);
    }
}
