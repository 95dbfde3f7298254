struct Config {
    greeting: String,
}

async fn send(message: String) {
    tokio::task::yield_now().await; // stands for a network call
    println!("{message}");
}

async fn greet_all(config: &Config, users: &[&str]) {
    let mut tasks = Vec::new();
    for user in users {
        let user = user.to_string();
        tasks.push(tokio::spawn(async move {
            send(format!("{}, {user}!", config.greeting)).await;
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
}

#[tokio::main]
async fn main() {
    let config = Config { greeting: String::from("Hello") };
    greet_all(&config, &["Ada", "Alan"]).await;
}
