//! Writing whole files so that a crash, a kill or a full disk never leaves a half-written one.
//!
//! Every file oncall creates or rewrites as a whole (the config from `init`, post-mortems, the
//! demo's runbooks) goes through [`write_atomic`] or [`create_new`]: the bytes go to a temporary
//! file in the same directory, which is fsynced and then renamed (or linked) into place, and the
//! directory is fsynced so the new name survives a power cut too. A reader sees the old file or
//! the new one, never a mix. The journal is append-only and has its own rules
//! ([`crate::incidents::journal`]); it uses [`create_dirs`] and [`sync_dir`] from here.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Replaces (or creates) `path` with `bytes`, atomically.
///
/// `mode` (Unix permissions) is applied when given; otherwise an existing file keeps its
/// permissions and a new one gets the default (0666 less the umask). A symbolic link is followed:
/// the file it points to is replaced and the link stays. On error the old file is untouched and
/// no temporary file is left behind.
pub fn write_atomic(path: &Path, bytes: &[u8], mode: Option<u32>) -> io::Result<()> {
    let path = follow_link(path);
    let dir = parent(&path);
    create_dirs(&dir)?;
    let keep = if mode.is_none() {
        std::fs::metadata(&path).ok().map(|m| m.permissions())
    } else {
        None
    };
    let tmp = write_temp(&dir, &path, bytes, mode, keep)?;
    if let Err(e) = std::fs::rename(&tmp, &path) {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    sweep_stale(&dir);
    sync_dir(&dir)
}

/// Creates `path` with `bytes`, atomically, and never replaces a file already there: then the
/// error is [`io::ErrorKind::AlreadyExists`] and nothing changes.
pub fn create_new(path: &Path, bytes: &[u8], mode: Option<u32>) -> io::Result<()> {
    let dir = parent(path);
    create_dirs(&dir)?;
    if path.symlink_metadata().is_ok() {
        return Err(already_exists(path));
    }
    let tmp = write_temp(&dir, path, bytes, mode, None)?;
    // A hard link fails when the name is taken, so no other writer can be overwritten.
    let placed = match std::fs::hard_link(&tmp, path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(e),
        // File systems without hard links: rename, after checking again (a small window).
        Err(_) if path.symlink_metadata().is_ok() => Err(already_exists(path)),
        Err(_) => std::fs::rename(&tmp, path),
    };
    let _ = std::fs::remove_file(&tmp);
    placed?;
    sweep_stale(&dir);
    sync_dir(&dir)
}

/// Removes the temporary files that a killed writer left in `dir` (`.{name}.{pid}.{n}.tmp` of a
/// process that is no longer running; where that cannot be known, of one older than a day).
/// Best effort: a file that cannot be removed stays.
fn sweep_stale(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let own = std::process::id();
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(pid) = temp_owner(&name.to_string_lossy()) else {
            continue;
        };
        if pid != own && !running(pid, &e.path()) {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// The writer's pid in a temporary file name from [`write_temp`], if it is one.
fn temp_owner(name: &str) -> Option<u32> {
    let inner = name.strip_prefix('.')?.strip_suffix(".tmp")?;
    let mut parts = inner.rsplitn(3, '.');
    let n = parts.next()?;
    let pid = parts.next()?;
    let target = parts.next()?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if target.is_empty() || !digits(n) || !digits(pid) {
        return None;
    }
    pid.parse().ok()
}

/// Whether the process `pid` that wrote `tmp` may still be writing it.
fn running(pid: u32, tmp: &Path) -> bool {
    let proc = Path::new("/proc");
    if proc.join("self").exists() {
        return proc.join(pid.to_string()).exists();
    }
    let day = std::time::Duration::from_secs(86_400);
    std::fs::metadata(tmp)
        .and_then(|m| m.modified())
        .is_ok_and(|t| t.elapsed().is_ok_and(|age| age < day))
}

/// Creates a directory and its missing parents, and makes the new entries durable (each new
/// directory's parent is fsynced).
pub fn create_dirs(dir: &Path) -> io::Result<()> {
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    let missing: Vec<PathBuf> = dir
        .ancestors()
        .take_while(|a| !a.as_os_str().is_empty() && !a.exists())
        .map(Path::to_path_buf)
        .collect();
    std::fs::create_dir_all(dir)?;
    for d in missing.iter().rev() {
        sync_dir(&parent(d))?;
    }
    Ok(())
}

/// Fsyncs a directory, so that names created or renamed in it survive a power cut. A no-op
/// where directories cannot be opened (not Unix).
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// The directory holding `path` (`.` for a bare file name).
fn parent(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// A symbolic link's target (so the link itself is not replaced by a plain file).
fn follow_link(path: &Path) -> PathBuf {
    let is_link = path
        .symlink_metadata()
        .is_ok_and(|m| m.file_type().is_symlink());
    if !is_link {
        return path.to_path_buf();
    }
    match (std::fs::canonicalize(path), std::fs::read_link(path)) {
        (Ok(real), _) => real,
        // A dangling link: write where it points.
        (Err(_), Ok(to)) if to.is_absolute() => to,
        (Err(_), Ok(to)) => parent(path).join(to),
        (Err(_), Err(_)) => path.to_path_buf(),
    }
}

fn already_exists(path: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::AlreadyExists,
        format!("{} already exists", path.display()),
    )
}

/// Writes `bytes` to a new hidden temporary file next to `target` and fsyncs it; removes it
/// again on any error.
fn write_temp(
    dir: &Path,
    target: &Path,
    bytes: &[u8],
    mode: Option<u32>,
    keep: Option<std::fs::Permissions>,
) -> io::Result<PathBuf> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = target
        .file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
    loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp = dir.join(format!(".{name}.{}.{n}.tmp", std::process::id()));
        let mut opts = OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        if let Some(m) = mode {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(m);
        }
        #[cfg(not(unix))]
        let _ = mode;
        let mut file = match opts.open(&tmp) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        };
        let written = (|| {
            if let Some(p) = &keep {
                file.set_permissions(p.clone())?;
            }
            file.write_all(bytes)?;
            file.sync_all()
        })();
        drop(file);
        return match written {
            Ok(()) => Ok(tmp),
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                Err(e)
            }
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .expect("read dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[cfg(unix)]
    fn mode_of(p: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777
    }

    #[test]
    fn temporary_files_of_killed_writers_are_swept() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("INC-1.md");
        // Above the kernel's largest pid (2^22): no such process.
        let dead = dir.path().join(".INC-2.md.4194399.0.tmp");
        let alive = dir
            .path()
            .join(format!(".INC-3.md.{}.7.tmp", std::process::id()));
        let other = dir.path().join(".notes.tmp");
        for f in [&dead, &alive, &other] {
            std::fs::write(f, b"partial").expect("write");
        }
        write_atomic(&p, b"whole\n", None).expect("write");
        let left = names(dir.path());
        assert!(
            !left.contains(&".INC-2.md.4194399.0.tmp".to_string()),
            "{left:?}"
        );
        // Ours (a write may be under way) and files that are not ours stay.
        assert!(alive.exists() && other.exists(), "{left:?}");
        assert_eq!(temp_owner(".a.b.md.12.3.tmp"), Some(12));
        for name in [".x.12.tmp", "x.12.3.tmp", ".x.1a.3.tmp", ".x..3.tmp"] {
            assert_eq!(temp_owner(name), None, "{name}");
        }
    }

    #[test]
    fn writes_creates_dirs_and_replaces_without_leftovers() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("a/b/post-mortem.md");
        write_atomic(&p, b"first\n", None).expect("write");
        assert_eq!(std::fs::read(&p).expect("read"), b"first\n");
        write_atomic(&p, b"second, longer\n", None).expect("rewrite");
        assert_eq!(std::fs::read(&p).expect("read"), b"second, longer\n");
        write_atomic(&p, b"", None).expect("empty");
        assert_eq!(std::fs::read(&p).expect("read"), b"");
        assert_eq!(names(&dir.path().join("a/b")), ["post-mortem.md"]);
    }

    #[cfg(unix)]
    #[test]
    fn permissions_are_set_or_kept() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let secret = dir.path().join("secret");
        write_atomic(&secret, b"x", Some(0o600)).expect("write");
        assert_eq!(mode_of(&secret), 0o600);
        // A file the user made private stays private when rewritten without a mode.
        let mine = dir.path().join("mine");
        std::fs::write(&mine, b"old").expect("write");
        std::fs::set_permissions(&mine, std::fs::Permissions::from_mode(0o640)).expect("chmod");
        write_atomic(&mine, b"new", None).expect("rewrite");
        assert_eq!(mode_of(&mine), 0o640);
        assert_eq!(std::fs::read(&mine).expect("read"), b"new");
        create_new(&dir.path().join("new"), b"x", Some(0o600)).expect("create");
        assert_eq!(mode_of(&dir.path().join("new")), 0o600);
    }

    #[test]
    fn create_new_never_replaces() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("config.toml");
        create_new(&p, b"one", None).expect("create");
        let e = create_new(&p, b"two", None).expect_err("must not overwrite");
        assert_eq!(e.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&p).expect("read"), b"one");
        assert_eq!(names(dir.path()), ["config.toml"]);
    }

    #[cfg(unix)]
    #[test]
    fn a_failed_write_leaves_the_old_file_and_no_temp() {
        let dir = tempfile::tempdir().expect("tempdir");
        // The target is a directory: the rename fails after the temporary file was written.
        let p = dir.path().join("taken");
        std::fs::create_dir(&p).expect("mkdir");
        std::fs::write(p.join("inside"), b"keep").expect("write");
        assert!(write_atomic(&p, b"new", None).is_err());
        assert_eq!(std::fs::read(p.join("inside")).expect("read"), b"keep");
        assert_eq!(names(dir.path()), ["taken"]);
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_is_followed_not_replaced() {
        let dir = tempfile::tempdir().expect("tempdir");
        let real = dir.path().join("real.toml");
        std::fs::write(&real, b"old").expect("write");
        let link = dir.path().join("link.toml");
        std::os::unix::fs::symlink(&real, &link).expect("symlink");
        write_atomic(&link, b"new", None).expect("write");
        assert!(
            link.symlink_metadata()
                .expect("meta")
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read(&real).expect("read"), b"new");
    }

    #[test]
    fn a_bare_file_name_writes_in_the_current_dir() {
        assert_eq!(parent(Path::new("x.md")), PathBuf::from("."));
        assert_eq!(parent(Path::new("/x.md")), PathBuf::from("/"));
    }
}
