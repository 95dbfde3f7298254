use std::io;
use std::path::{Path, PathBuf};

use tokio::fs::File;
use tokio::io::{AsyncBufReadExt, BufReader};

/// The longest line, read line by line through `tokio::fs`.
async fn longest_line(path: &Path) -> io::Result<String> {
    let mut lines = BufReader::new(File::open(path).await?).lines();
    let mut longest = String::new();
    while let Some(line) = lines.next_line().await? {
        if line.len() > longest.len() {
            longest = line;
        }
    }
    Ok(longest)
}

/// The same with `std::fs`, in one call on the blocking pool.
async fn longest_line_blocking(path: PathBuf) -> io::Result<String> {
    tokio::task::spawn_blocking(move || {
        let text = std::fs::read_to_string(path)?;
        let longest = text.lines().fold("", |longest, line| {
            if line.len() > longest.len() {
                line
            } else {
                longest
            }
        });
        Ok(longest.to_owned())
    })
    .await?
}

/// Creates a uniquely named file in the temporary directory, and deletes it
/// on drop.
struct TempFile(PathBuf);

impl TempFile {
    fn with(tag: &str, text: &str) -> io::Result<TempFile> {
        let name = format!("exercise-07-01-{tag}-{}", std::process::id());
        let path = std::env::temp_dir().join(name);
        std::fs::write(&path, text)?;
        Ok(TempFile(path))
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[tokio::main]
async fn main() -> io::Result<()> {
    let file =
        TempFile::with("main", "short\nthe longest line\nmedium line\n")?;
    println!("{:?}", longest_line(&file.0).await?);
    println!("{:?}", longest_line_blocking(file.0.clone()).await?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn both_ways_agree() {
        let file = TempFile::with("agree", "a\nabc\nab\n").unwrap();
        assert_eq!(longest_line(&file.0).await.unwrap(), "abc");
        assert_eq!(longest_line_blocking(file.0.clone()).await.unwrap(), "abc");
    }

    #[tokio::test]
    async fn both_ways_keep_the_first_of_two_equally_long_lines() {
        let file = TempFile::with("tie", "ab\ncd\nx\n").unwrap();
        assert_eq!(longest_line(&file.0).await.unwrap(), "ab");
        assert_eq!(longest_line_blocking(file.0.clone()).await.unwrap(), "ab");
    }

    #[test]
    fn a_temporary_file_is_deleted_when_dropped() {
        let file = TempFile::with("drop", "gone soon\n").unwrap();
        let path = file.0.clone();
        assert!(path.exists());
        drop(file);
        assert!(!path.exists());
    }

    #[tokio::test]
    async fn a_missing_file_is_not_found_both_ways() {
        let path = std::env::temp_dir().join("exercise-07-01-no-such-file");
        let error = longest_line(&path).await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::NotFound);
        let error = longest_line_blocking(path).await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::NotFound);
    }
}
