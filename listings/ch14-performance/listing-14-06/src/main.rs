//! Turns the table Listing 14-5 measured into a mermaid `xychart-beta`
//! chart, so the plot in the book shows exactly the measured figures.

/// Listing 14-5's figures, as `make measure` recorded them.
const MEASURED: &str = include_str!("../../listing-14-05/measured.txt");

/// One row of the table: the median start-up and waiting times, in ms.
struct Row<'a> {
    level: &'a str,
    units: &'a str,
    total_ms: f64,
}

/// The table's rows. A row reads: level, units, then a median and its
/// range for start-up, waiting and CPU time.
fn rows(table: &str) -> Vec<Row<'_>> {
    let mut rows = Vec::new();
    for line in table.lines() {
        let cells: Vec<&str> = line.split_whitespace().collect();
        if let [level, units, start_up, _, waiting, _, _, _] = cells[..]
            && let (Ok(start_up), Ok(waiting)) =
                (start_up.parse::<f64>(), waiting.parse::<f64>())
        {
            let total_ms = start_up + waiting;
            rows.push(Row {
                level,
                units,
                total_ms,
            });
        }
    }
    rows
}

fn chart(table: &str) -> String {
    let rows = rows(table);
    let series = |units: &str| -> Vec<String> {
        let rows = rows.iter().filter(|r| r.units == units);
        rows.map(|r| format!("{:.1}", r.total_ms)).collect()
    };
    let mut levels: Vec<&str> = rows.iter().map(|r| r.level).collect();
    levels.dedup();
    let wait = table
        .lines()
        .find_map(|l| l.strip_prefix("each unit waits "))
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or("?");
    format!(
        "xychart-beta\n    \
         title \"{wait} ms waits: threads (bars), tasks (line)\"\n    \
         x-axis \"concurrent waits\" [{}]\n    \
         y-axis \"median start-up + waiting (ms)\"\n    \
         bar [{}]\n    \
         line [{}]\n",
        levels.join(", "),
        series("threads").join(", "),
        series("tasks").join(", ")
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
        let rows = rows(MEASURED);
        assert_eq!(rows.len(), 10, "five levels, threads and tasks");
        let shown = include_str!("../output.txt");
        assert_eq!(shown, chart(MEASURED), "run `make measure`");
        for row in rows {
            assert!(shown.contains(&format!("{:.1}", row.total_ms)));
        }
    }
}
