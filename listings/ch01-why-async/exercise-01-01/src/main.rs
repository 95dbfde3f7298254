use std::time::Duration;
use tokio::time::sleep;

async fn fetch_joke() -> String {
    sleep(Duration::from_millis(200)).await;
    "My code never blocks. It just waits very politely.".to_string()
}

async fn fetch_preferences() -> String {
    sleep(Duration::from_millis(5)).await;
    "Ada".to_string()
}

async fn fetch_weather() -> String {
    sleep(Duration::from_millis(50)).await;
    "sunny, 21 °C".to_string()
}

fn reply(joke: String, name: String, weather: String) -> String {
    format!("Hello {name}! It is {weather} today. {joke}")
}

/// One call after the other: 200 + 5 + 50 = 255 ms.
async fn sequential() -> String {
    let joke = fetch_joke().await;
    let name = fetch_preferences().await;
    let weather = fetch_weather().await;
    reply(joke, name, weather)
}

/// All three calls at once: as long as the slowest, 200 ms.
async fn concurrent() -> String {
    let (joke, name, weather) =
        tokio::join!(fetch_joke(), fetch_preferences(), fetch_weather());
    reply(joke, name, weather)
}

#[tokio::main]
async fn main() {
    println!("sequential: {}", sequential().await);
    println!("concurrent: {}", concurrent().await);
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::time::Instant;

    const REPLY: &str = "Hello Ada! It is sunny, 21 °C today. My code never blocks. It just waits very politely.";

    #[tokio::test(start_paused = true)]
    async fn sequential_takes_the_sum_of_the_calls() {
        let start = Instant::now();
        assert_eq!(sequential().await, REPLY);
        assert_eq!(start.elapsed(), Duration::from_millis(255));
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_takes_as_long_as_the_slowest_call() {
        let start = Instant::now();
        assert_eq!(concurrent().await, REPLY);
        assert_eq!(start.elapsed(), Duration::from_millis(200));
    }
}
