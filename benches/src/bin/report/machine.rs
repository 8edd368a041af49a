//! The machine the figures come from (the report's Machine table).

use crate::process::command_line;

/// (label, value) rows: CPU, cores, memory, OS, rustc, Python, date.
pub fn machine() -> Vec<(&'static str, String)> {
    vec![
        ("CPU", cpu()),
        ("cores", cores()),
        ("memory", memory()),
        (
            "OS",
            format!("{} ({})", os(), command_line("uname", &["-sr"])),
        ),
        ("rustc", command_line("rustc", &["-V"])),
        ("Python (baseline)", command_line("python3", &["-V"])),
        (
            "report written",
            command_line("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
        ),
    ]
}

fn cpu() -> String {
    cpu_model(&std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default())
}

/// The first `model name` of a `/proc/cpuinfo` text.
fn cpu_model(cpuinfo: &str) -> String {
    cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|l| l.trim_start_matches([' ', '\t', ':']).trim().to_owned())
        .unwrap_or_else(|| "unknown".into())
}

fn cores() -> String {
    std::thread::available_parallelism()
        .map(|n| n.get().to_string())
        .unwrap_or_else(|_| "?".into())
}

fn memory() -> String {
    mem_total(&std::fs::read_to_string("/proc/meminfo").unwrap_or_default())
}

/// `MemTotal` of a `/proc/meminfo` text, in GiB.
fn mem_total(meminfo: &str) -> String {
    meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        .map(|kib| format!("{:.0} GiB", kib / 1024.0 / 1024.0))
        .unwrap_or_else(|| "?".into())
}

fn os() -> String {
    std::fs::read_to_string("/etc/os-release")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("PRETTY_NAME="))
        .map(|v| v.trim_matches('"').to_owned())
        .unwrap_or_else(|| std::env::consts::OS.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cpu_model_and_memory() {
        let cpuinfo = "processor\t: 0\nmodel name\t: AMD EPYC 7B13\nflags\t\t: fpu\n";
        assert_eq!(cpu_model(cpuinfo), "AMD EPYC 7B13");
        assert_eq!(cpu_model("processor : 0\n"), "unknown");
        assert_eq!(mem_total("MemTotal:       25165824 kB\n"), "24 GiB");
        assert_eq!(mem_total(""), "?");
    }
}
