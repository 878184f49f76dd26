//! The lock file that keeps one process per database.

use std::{
    fs::{File, OpenOptions},
    path::{Path, PathBuf},
};

use fs4::{FileExt, TryLockError};

use crate::{Error, Result};

/// An exclusive `flock(2)` on `<database>.lock`, held for the life of the value.
///
/// The kernel drops the lock when the process dies (SIGKILL included), so a stale lock file
/// never blocks a restart; the file itself is left in place on purpose (deleting it would let a
/// second process lock a fresh inode while the first still holds the old one).
#[derive(Debug)]
pub(crate) struct LockFile {
    _file: File,
    path: PathBuf,
}

impl LockFile {
    /// The lock file that guards `database`.
    pub(crate) fn path_for(database: &Path) -> PathBuf {
        let mut name = database.as_os_str().to_owned();
        name.push(".lock");
        PathBuf::from(name)
    }

    /// Takes the lock without waiting, or fails with [`Error::AlreadyLocked`].
    pub(crate) fn acquire(database: &Path) -> Result<Self> {
        let path = Self::path_for(database);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|source| Error::LockFile { path: path.clone(), source })?;
        match FileExt::try_lock(&file) {
            Ok(()) => Ok(Self { _file: file, path }),
            Err(TryLockError::WouldBlock) => Err(Error::AlreadyLocked { path }),
            Err(TryLockError::Error(source)) => Err(Error::LockFile { path, source }),
        }
    }

    /// Where the lock file is.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}
