//! Outputs written whole or not at all: a folder ([`OutputDir`]: `--out`, `--report`) or a
//! file ([`OutputFile`]: `--rejects`, `--export-log`) is written into a temporary sibling
//! and renamed into place only when the run succeeds.
//!
//! ```text
//! parent/.DIR.wacost-new    the new folder (or file) while it is written
//! parent/.DIR.wacost-lock   held while a run writes DIR: a second run stops at once
//! parent/DIR                replaced in one step by the new one when the run succeeds
//! ```
//!
//! So a run that fails or is killed leaves `DIR` as it was (and perhaps a `.DIR.wacost-new`
//! that the next run on `DIR` removes): never a folder mixing an old `summary.json` with a
//! new, partial `lines.csv`, a Parquet file without its footer, a header-only rejects file.
//! A folder is replaced whole, so charts of an earlier run do not linger; because of that,
//! only a folder wacost wrote (its `summary.json` or `index.html`, and nothing but the files
//! wacost writes) or an empty one is replaced: anything else is refused, never deleted.
//!
//! On Linux the folders are swapped in one `renameat2(RENAME_EXCHANGE)`; elsewhere (or on a
//! file system without it) the old folder is renamed aside first, and put back by the next
//! run if the process died between the two renames. Files are replaced with one `rename`.
//! Nothing is synced to disk: the promise is about failed and interrupted runs, not power
//! cuts.
//!
//! A second run writing the same folder or file while the first one runs fails at once with
//! [`ReportError::Busy`] (the lock is the operating system's, so a killed run leaves no
//! stale lock). Special files (`/dev/stdout`, a pipe) are written directly.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::ReportError;

/// Files wacost writes in an output folder (`--out`, `--report`, `simulate --out`).
const OUR_FILES: [&str; 16] = [
    "index.html",
    "advice.json",
    "forecast.json",
    "scenario.toml",
    "summary.json",
    "summary.csv",
    "ledger.parquet",
    "ledger.csv",
    "run.json",
    "workbook.xlsx",
    "providers.csv",
    "providers.json",
    "simulation.json",
    "runs.csv",
    "lines.csv",
    "lines.parquet",
];

/// Whether `name` is a file wacost writes at the top of an output folder.
fn is_our_file(name: &str) -> bool {
    OUR_FILES.contains(&name) || (name.starts_with("simulation_") && name.ends_with(".csv"))
}

/// Whether a folder holds only what wacost writes (and a summary or a page, the files every
/// output folder has): the entries that are not, if any.
fn foreign_entries(dir: &Path) -> io::Result<Vec<String>> {
    let mut foreign = Vec::new();
    let mut ours = false;
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let kind = entry.file_type()?;
        if kind.is_dir() && name == "charts" {
            for chart in fs::read_dir(entry.path())? {
                let chart = chart?;
                let n = chart.file_name().to_string_lossy().into_owned();
                if !(chart.file_type()?.is_file() && (n.ends_with(".png") || n.ends_with(".svg"))) {
                    foreign.push(format!("charts/{n}"));
                }
            }
        } else if kind.is_file() && is_our_file(&name) {
            ours |= name == "summary.json" || name == "index.html";
        } else {
            foreign.push(name);
        }
    }
    if !ours && foreign.is_empty() && fs::read_dir(dir)?.next().is_some() {
        // Some of our files, but neither a summary nor a page: not an output folder.
        foreign.push("no summary.json or index.html".to_string());
    }
    foreign.sort();
    Ok(foreign)
}

/// The path to write: an existing target through its links (so that a link to a folder
/// keeps pointing at it), a new one in its parent's real folder (created if needed).
fn resolve(target: &Path) -> Result<PathBuf, ReportError> {
    if fs::symlink_metadata(target).is_ok() {
        return fs::canonicalize(target).map_err(ReportError::io(target));
    }
    let name = target.file_name().ok_or_else(|| ReportError::NotAFolder {
        path: target.to_path_buf(),
    })?;
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    fs::create_dir_all(parent).map_err(ReportError::io(parent))?;
    let parent = fs::canonicalize(parent).map_err(ReportError::io(parent))?;
    Ok(parent.join(name))
}

/// `parent/.NAME.SUFFIX`, next to `target`.
fn sibling(target: &Path, suffix: &str) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    target.with_file_name(format!(".{name}.{suffix}"))
}

/// The lock of one output: held while a run writes it, released (and its file removed) when
/// the run ends, by the system if the process dies.
#[derive(Debug)]
struct Lock {
    path: PathBuf,
    _file: File,
}

impl Lock {
    fn take(target: &Path) -> Result<Lock, ReportError> {
        let path = sibling(target, "wacost-lock");
        loop {
            let mut file = OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&path)
                .map_err(ReportError::io(&path))?;
            match file.try_lock() {
                Ok(()) => {}
                Err(fs::TryLockError::WouldBlock) => {
                    return Err(ReportError::Busy {
                        path: target.to_path_buf(),
                        lock: path,
                    });
                }
                Err(fs::TryLockError::Error(e)) => return Err(ReportError::io(&path)(e)),
            }
            // The run that held it may have removed the file between our open and our lock:
            // then the lock is on a file nobody else will see, and we take the new one.
            if same_file(&file, &path) {
                let _ = file.set_len(0);
                let _ = writeln!(file, "{}", std::process::id());
                return Ok(Lock { path, _file: file });
            }
        }
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Removed while still held, so that no other run locks this file after us.
        let _ = fs::remove_file(&self.path);
    }
}

#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_file: &File, path: &Path) -> bool {
    path.exists()
}

/// A folder being written: everything goes into [`OutputDir::path`], a temporary sibling of
/// the target, which [`OutputDir::commit`] puts in place of the target. Dropped without a
/// commit, the temporary folder is removed and the target is left as it was.
#[derive(Debug)]
pub struct OutputDir {
    target: PathBuf,
    staging: PathBuf,
    committed: bool,
    _lock: Lock,
}

impl OutputDir {
    /// Prepares to write the folder `target`: locks it, checks that it is new, empty or an
    /// output folder of wacost's (else [`ReportError::NotOurs`]), and creates the temporary
    /// folder.
    pub fn create(target: &Path) -> Result<OutputDir, ReportError> {
        let resolved = resolve(target)?;
        let lock = Lock::take(&resolved)?;
        let staging = sibling(&resolved, "wacost-new");
        let aside = sibling(&resolved, "wacost-old");
        // What an earlier run left: its partial folder, or the old folder renamed aside
        // when it died between the two renames of a commit.
        if aside.exists() {
            if resolved.exists() {
                fs::remove_dir_all(&aside).map_err(ReportError::io(&aside))?;
            } else {
                fs::rename(&aside, &resolved).map_err(ReportError::io(&resolved))?;
            }
        }
        match fs::metadata(&resolved) {
            Ok(m) if !m.is_dir() => {
                return Err(ReportError::NotAFolder {
                    path: target.to_path_buf(),
                });
            }
            Ok(_) => {
                let foreign = foreign_entries(&resolved).map_err(ReportError::io(&resolved))?;
                if !foreign.is_empty() {
                    return Err(ReportError::NotOurs {
                        path: target.to_path_buf(),
                        found: foreign,
                    });
                }
            }
            Err(_) => {}
        }
        remove_any(&staging)?;
        fs::create_dir(&staging).map_err(ReportError::io(&staging))?;
        Ok(OutputDir {
            target: resolved,
            staging,
            committed: false,
            _lock: lock,
        })
    }

    /// Where to write the folder's files until the commit.
    pub fn path(&self) -> &Path {
        &self.staging
    }

    /// The folder that the commit replaces (its real path).
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Carries files of the folder being replaced over to the new one (a report rebuilt in
    /// place keeps the charge lines `replay --out` wrote). Files that are not there are
    /// skipped.
    pub fn keep(&self, names: &[&str]) -> Result<(), ReportError> {
        for name in names {
            let from = self.target.join(name);
            if !from.is_file() {
                continue;
            }
            let to = self.staging.join(name);
            if fs::hard_link(&from, &to).is_err() {
                fs::copy(&from, &to).map_err(ReportError::io(&to))?;
            }
        }
        Ok(())
    }

    /// Puts the new folder in place of the target, in one step where the system allows it,
    /// and removes the old one. Returns the folder's path.
    pub fn commit(mut self) -> Result<PathBuf, ReportError> {
        if !self.target.exists() {
            fs::rename(&self.staging, &self.target).map_err(ReportError::io(&self.target))?;
        } else if exchange(&self.staging, &self.target) {
            // The temporary path now holds the old folder.
            fs::remove_dir_all(&self.staging).map_err(ReportError::io(&self.staging))?;
        } else {
            let aside = sibling(&self.target, "wacost-old");
            fs::rename(&self.target, &aside).map_err(ReportError::io(&self.target))?;
            if let Err(e) = fs::rename(&self.staging, &self.target) {
                let _ = fs::rename(&aside, &self.target);
                return Err(ReportError::io(&self.target)(e));
            }
            fs::remove_dir_all(&aside).map_err(ReportError::io(&aside))?;
        }
        self.committed = true;
        Ok(self.target.clone())
    }
}

impl Drop for OutputDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

/// Swaps two folders in one step (Linux `renameat2` with `RENAME_EXCHANGE`); false where
/// that is not possible, for the caller to rename twice.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> bool {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let (Ok(a), Ok(b)) = (
        CString::new(a.as_os_str().as_bytes()),
        CString::new(b.as_os_str().as_bytes()),
    ) else {
        return false;
    };
    // SAFETY: two valid NUL-terminated paths, relative to nothing (absolute or the current
    // folder); the call only renames.
    let r = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    r == 0
}

#[cfg(not(target_os = "linux"))]
fn exchange(_a: &Path, _b: &Path) -> bool {
    false
}

/// Removes a file or folder if it is there.
fn remove_any(path: &Path) -> Result<(), ReportError> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => fs::remove_dir_all(path).map_err(ReportError::io(path)),
        Ok(_) => fs::remove_file(path).map_err(ReportError::io(path)),
        Err(_) => Ok(()),
    }
}

/// A file being written: the bytes go to a temporary sibling, which [`OutputFile::commit`]
/// renames over the target. Dropped without a commit, the temporary file is removed and the
/// target is left as it was. A special file (a terminal, a pipe, `/dev/stdout`) is written
/// directly.
#[derive(Debug)]
pub struct OutputFile {
    target: PathBuf,
    staging: Option<PathBuf>,
    out: BufWriter<File>,
    committed: bool,
    _lock: Option<Lock>,
}

impl OutputFile {
    /// Prepares to write the file `target`: locks it and creates the temporary file.
    pub fn create(target: &Path) -> Result<OutputFile, ReportError> {
        if let Ok(m) = fs::metadata(target) {
            if m.is_dir() {
                return Err(ReportError::io(target)(io::Error::new(
                    io::ErrorKind::IsADirectory,
                    "a folder, not a file",
                )));
            }
            if !m.is_file() {
                let file = OpenOptions::new()
                    .write(true)
                    .open(target)
                    .map_err(ReportError::io(target))?;
                return Ok(OutputFile {
                    target: target.to_path_buf(),
                    staging: None,
                    out: BufWriter::with_capacity(1 << 16, file),
                    committed: false,
                    _lock: None,
                });
            }
        }
        let resolved = resolve(target)?;
        let lock = Lock::take(&resolved)?;
        let staging = sibling(&resolved, "wacost-new");
        let file = File::create(&staging).map_err(ReportError::io(&staging))?;
        if let Ok(m) = fs::metadata(&resolved) {
            let _ = fs::set_permissions(&staging, m.permissions());
        }
        Ok(OutputFile {
            target: resolved,
            staging: Some(staging),
            out: BufWriter::with_capacity(1 << 16, file),
            committed: false,
            _lock: Some(lock),
        })
    }

    /// The file that the commit replaces.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Flushes the file and renames it over the target.
    pub fn commit(mut self) -> Result<PathBuf, ReportError> {
        let at = self.staging.clone().unwrap_or_else(|| self.target.clone());
        self.out.flush().map_err(ReportError::io(&at))?;
        if let Some(staging) = &self.staging {
            fs::rename(staging, &self.target).map_err(ReportError::io(&self.target))?;
        }
        self.committed = true;
        Ok(self.target.clone())
    }
}

impl Write for OutputFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.out.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

impl Drop for OutputFile {
    fn drop(&mut self) {
        if !self.committed {
            if let Some(staging) = &self.staging {
                let _ = fs::remove_file(staging);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_folder_is_replaced_whole_on_commit_and_untouched_without() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        fs::create_dir_all(dir.join("charts")).unwrap();
        fs::write(dir.join("summary.json"), "old").unwrap();
        fs::write(dir.join("charts/providers.png"), "stale").unwrap();

        // Dropped without a commit: nothing changed, nothing left over.
        let out = OutputDir::create(&dir).unwrap();
        fs::write(out.path().join("summary.json"), "new").unwrap();
        assert!(out.path().starts_with(tmp.path().canonicalize().unwrap()));
        drop(out);
        assert_eq!(fs::read_to_string(dir.join("summary.json")).unwrap(), "old");
        assert_eq!(names(tmp.path()), ["out"]);

        // Committed: the new folder alone, no stale chart.
        let out = OutputDir::create(&dir).unwrap();
        fs::write(out.path().join("summary.json"), "new").unwrap();
        out.commit().unwrap();
        assert_eq!(fs::read_to_string(dir.join("summary.json")).unwrap(), "new");
        assert_eq!(names(&dir), ["summary.json"]);
        assert_eq!(names(tmp.path()), ["out"]);
    }

    #[test]
    fn kept_files_come_along() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("run");
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("summary.json"), "{}").unwrap();
        fs::write(dir.join("lines.csv"), "lines").unwrap();
        let out = OutputDir::create(&dir).unwrap();
        out.keep(&["lines.csv", "lines.parquet"]).unwrap();
        fs::write(out.path().join("index.html"), "page").unwrap();
        out.commit().unwrap();
        assert_eq!(names(&dir), ["index.html", "lines.csv"]);
        assert_eq!(fs::read_to_string(dir.join("lines.csv")).unwrap(), "lines");
    }

    #[test]
    fn a_folder_wacost_did_not_write_is_refused_not_deleted() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("mine");
        fs::create_dir_all(dir.join(".git")).unwrap();
        fs::write(dir.join("summary.json"), "{}").unwrap();
        fs::write(dir.join("notes.txt"), "mine").unwrap();
        let e = OutputDir::create(&dir).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "{}: not a folder wacost wrote (it holds .git, notes.txt): give a new or empty \
                 folder",
                dir.display()
            )
        );
        let lines_only = tmp.path().join("half");
        fs::create_dir_all(&lines_only).unwrap();
        fs::write(lines_only.join("lines.csv"), "x").unwrap();
        let e = OutputDir::create(&lines_only).unwrap_err();
        assert!(
            e.to_string().contains("no summary.json or index.html"),
            "{e}"
        );
        assert_eq!(names(tmp.path()), ["half", "mine"], "nothing left over");
        // An empty folder is fine.
        let empty = tmp.path().join("empty");
        fs::create_dir_all(&empty).unwrap();
        OutputDir::create(&empty).unwrap().commit().unwrap();
    }

    #[test]
    fn a_second_writer_is_refused_while_the_first_writes() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        let first = OutputDir::create(&dir).unwrap();
        let e = OutputDir::create(&dir).unwrap_err();
        assert!(matches!(e, ReportError::Busy { .. }), "{e}");
        assert!(
            e.to_string().contains("another wacost run is writing it"),
            "{e}"
        );
        first.commit().unwrap();
        // Released: the next run goes ahead, and no lock file is left.
        OutputDir::create(&dir).unwrap();
        let file = tmp.path().join("rejects.csv");
        let _held = OutputFile::create(&file).unwrap();
        assert!(matches!(
            OutputFile::create(&file).unwrap_err(),
            ReportError::Busy { .. }
        ));
    }

    #[test]
    fn a_file_is_replaced_on_commit_only() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("rejects.csv");
        fs::write(&path, "old").unwrap();
        let mut f = OutputFile::create(&path).unwrap();
        f.write_all(b"new").unwrap();
        drop(f);
        assert_eq!(fs::read_to_string(&path).unwrap(), "old");
        let mut f = OutputFile::create(&path).unwrap();
        f.write_all(b"new").unwrap();
        f.commit().unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(names(tmp.path()), ["rejects.csv"]);
    }

    #[test]
    fn an_old_folder_left_aside_by_a_dead_run_is_put_back() {
        let tmp = tempfile::tempdir().unwrap();
        let aside = tmp.path().join(".out.wacost-old");
        fs::create_dir_all(&aside).unwrap();
        fs::write(aside.join("summary.json"), "old").unwrap();
        let dir = tmp.path().join("out");
        drop(OutputDir::create(&dir).unwrap());
        assert_eq!(fs::read_to_string(dir.join("summary.json")).unwrap(), "old");
        assert_eq!(names(tmp.path()), ["out"]);
    }
}
