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
    use std::sync::Arc;
    use std::time::Duration;
    use tokio::sync::Barrier;
    use tokio::task::JoinSet;

    #[tokio::test]
    async fn answers_what_it_was_told() {
        let (preferences, _actor) = Preferences::start();
        preferences.set_language("ada", "en").await;
        preferences.set_language("alan", "fr").await;
        assert_eq!(preferences.language("ada").await.as_deref(), Some("en"));
        assert_eq!(preferences.language("alan").await.as_deref(), Some("fr"));
        assert_eq!(preferences.language("bob").await, None);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn serves_many_tasks_at_once_without_a_lock() {
        let (preferences, _actor) = Preferences::start();
        let everyone_has_set = Arc::new(Barrier::new(200));
        let mut tasks = JoinSet::new();
        for n in 0..200 {
            let preferences = preferences.clone();
            let everyone_has_set = Arc::clone(&everyone_has_set);
            tasks.spawn(async move {
                // Every user has a language of their own, and all are set
                // before anyone asks: an answer meant for someone else, or
                // the language set last, would show.
                let (user, language) = (format!("user{n}"), format!("l{n}"));
                preferences.set_language(&user, &language).await;
                everyone_has_set.wait().await;
                (language, preferences.language(&user).await)
            });
        }
        for (language, answer) in tasks.join_all().await {
            assert_eq!(answer, Some(language));
        }
    }

    #[tokio::test(start_paused = true)]
    async fn the_actor_stops_when_every_handle_is_dropped() {
        let (preferences, actor) = Preferences::start();
        let other = preferences.clone();
        drop(preferences);
        // One handle is left, so the actor still answers.
        other.set_language("ada", "en").await;
        assert_eq!(other.language("ada").await.as_deref(), Some("en"));
        drop(other);
        // On the paused clock, a timeout fires at once if nothing can run.
        let stopped = tokio::time::timeout(Duration::from_secs(60), actor);
        stopped.await.expect("the actor kept running").unwrap();
    }
}
