trait JokeSource {
    async fn joke(&self, id: u32) -> String;
}

struct Canned;

impl JokeSource for Canned {
    async fn joke(&self, id: u32) -> String {
        format!("canned joke {id}")
    }
}

fn main() {
    // One list, many kinds of source: this needs `dyn JokeSource`.
    let sources: Vec<Box<dyn JokeSource>> = vec![Box::new(Canned)];
    println!("{} sources", sources.len());
}
