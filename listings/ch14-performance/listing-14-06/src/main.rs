//! Turns the table Listing 14-5 measured into a mermaid `xychart-beta`
//! chart, so the plot in the book shows exactly the measured figures.

/// Listing 14-5's figures, as `make measure` recorded them.
const MEASURED: &str = include_str!("../../listing-14-05/measured.txt");

/// Concurrency levels, thread times and task times, from the table rows.
fn columns(table: &str) -> (Vec<String>, Vec<String>, Vec<String>) {
    let (mut levels, mut threads, mut tasks) = (vec![], vec![], vec![]);
    for row in table.lines().skip(2) {
        let cells: Vec<&str> = row.split_whitespace().collect();
        // A row reads: level, thread time, "ms", task time, "ms".
        if let [level, thread, "ms", task, "ms"] = cells[..] {
            levels.push(level.to_string());
            threads.push(thread.to_string());
            tasks.push(task.to_string());
        }
    }
    (levels, threads, tasks)
}

fn chart(table: &str) -> String {
    let (levels, threads, tasks) = columns(table);
    let wait = table.split_whitespace().nth(3).unwrap_or("?");
    format!(
        "xychart-beta\n    \
         title \"{wait} ms waits: bars = threads, line = tasks (ms)\"\n    \
         x-axis \"concurrent waits\" [{}]\n    \
         y-axis \"wall time (ms)\"\n    \
         bar [{}]\n    \
         line [{}]\n",
        levels.join(", "),
        threads.join(", "),
        tasks.join(", ")
    )
}

fn main() {
    print!("{}", chart(MEASURED));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chart_shows_the_measured_figures() {
        let (levels, threads, tasks) = columns(MEASURED);
        assert_eq!(levels.len(), 5);
        let shown = include_str!("../measured.txt");
        assert_eq!(shown, chart(MEASURED), "run `make measure`");
        for figure in levels.iter().chain(&threads).chain(&tasks) {
            assert!(shown.contains(figure.as_str()));
        }
    }
}
