//! The machine the figures come from (the report's Machine table).

use crate::process::command_line;

/// (label, value) rows: CPU, caches, cores, memory, OS, rustc, Python, date.
pub fn machine() -> Vec<(&'static str, String)> {
    vec![
        ("CPU", cpu()),
        ("caches (cpu0)", caches()),
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

/// The first CPU's caches, from sysfs. The SDK ÷ floor ratio at 64 calls in flight depends on
/// them: most of what the SDK costs per call beyond the floor is cache misses.
fn caches() -> String {
    let dir = std::path::Path::new("/sys/devices/system/cpu/cpu0/cache");
    let mut entries = Vec::new();
    for i in 0.. {
        let read = |file: &str| std::fs::read_to_string(dir.join(format!("index{i}/{file}")));
        let (Ok(level), Ok(kind), Ok(size)) = (read("level"), read("type"), read("size")) else {
            break;
        };
        entries.push((level, kind, size));
    }
    cache_list(&entries)
}

/// `L1d 48 KiB, L1i 64 KiB, L2 2 MiB, L3 480 MiB` from sysfs (level, type, size) triples.
fn cache_list(entries: &[(String, String, String)]) -> String {
    let list: Vec<String> = entries
        .iter()
        .filter_map(|(level, kind, size)| {
            let suffix = match kind.trim() {
                "Data" => "d",
                "Instruction" => "i",
                _ => "",
            };
            let kib: u64 = size.trim().strip_suffix('K')?.parse().ok()?;
            let size = if kib >= 1024 && kib.is_multiple_of(1024) {
                format!("{} MiB", kib / 1024)
            } else {
                format!("{kib} KiB")
            };
            Some(format!("L{}{suffix} {size}", level.trim()))
        })
        .collect();
    if list.is_empty() {
        "unknown".into()
    } else {
        list.join(", ")
    }
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

    #[test]
    fn lists_caches_from_sysfs_triples() {
        let e = |l: &str, t: &str, s: &str| (l.to_owned(), t.to_owned(), s.to_owned());
        let entries = [
            e("1\n", "Data\n", "48K\n"),
            e("1\n", "Instruction\n", "32K\n"),
            e("2\n", "Unified\n", "512K\n"),
            e("3\n", "Unified\n", "491520K\n"),
        ];
        assert_eq!(
            cache_list(&entries),
            "L1d 48 KiB, L1i 32 KiB, L2 512 KiB, L3 480 MiB"
        );
        assert_eq!(cache_list(&[]), "unknown");
        assert_eq!(cache_list(&[e("2", "Unified", "odd")]), "unknown");
    }
}
