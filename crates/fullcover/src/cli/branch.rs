//! The branch a local checkout is on, read from git's own files (no `git` binary): the
//! default for `plan --default-branch`. `.git` may be a directory or, in a worktree or
//! submodule, a file pointing at the real git directory. A detached HEAD falls back to
//! the branch `origin/HEAD` names, as a fresh clone records it.

use std::path::{Path, PathBuf};

/// Git's own files read here are tiny; anything longer is not what git wrote.
const READ_LIMIT: u64 = 4096;

/// How many parent directories are searched for `.git`.
const MAX_DEPTH: usize = 64;

/// Where the branch came from, for the message that explains a fallback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Branch {
    /// `HEAD` names this branch.
    Current(String),
    /// `HEAD` is detached; `origin/HEAD` names this branch.
    RemoteDefault(String),
}

/// The checkout's branch, or `None` when `path` is not in a git checkout or its `HEAD`
/// is detached with no `origin/HEAD` to fall back on.
pub fn checkout_branch(path: &Path) -> Option<Branch> {
    let git_dir = find_git_dir(path)?;
    if let Some(name) = symbolic_ref(&git_dir.join("HEAD"), "refs/heads/") {
        return Some(Branch::Current(name));
    }
    let common = common_dir(&git_dir);
    symbolic_ref(
        &common.join("refs/remotes/origin/HEAD"),
        "refs/remotes/origin/",
    )
    .map(Branch::RemoteDefault)
}

fn find_git_dir(path: &Path) -> Option<PathBuf> {
    let start = path.canonicalize().ok()?;
    start.ancestors().take(MAX_DEPTH).find_map(|dir| {
        let dot_git = dir.join(".git");
        let metadata = std::fs::symlink_metadata(&dot_git).ok()?;
        if metadata.is_dir() {
            Some(dot_git)
        } else if metadata.is_file() {
            // A worktree's or submodule's `.git` file: `gitdir: <path>`, relative to it.
            let text = read_small(&dot_git)?;
            let target = text.lines().next()?.strip_prefix("gitdir:")?.trim();
            Some(dir.join(target))
        } else {
            None
        }
    })
}

/// A worktree's git directory keeps its `HEAD` but shares refs with the main one, named
/// in its `commondir` file.
fn common_dir(git_dir: &Path) -> PathBuf {
    read_small(&git_dir.join("commondir"))
        .map(|text| git_dir.join(text.trim()))
        .unwrap_or_else(|| git_dir.to_path_buf())
}

/// The name after `prefix` in a symbolic ref file (`ref: refs/heads/main`).
fn symbolic_ref(file: &Path, prefix: &str) -> Option<String> {
    let text = read_small(file)?;
    let name = text
        .lines()
        .next()?
        .strip_prefix("ref:")?
        .trim()
        .strip_prefix(prefix)?;
    (!name.is_empty() && !name.chars().any(char::is_control)).then(|| name.to_owned())
}

fn read_small(path: &Path) -> Option<String> {
    use std::io::Read;
    let file = std::fs::File::open(path).ok()?;
    let mut text = String::new();
    file.take(READ_LIMIT).read_to_string(&mut text).ok()?;
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn head_names_the_branch_from_any_directory_of_the_checkout() {
        let dir = tempfile::tempdir().unwrap();
        write(&dir.path().join(".git/HEAD"), "ref: refs/heads/master\n");
        std::fs::create_dir_all(dir.path().join("src/app")).unwrap();
        for path in [dir.path().to_path_buf(), dir.path().join("src/app")] {
            assert_eq!(
                checkout_branch(&path),
                Some(Branch::Current("master".to_owned()))
            );
        }
    }

    #[test]
    fn a_worktree_reads_the_git_directory_its_dot_git_file_names() {
        let dir = tempfile::tempdir().unwrap();
        let main = dir.path().join("main/.git");
        write(&main.join("HEAD"), "ref: refs/heads/main\n");
        write(
            &main.join("worktrees/feature/HEAD"),
            "ref: refs/heads/release/2.x\n",
        );
        write(&main.join("worktrees/feature/commondir"), "../..\n");
        let worktree = dir.path().join("feature");
        write(
            &worktree.join(".git"),
            &format!("gitdir: {}\n", main.join("worktrees/feature").display()),
        );
        assert_eq!(
            checkout_branch(&worktree),
            Some(Branch::Current("release/2.x".to_owned()))
        );
    }

    #[test]
    fn a_detached_head_falls_back_to_origin_head_or_nothing() {
        let dir = tempfile::tempdir().unwrap();
        write(
            &dir.path().join(".git/HEAD"),
            "4b825dc642cb6eb9a060e54bf8d69288fbee4904\n",
        );
        assert_eq!(checkout_branch(dir.path()), None);
        write(
            &dir.path().join(".git/refs/remotes/origin/HEAD"),
            "ref: refs/remotes/origin/trunk\n",
        );
        assert_eq!(
            checkout_branch(dir.path()),
            Some(Branch::RemoteDefault("trunk".to_owned()))
        );
    }
}
