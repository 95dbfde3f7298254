// A forgotten `.await` is only a warning. This line turns that one warning
// into an error, so that the book's tests can check its text.
#![deny(unused_must_use)]

async fn send_reply(text: &str) {
    println!("bot: {text}");
}

#[tokio::main]
async fn main() {
    send_reply("Here is a joke for you."); // no `.await`
}
