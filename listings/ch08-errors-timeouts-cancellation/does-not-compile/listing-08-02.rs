use std::error::Error;

async fn parse_age(text: String) -> Result<u8, Box<dyn Error>> {
    let age = text.trim().parse::<u8>()?;
    Ok(age)
}

#[tokio::main]
async fn main() {
    let task = tokio::spawn(parse_age("42".to_owned()));
    println!("{:?}", task.await);
}
