#[tokio::main]
async fn main() {
    let name = String::from("Ada");
    let greeting = tokio::spawn(async {
        format!("Hello, {name}!")
    });
    println!("{}", greeting.await.unwrap());
}
