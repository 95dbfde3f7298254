use std::collections::HashMap;

use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

// ANCHOR: actor
/// What the actor can be asked to do. A question carries the sending half
/// of a oneshot channel, on which the actor sends its answer.
enum Command {
    SetLanguage {
        user: String,
        language: String,
    },
    Language {
        user: String,
        reply: oneshot::Sender<Option<String>>,
    },
}

/// The actor: the only code that ever touches `languages`. It handles one
/// command at a time, so it needs no lock.
async fn preferences_actor(mut commands: mpsc::Receiver<Command>) {
    let mut languages = HashMap::new();
    while let Some(command) = commands.recv().await {
        match command {
            Command::SetLanguage { user, language } => {
                languages.insert(user, language);
            }
            Command::Language { user, reply } => {
                // The asker may have given up; that is not our problem.
                let _ = reply.send(languages.get(&user).cloned());
            }
        }
    }
} // every handle is gone: the channel is closed and the actor ends
// ANCHOR_END: actor

// ANCHOR: handle
/// A handle to the actor: cheap to clone, one per task that needs it.
#[derive(Clone)]
struct Preferences {
    commands: mpsc::Sender<Command>,
}

impl Preferences {
    fn start() -> (Preferences, JoinHandle<()>) {
        let (commands, receiver) = mpsc::channel(32);
        let actor = tokio::spawn(preferences_actor(receiver));
        (Preferences { commands }, actor)
    }

    async fn set_language(&self, user: &str, language: &str) {
        let (user, language) = (user.to_string(), language.to_string());
        let command = Command::SetLanguage { user, language };
        self.commands
            .send(command)
            .await
            .expect("the actor has stopped");
    }

    async fn language(&self, user: &str) -> Option<String> {
        let (reply, answer) = oneshot::channel();
        let command = Command::Language {
            user: user.into(),
            reply,
        };
        self.commands
            .send(command)
            .await
            .expect("the actor has stopped");
        answer.await.expect("the actor dropped the question")
    }
}
// ANCHOR_END: handle

#[tokio::main]
async fn main() {
    let (preferences, actor) = Preferences::start();
    preferences.set_language("ada", "en").await;
    preferences.set_language("alan", "fr").await;
    println!("alan: {:?}", preferences.language("alan").await);
    println!("grace: {:?}", preferences.language("grace").await);
    drop(preferences); // the last handle: the actor stops
    actor.await.unwrap();
    println!("the actor has stopped");
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::task::JoinSet;

    #[tokio::test]
    async fn answers_what_it_was_told() {
        let (preferences, _actor) = Preferences::start();
        preferences.set_language("ada", "en").await;
        assert_eq!(preferences.language("ada").await.as_deref(), Some("en"));
        assert_eq!(preferences.language("bob").await, None);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn serves_many_tasks_at_once_without_a_lock() {
        let (preferences, _actor) = Preferences::start();
        let mut tasks = JoinSet::new();
        for n in 0..200 {
            let preferences = preferences.clone();
            tasks.spawn(async move {
                let user = format!("user{n}");
                preferences.set_language(&user, "en").await;
                preferences.language(&user).await
            });
        }
        let answers = tasks.join_all().await;
        assert!(answers.iter().all(|a| a.as_deref() == Some("en")));
    }

    #[tokio::test]
    async fn the_actor_stops_when_every_handle_is_dropped() {
        let (preferences, actor) = Preferences::start();
        let other = preferences.clone();
        drop(preferences);
        assert!(!actor.is_finished());
        drop(other);
        actor.await.unwrap(); // returns: the actor's loop ended
    }
}
