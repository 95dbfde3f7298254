struct Bot {
    name: String,
}

impl Bot {
    async fn greet(&self) -> String {
        format!("Hello from {}!", self.name)
    }
}

#[tokio::main]
async fn main() {
    let bot = Bot {
        name: String::from("joke bot"),
    };
    let handle = tokio::spawn(bot.greet());
    println!("{}", handle.await.unwrap());
}
