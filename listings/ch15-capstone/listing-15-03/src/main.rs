//! A load test over loopback: the service runs in-process with the demo
//! joke API. A closed-loop client sends 5,000 requests, 200 at a time; an
//! open-loop client sends requests at a fixed rate, whatever the latency;
//! and a last run offers twice what the service can serve. Each kind of run
//! is made once to warm up, then measured several times.

use std::future::Future;
use std::time::Duration;

use futures::StreamExt;
use joke_bot::{App, Config};
use reqwest::StatusCode;
use support::measure::{Spread, Stopwatch, Times};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

// A debug build, which the book's tests run only to check what the
// program prints, does one short run of each kind.
const DEBUG: bool = cfg!(debug_assertions);
/// Requests per closed-loop or open-loop run.
const REQUESTS: usize = if DEBUG { 1_000 } else { 5_000 };
const CONCURRENCY: usize = 200;
/// Each figure is the median of this many runs, after a warm-up run.
const RUNS: usize = if DEBUG { 1 } else { support::measure::RUNS };
/// How long each run at twice the capacity lasts, in seconds.
const OVERLOAD_SECONDS: f64 = if DEBUG { 1.0 } else { 3.0 };
/// In the run at twice the capacity, the upstream answers in 50 ms and the
/// service may call it 8 at a time.
const UPSTREAM_DELAY: Duration = Duration::from_millis(50);
const UPSTREAM_LIMIT: usize = 8;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let client = support::client();
    // A request waits for an upstream slot as long as it takes: these runs
    // measure how fast the service is, not how it sheds load, even on a
    // slow machine or in a debug build. The last run measures shedding.
    let service = Service::start(speed_config()).await?;
    let url = format!("{}/jokes", service.base);
    let jokes = |i| send(&client, &url, i);
    let closed = repeat(async || {
        let stopwatch = Stopwatch::start();
        let results = closed_loop(REQUESTS, CONCURRENCY, jokes).await;
        Report::new(results, stopwatch.times())
    })
    .await;
    // The same number of requests, sent at the rate the closed loop
    // reported as the throughput.
    let rate = Spread::of(closed.iter().map(Report::throughput)).median;
    let rate = rate.round();
    let open = repeat(async || {
        let stopwatch = Stopwatch::start();
        let results = open_loop(REQUESTS, rate, CONCURRENCY, jokes).await;
        Report::new(results, stopwatch.times())
    })
    .await;
    service.stop().await?;

    // Offer a slow upstream twice what it can serve, for a few seconds.
    let demo = support::DemoServer::start();
    let delay_ms = UPSTREAM_DELAY.as_millis();
    let upstream = demo.url(&format!("/joke?delay_ms={delay_ms}"));
    let service = Service::start(overload_config(upstream)).await?;
    let url = format!("{}/jokes", service.base);
    let jokes = |i| send(&client, &url, i);
    let (offered, overload_rate) = overload(OVERLOAD_SECONDS);
    let overloaded = repeat(async || {
        let stopwatch = Stopwatch::start();
        let results = open_loop(offered, overload_rate, 400, jokes).await;
        Report::new(results, stopwatch.times())
    })
    .await;
    service.stop().await?;

    println!(
        "each figure: median (lowest–highest) of {RUNS} runs after a warm-up run"
    );
    println!("CPU time: of the whole process (client, service and upstream)");
    println!("closed loop: {REQUESTS} requests a run, {CONCURRENCY} at a time");
    print_errors(&closed);
    println!(
        "  throughput:  {:.1} requests/s",
        spread(&closed, Report::throughput)
    );
    print_cpu(&closed);
    print_latencies(&closed);
    println!("open loop: {REQUESTS} requests a run, {rate} per second");
    print_errors(&open);
    print_cpu(&open);
    print_latencies(&open);
    println!(
        "open loop at twice the capacity: {offered} requests a run, {overload_rate} per second"
    );
    println!(
        "  shed (503):  {:.1} %",
        spread(&overloaded, Report::shed_percent)
    );
    let other: usize = overloaded.iter().map(Report::other_errors).sum();
    println!("  neither 200 nor 503: {other}");
    print_latencies(&overloaded);

    let errors: usize = closed.iter().chain(&open).map(Report::errors).sum();
    anyhow::ensure!(errors == 0, "{errors} requests failed");
    anyhow::ensure!(other == 0, "overloaded, {other} got no 200 or 503");
    Ok(())
}

/// The service for the speed runs: a request waits for an upstream slot
/// as long as it takes.
fn speed_config() -> Config {
    Config {
        upstream_wait: Duration::from_secs(5),
        ..Config::default()
    }
}

/// The service for the overload run: a slow upstream at `joke_url`, and
/// `UPSTREAM_LIMIT` calls to it at a time.
fn overload_config(joke_url: String) -> Config {
    Config {
        joke_url: Some(joke_url),
        upstream_limit: UPSTREAM_LIMIT,
        ..Config::default()
    }
}

/// Twice the requests per second that the service can serve with
/// `UPSTREAM_LIMIT` upstream calls of `UPSTREAM_DELAY` at a time, for
/// `seconds`: how many requests that is, and the rate.
fn overload(seconds: f64) -> (usize, f64) {
    let capacity = UPSTREAM_LIMIT as f64 / UPSTREAM_DELAY.as_secs_f64();
    let rate = 2.0 * capacity;
    ((rate * seconds) as usize, rate)
}

/// Runs `run` once to warm up (connections, the database, the
/// allocator), throws that result away, then `RUNS` times.
async fn repeat(mut run: impl AsyncFnMut() -> Report) -> Vec<Report> {
    run().await;
    let mut reports = Vec::new();
    for _ in 0..RUNS {
        reports.push(run().await);
    }
    reports
}

/// The requests that did not get a 200, over all runs.
fn print_errors(reports: &[Report]) {
    let errors: usize = reports.iter().map(Report::errors).sum();
    let requests: usize = reports.iter().map(|r| r.statuses.len()).sum();
    println!("  errors:      {errors} of {requests}");
}

fn print_latencies(reports: &[Report]) {
    let p = |n| move |r: &Report| ms(r.percentile(n));
    println!("  latency p50: {:.1} ms", spread(reports, p(50)));
    println!("  latency p99: {:.1} ms", spread(reports, p(99)));
}

fn print_cpu(reports: &[Report]) {
    println!(
        "  CPU time:    {:.1} µs per request",
        spread(reports, Report::cpu_per_request)
    );
}

/// The median of `value` over the reports, with its range.
fn spread(reports: &[Report], value: impl Fn(&Report) -> f64) -> Spread {
    Spread::of(reports.iter().map(value))
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// The service, running in-process on a free port.
struct Service {
    base: String,
    shutdown: CancellationToken,
    server: JoinHandle<joke_bot::Stopped>,
}

impl Service {
    async fn start(config: Config) -> anyhow::Result<Service> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        let app = App::new(config)?;
        let shutdown = CancellationToken::new();
        let routes = joke_bot::routes();
        let server = tokio::spawn(joke_bot::serve(
            listener,
            app,
            routes,
            shutdown.clone(),
        ));
        Ok(Service {
            base,
            shutdown,
            server,
        })
    }

    async fn stop(self) -> anyhow::Result<()> {
        self.shutdown.cancel();
        let stopped = self.server.await?;
        anyhow::ensure!(stopped == joke_bot::Stopped::default(), "{stopped:?}");
        Ok(())
    }
}

// ANCHOR: load
/// What a load run measured.
struct Report {
    /// The status of each request (`None`: no answer at all).
    statuses: Vec<Option<StatusCode>>,
    /// The run's wall time, and the CPU time the process used meanwhile.
    times: Times,
    /// One per request, sorted.
    latencies: Vec<Duration>,
}

impl Report {
    fn new(
        results: Vec<(Option<StatusCode>, Duration)>,
        times: Times,
    ) -> Report {
        let (statuses, mut latencies): (Vec<_>, Vec<_>) =
            results.into_iter().unzip();
        latencies.sort();
        Report {
            statuses,
            times,
            latencies,
        }
    }

    /// The latency that `p` percent of the requests did not exceed.
    fn percentile(&self, p: usize) -> Duration {
        let rank = (self.latencies.len() * p).div_ceil(100).max(1);
        self.latencies[rank - 1]
    }

    fn count(&self, wanted: impl Fn(Option<StatusCode>) -> bool) -> usize {
        self.statuses.iter().filter(|s| wanted(**s)).count()
    }

    /// Requests that did not get a 200.
    fn errors(&self) -> usize {
        self.count(|status| status != Some(StatusCode::OK))
    }
    // ANCHOR_END: load

    fn throughput(&self) -> f64 {
        self.statuses.len() as f64 / self.times.wall.as_secs_f64()
    }

    /// The process's CPU time per request, in microseconds: client,
    /// service and upstream.
    fn cpu_per_request(&self) -> f64 {
        self.times.cpu.as_secs_f64() * 1e6 / self.statuses.len() as f64
    }

    fn shed_percent(&self) -> f64 {
        let shed = self.count(|s| s == Some(StatusCode::SERVICE_UNAVAILABLE));
        100.0 * shed as f64 / self.statuses.len() as f64
    }

    /// Requests that got neither a 200 nor a 503.
    fn other_errors(&self) -> usize {
        let other = |s| {
            s != Some(StatusCode::OK)
                && s != Some(StatusCode::SERVICE_UNAVAILABLE)
        };
        self.count(other)
    }
    // ANCHOR: load
}

/// Sends joke request number `i` to `url`; returns its status, if any.
async fn send(
    client: &reqwest::Client,
    url: &str,
    i: usize,
) -> Option<StatusCode> {
    let users = ["ada", "grace", "alan"];
    let body = serde_json::json!({ "user": users[i % 3], "id": i % 3 + 1 });
    let response = client.post(url).json(&body).send().await.ok()?;
    let status = response.status();
    response.bytes().await.ok()?; // the whole answer
    Some(status)
}

/// Closed loop: runs `request(0)`, `request(1)`, … keeping `concurrency`
/// of them in flight, and times each from its start to its end.
async fn closed_loop<T, F>(
    requests: usize,
    concurrency: usize,
    request: impl Fn(usize) -> F,
) -> Vec<(T, Duration)>
where
    F: Future<Output = T>,
{
    futures::stream::iter(0..requests)
        .map(|i| {
            let request = request(i);
            async move {
                let sent = Instant::now();
                (request.await, sent.elapsed())
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await
}
// ANCHOR_END: load

// ANCHOR: open
/// Open loop: `request(i)` is due `i / rate` seconds after the start,
/// however slowly the earlier ones are answered, and its latency counts
/// from when it was due. A request that has to wait for one of the
/// `max_in_flight` places is sent late, and reports that wait too.
async fn open_loop<T, F>(
    requests: usize,
    rate: f64,
    max_in_flight: usize,
    request: impl Fn(usize) -> F,
) -> Vec<(T, Duration)>
where
    F: Future<Output = T>,
{
    let start = Instant::now();
    futures::stream::iter(0..requests)
        .map(|i| {
            let due = start + Duration::from_secs_f64(i as f64 / rate);
            let request = request(i);
            async move {
                tokio::time::sleep_until(due).await;
                let output = request.await;
                (output, due.elapsed())
            }
        })
        .buffer_unordered(max_in_flight)
        .collect()
        .await
}
// ANCHOR_END: open

#[cfg(test)]
mod tests {
    use super::*;

    const NO_TIMES: Times = Times {
        wall: Duration::ZERO,
        cpu: Duration::ZERO,
    };

    #[tokio::test(start_paused = true)]
    async fn open_loop_latency_counts_from_when_each_request_was_due() {
        // Due every 10 ms, each taking 100 ms, one at a time: request i
        // was due at 10·i ms, starts at 100·i ms and ends 100 ms later.
        let slow = |_| tokio::time::sleep(Duration::from_millis(100));
        let open = open_loop(5, 100.0, 1, slow).await;
        let ms: Vec<u128> = open.iter().map(|(_, t)| t.as_millis()).collect();
        assert_eq!(ms, [100, 190, 280, 370, 460]);
        // A closed loop times each from its start: the wait is hidden.
        let closed = closed_loop(5, 1, slow).await;
        let ms: Vec<u128> = closed.iter().map(|(_, t)| t.as_millis()).collect();
        assert_eq!(ms, [100; 5]);
    }

    #[tokio::test(start_paused = true)]
    async fn an_open_loop_keeps_its_rate_when_answers_are_quick() {
        let started = Instant::now();
        let quick = |_| async { Instant::now() };
        let sent = open_loop(5, 100.0, 10, quick).await;
        let at: Vec<u128> = sent
            .iter()
            .map(|(t, _)| (*t - started).as_millis())
            .collect();
        assert_eq!(at, [0, 10, 20, 30, 40]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_smaller_load_has_no_errors() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/jokes", listener.local_addr().unwrap());
        let app = App::new(Config::default()).unwrap();
        let shutdown = CancellationToken::new();
        let server = tokio::spawn(joke_bot::serve(
            listener,
            app.clone(),
            joke_bot::routes(),
            shutdown.clone(),
        ));
        let client = support::client();
        let results = closed_loop(500, 50, |i| send(&client, &url, i)).await;
        let report = Report::new(results, NO_TIMES);
        assert_eq!((report.errors(), report.latencies.len()), (0, 500));
        shutdown.cancel();
        assert_eq!(server.await.unwrap(), joke_bot::Stopped::default());
        // Every request was served, and recorded before `serve` returned.
        let served: i64 = app
            .db()
            .call(|c| {
                c.query_row("SELECT count(*) FROM served", [], |r| r.get(0))
            })
            .await
            .unwrap();
        assert_eq!(served, 500);
    }

    #[test]
    fn a_report_counts_each_kind_of_answer() {
        let statuses = [
            Some(StatusCode::OK),
            Some(StatusCode::OK),
            Some(StatusCode::OK),
            Some(StatusCode::SERVICE_UNAVAILABLE),
            Some(StatusCode::SERVICE_UNAVAILABLE),
            Some(StatusCode::SERVICE_UNAVAILABLE),
            Some(StatusCode::GATEWAY_TIMEOUT),
            None,
        ];
        let results = statuses.map(|status| (status, Duration::ZERO));
        let times = Times {
            wall: Duration::from_secs(2),
            cpu: Duration::from_millis(1500),
        };
        let report = Report::new(results.into(), times);
        assert_eq!((report.errors(), report.other_errors()), (5, 2));
        assert_eq!(report.shed_percent(), 37.5);
        assert_eq!(report.throughput(), 4.0);
        assert_eq!(report.cpu_per_request(), 187_500.0);
        assert_eq!(ms(Duration::from_millis(1500)), 1500.0);
    }

    #[test]
    fn the_overload_is_twice_the_capacity_of_8_calls_of_50_ms() {
        assert_eq!(overload(3.0), (960, 320.0));
    }

    #[test]
    fn each_run_configures_what_it_measures() {
        assert_eq!(speed_config().upstream_wait, Duration::from_secs(5));
        let overload = overload_config("http://upstream/joke".into());
        assert_eq!(overload.joke_url.as_deref(), Some("http://upstream/joke"));
        assert_eq!(overload.upstream_limit, 8);
        // Everything else as the service's defaults.
        assert_eq!(overload.upstream_wait, Config::default().upstream_wait);
    }

    #[tokio::test]
    async fn stop_shuts_the_service_down() {
        let service = Service::start(Config::default()).await.unwrap();
        let shutdown = service.shutdown.clone();
        service.stop().await.unwrap();
        assert!(shutdown.is_cancelled());
    }

    #[test]
    fn percentiles_pick_the_right_rank() {
        let results = (1..=200).map(|ms| (None, Duration::from_millis(ms)));
        let report = Report::new(results.collect(), NO_TIMES);
        assert_eq!(report.percentile(50), Duration::from_millis(100));
        assert_eq!(report.percentile(99), Duration::from_millis(198));
        assert_eq!(report.percentile(100), Duration::from_millis(200));
    }
}
