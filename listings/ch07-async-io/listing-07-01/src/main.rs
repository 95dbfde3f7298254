use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use tokio::fs::File;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, BufWriter};

// ANCHOR: tokio_fs
/// Writes `entries` to a new file at `path`, one per line.
async fn write_log(path: &Path, entries: &[&str]) -> io::Result<()> {
    let mut file = BufWriter::new(File::create(path).await?);
    for entry in entries {
        file.write_all(entry.as_bytes()).await?;
        file.write_all(b"\n").await?;
    }
    file.flush().await // without it, the buffered lines could be lost
}

/// Reads the file at `path` line by line and keeps the lines with "error".
async fn errors_in(path: &Path) -> io::Result<Vec<String>> {
    let mut lines = BufReader::new(File::open(path).await?).lines();
    let mut errors = Vec::new();
    while let Some(line) = lines.next_line().await? {
        if line.contains("error") {
            errors.push(line);
        }
    }
    Ok(errors)
}
// ANCHOR_END: tokio_fs

// ANCHOR: blocking
/// Counts the lines of every file in `dir`, in one trip to the blocking pool.
async fn line_counts(dir: PathBuf) -> io::Result<Vec<(String, usize)>> {
    let counts = tokio::task::spawn_blocking(move || {
        let mut counts = Vec::new();
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            let lines = std::fs::read_to_string(&path)?.lines().count();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            counts.push((name, lines));
        }
        counts.sort();
        Ok::<_, io::Error>(counts)
    })
    .await??; // first `?`: the task panicked; second: an I/O error
    Ok(counts)
}
// ANCHOR_END: blocking

// ANCHOR: temp_dir
/// A new, empty directory under the system's temporary directory, with a
/// name no other run or test uses; it is deleted with its files on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> io::Result<TempDir> {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let name = format!("listing-07-01-{}-{n}", std::process::id());
        let path = std::env::temp_dir().join(name);
        std::fs::create_dir(&path)?;
        Ok(TempDir(path))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
// ANCHOR_END: temp_dir

#[tokio::main]
async fn main() -> io::Result<()> {
    let dir = TempDir::new()?;
    let monday = dir.0.join("monday.log");
    write_log(&monday, &["start", "error: disk full", "retry", "done"]).await?;
    let tuesday = dir.0.join("tuesday.log");
    write_log(&tuesday, &["start", "done"]).await?;

    println!("errors on monday: {:?}", errors_in(&monday).await?);
    println!("lines per file: {:?}", line_counts(dir.0.clone()).await?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn what_is_written_can_be_read_back_line_by_line() {
        let dir = TempDir::new().unwrap();
        let path = dir.0.join("log");
        write_log(&path, &["ok", "error 1", "ok", "error 2"])
            .await
            .unwrap();
        assert_eq!(errors_in(&path).await.unwrap(), ["error 1", "error 2"]);
    }

    #[tokio::test]
    async fn a_buf_writer_dropped_without_flush_loses_its_lines() {
        let dir = TempDir::new().unwrap();
        let path = dir.0.join("log");
        {
            let mut file = BufWriter::new(File::create(&path).await.unwrap());
            file.write_all(b"never written\n").await.unwrap();
        } // dropped here, without `flush`
        assert_eq!(tokio::fs::read_to_string(&path).await.unwrap(), "");
    }

    #[test]
    fn a_file_write_is_finished_only_by_flush() {
        // One blocking-pool thread, which the test can keep busy.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .max_blocking_threads(1)
            .build()
            .unwrap();
        runtime.block_on(async {
            let dir = TempDir::new().unwrap();
            let path = dir.0.join("log");
            let mut file = File::create(&path).await.unwrap();
            let (release, held) = std::sync::mpsc::channel::<()>();
            let busy = tokio::task::spawn_blocking(move || held.recv());
            // `write_all` returns Ok once the write is queued for the pool...
            file.write_all(b"written\n").await.unwrap();
            assert_eq!(std::fs::read_to_string(&path).unwrap(), "");
            release.send(()).unwrap();
            // ...and `flush` waits until it is done.
            file.flush().await.unwrap();
            assert_eq!(std::fs::read_to_string(&path).unwrap(), "written\n");
            busy.await.unwrap().unwrap();
        });
    }

    #[tokio::test]
    async fn one_blocking_task_counts_every_file() {
        let dir = TempDir::new().unwrap();
        write_log(&dir.0.join("b"), &["1", "2"]).await.unwrap();
        write_log(&dir.0.join("a"), &["1"]).await.unwrap();
        let counts = line_counts(dir.0.clone()).await.unwrap();
        assert_eq!(counts, [("a".into(), 1), ("b".into(), 2)]);
    }

    #[tokio::test]
    async fn a_missing_file_is_an_io_error_not_a_panic() {
        let dir = TempDir::new().unwrap();
        let error = errors_in(&dir.0.join("nope")).await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::NotFound);
    }

    #[test]
    fn the_temporary_directory_is_removed_on_drop() {
        let dir = TempDir::new().unwrap();
        let path = dir.0.clone();
        std::fs::write(path.join("file"), "x").unwrap();
        drop(dir);
        assert!(!path.exists());
    }
}
