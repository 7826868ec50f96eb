//! Where a command writes, checked before anything is opened for writing: no output may be
//! one of the run's inputs, and no output may lie inside an output folder that is replaced
//! as a whole.
//!
//! An output file is an input when it is the same file: the same device and inode on Unix
//! (so through symbolic and hard links), the same canonical path elsewhere. An output folder
//! holds an input when the input is inside it (by canonical path) or is one of its entries
//! (by identity): the folder is replaced whole ([`wacost::report::output`]), which would
//! delete it. Inputs are every file a run reads: the logs, `--rate-card`, `--regimes`,
//! `--providers-file`, `--fx`, `--template-map`, the scenario, the run folder `wacost report`
//! reads.
//!
//! ```text
//! wacost replay log.csv --skip-invalid --rejects log.csv
//! wacost: --rejects log.csv is an input (the log log.csv): give another file
//! ```

use std::fs;
use std::path::{Path, PathBuf};

use super::{Failure, Global};

/// A file or folder the run reads.
struct Input {
    /// What it is, for messages: "the log", "the rate card (--rate-card)".
    what: String,
    /// As the user wrote it.
    given: PathBuf,
}

/// A file or folder the run writes.
struct Output {
    /// The option that names it.
    flag: String,
    /// As the user wrote it.
    given: PathBuf,
    /// A folder (replaced whole) rather than a file.
    folder: bool,
}

/// The inputs and outputs of one run, checked together by [`Plan::check`].
#[derive(Default)]
pub struct Plan {
    inputs: Vec<Input>,
    outputs: Vec<Output>,
    shared_folders: bool,
}

impl Plan {
    /// A plan with the global options' inputs: `--rate-card` and `--regimes` files.
    pub fn new(global: &Global) -> Plan {
        let mut plan = Plan::default();
        for card in &global.rate_cards {
            plan = plan.input("the rate card (--rate-card)", card);
        }
        if let Some(r) = &global.regimes {
            plan = plan.input("the regimes (--regimes)", r);
        }
        plan
    }

    /// Adds an input.
    pub fn input(mut self, what: &str, path: &Path) -> Plan {
        self.inputs.push(Input {
            what: what.to_string(),
            given: path.to_path_buf(),
        });
        self
    }

    /// Adds an input, if given.
    pub fn maybe_input(self, what: &str, path: Option<&PathBuf>) -> Plan {
        match path {
            Some(p) => self.input(what, p),
            None => self,
        }
    }

    /// Adds the logs (`-`, standard input, is no file).
    pub fn logs(mut self, logs: &[String]) -> Plan {
        for l in logs.iter().filter(|l| l.as_str() != "-") {
            self = self.input("the log", Path::new(l));
        }
        self
    }

    /// Adds the logs and the files reading them takes (the template map): the inputs of
    /// every command that reads logs.
    pub fn log_inputs(self, logs: &[String], input: &super::input::InputArgs) -> Plan {
        self.logs(logs)
            .maybe_input("the template map (--template-map)", input.template_map())
    }

    /// Adds an output file, if given.
    pub fn file(mut self, flag: &str, path: Option<&PathBuf>) -> Plan {
        if let Some(p) = path {
            self.outputs.push(Output {
                flag: flag.to_string(),
                given: p.clone(),
                folder: false,
            });
        }
        self
    }

    /// Adds an output folder, if given.
    pub fn folder(mut self, flag: &str, path: Option<&PathBuf>) -> Plan {
        if let Some(p) = path {
            self.outputs.push(Output {
                flag: flag.to_string(),
                given: p.clone(),
                folder: true,
            });
        }
        self
    }

    /// Output folders may be the same folder, written once with both outputs (`replay
    /// --out DIR --report DIR`).
    pub fn folders_may_coincide(mut self) -> Plan {
        self.shared_folders = true;
        self
    }

    /// Refuses (exit 2) an output that is an input, an output folder that holds an input,
    /// and an output inside (or the same as) another output folder.
    pub fn check(&self) -> Result<(), Failure> {
        for out in &self.outputs {
            for input in &self.inputs {
                if let Some(why) = conflict(out, input) {
                    return Err(Failure::usage(why));
                }
            }
        }
        for (i, a) in self.outputs.iter().enumerate() {
            for b in &self.outputs[i + 1..] {
                if a.folder && b.folder && same_place(&a.given, &b.given) {
                    if self.shared_folders {
                        continue;
                    }
                    return Err(Failure::usage(format!(
                        "{} and {} name the same folder: give two folders",
                        a.flag, b.flag
                    )));
                }
                if let Some(why) = overlap(a, b).or_else(|| overlap(b, a)) {
                    return Err(Failure::usage(why));
                }
            }
        }
        Ok(())
    }
}

/// Whether two paths are the same file or folder (both must exist).
#[cfg(unix)]
fn same(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (fs::metadata(a), fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same(a: &Path, b: &Path) -> bool {
    match (fs::canonicalize(a), fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// Whether a path is a regular file or a folder (terminals, pipes and `/dev/stdout` are
/// streams, not files a run could destroy).
fn is_file_or_folder(p: &Path) -> bool {
    fs::metadata(p).is_ok_and(|m| m.is_file() || m.is_dir())
}

/// Whether `inner` is `outer` or inside it, by canonical path (`outer` must exist).
fn inside(inner: &Path, outer: &Path) -> bool {
    match (fs::canonicalize(inner), fs::canonicalize(outer)) {
        (Ok(i), Ok(o)) => i.starts_with(o),
        _ => false,
    }
}

/// The entries of a folder that replacing it would remove from sight: its files, and those
/// of its `charts` folder.
fn entries(dir: &Path) -> Vec<PathBuf> {
    let list = |d: &Path| -> Vec<PathBuf> {
        fs::read_dir(d)
            .map(|r| r.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default()
    };
    let mut all = list(dir);
    all.extend(list(&dir.join("charts")));
    all
}

fn conflict(out: &Output, input: &Input) -> Option<String> {
    let (o, i) = (&out.given, &input.given);
    if !is_file_or_folder(o) && !out.folder {
        return None;
    }
    let is_input = || {
        format!(
            "{} {} is an input ({} {}): give another {}",
            out.flag,
            o.display(),
            input.what,
            i.display(),
            if out.folder { "folder" } else { "file" }
        )
    };
    if is_file_or_folder(o) && is_file_or_folder(i) && same(o, i) {
        return Some(is_input());
    }
    if out.folder && o.is_dir() {
        let holds = inside(i, o) || entries(o).iter().any(|e| same(e, i));
        if holds {
            return Some(format!(
                "{} {} holds an input ({} {}), and the folder is replaced as a whole: give \
                 another folder",
                out.flag,
                o.display(),
                input.what,
                i.display()
            ));
        }
    }
    None
}

/// A path without its `.` components, to compare paths that do not exist yet.
fn lexical(p: &Path) -> PathBuf {
    p.components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect()
}

/// Whether two paths name the same place: the same file or folder, or the same words.
pub fn same_place(a: &Path, b: &Path) -> bool {
    lexical(a) == lexical(b) || same(a, b)
}

/// `a` written inside the folder `b`.
fn overlap(a: &Output, b: &Output) -> Option<String> {
    if !b.folder {
        return None;
    }
    let within = lexical(&a.given).starts_with(lexical(&b.given))
        || (a.given.exists() && b.given.exists() && inside(&a.given, &b.given))
        || parent_inside(&a.given, &b.given);
    within.then(|| {
        format!(
            "{} {} is inside {} {}, which is replaced as a whole: write it elsewhere",
            a.flag,
            a.given.display(),
            b.flag,
            b.given.display()
        )
    })
}

/// A path that does not exist yet, whose nearest existing ancestor is inside `folder`.
fn parent_inside(path: &Path, folder: &Path) -> bool {
    if !folder.exists() {
        return false;
    }
    path.ancestors()
        .skip(1)
        .find(|a| !a.as_os_str().is_empty() && a.exists())
        .is_some_and(|a| inside(a, folder))
}
