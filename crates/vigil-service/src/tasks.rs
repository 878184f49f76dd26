//! A service's long-running tasks and their graceful shutdown, in the manner of lighthouse's
//! `task_executor` and reth's `tasks`.
//!
//! A [`TaskManager`] spawns named tasks and hands each a [`Stop`] future that resolves when the
//! service shuts down. [`TaskManager::run_until`] waits for the process's shutdown signal *or*
//! for a task to fail, then tells every task to stop, gives them a grace period, and aborts
//! (and names) the ones still running:
//! - a task that returns an error or panics is a failure: the service shuts down and `run`
//!   returns [`RunError::Task`], so the process exits non-zero and its supervisor restarts it
//!   instead of leaving a half-working process up;
//! - a [critical](TaskManager::spawn_critical) task (an HTTP server, the submitter) that ends
//!   before shutdown, even without an error, is a failure too: the service cannot do its job
//!   without it.
//!
//! Each failure and each straggler is logged with the task's name. A failure ends the process,
//! so a counter of failures would rarely be scraped; instead every manager sets
//! `vigil_service_started_at_seconds{service}` when it starts, and a restart shows as a change
//! of that gauge (the `ServiceRestarting` alert).

use std::{fmt, future::Future, pin::Pin, sync::LazyLock, time::Duration};

use prometheus::GaugeVec;
use tokio::{sync::watch, task::JoinSet};
use tracing::{info, warn};

use crate::{BoxError, RunError, metrics};

static STARTED_AT: LazyLock<GaugeVec> = LazyLock::new(|| {
    metrics::gauge_vec(
        "vigil_service_started_at_seconds",
        "When this process's service started its tasks (unix seconds): a change is a restart",
        &["service"],
    )
});

/// Resolves once the service is shutting down. Cheap to clone; hand one to every loop.
#[derive(Clone, Debug)]
pub struct Stop(watch::Receiver<bool>);

impl Stop {
    /// Whether shutdown has begun.
    pub fn is_stopping(&self) -> bool {
        *self.0.borrow()
    }

    /// Waits until shutdown begins.
    pub async fn wait(mut self) {
        // An error means the manager is gone, which is a shutdown too.
        let _ = self.0.wait_for(|stopping| *stopping).await;
    }

    /// The underlying channel (`true` once shutdown has begun), for code that watches it.
    pub fn watch(&self) -> watch::Receiver<bool> {
        self.0.clone()
    }

    /// [`Stop::wait`] as a boxed future (for APIs that take `impl Future + 'static`).
    pub fn future(&self) -> Pin<Box<dyn Future<Output = ()> + Send + 'static>> {
        Box::pin(self.clone().wait())
    }
}

/// What a task returns: `()` for a loop that cannot fail, or a `Result`.
pub trait TaskOutcome: Send + 'static {
    /// As a result.
    fn into_result(self) -> Result<(), BoxError>;
}

impl TaskOutcome for () {
    fn into_result(self) -> Result<(), BoxError> {
        Ok(())
    }
}

impl<E: Into<BoxError> + Send + 'static> TaskOutcome for Result<(), E> {
    fn into_result(self) -> Result<(), BoxError> {
        self.map_err(Into::into)
    }
}

/// How a task ended.
enum Ended {
    /// It returned `Ok`.
    Done,
    /// It returned an error.
    Failed(BoxError),
}

struct Finished {
    name: &'static str,
    critical: bool,
    ended: Ended,
}

/// Owns a service's tasks; see the module docs.
pub struct TaskManager {
    service: &'static str,
    stop_tx: watch::Sender<bool>,
    stop: Stop,
    tasks: JoinSet<Finished>,
    names: Vec<(tokio::task::Id, &'static str)>,
}

impl fmt::Debug for TaskManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskManager")
            .field("service", &self.service)
            .field("tasks", &self.tasks.len())
            .finish_non_exhaustive()
    }
}

impl TaskManager {
    /// A manager for `service`'s tasks (the name labels logs and metrics).
    pub fn new(service: &'static str) -> Self {
        let started = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        STARTED_AT.with_label_values(&[service]).set(started);
        let (stop_tx, stop_rx) = watch::channel(false);
        Self { service, stop_tx, stop: Stop(stop_rx), tasks: JoinSet::new(), names: Vec::new() }
    }

    /// The shutdown future to hand to a task.
    pub fn stop(&self) -> Stop {
        self.stop.clone()
    }

    /// Spawns a task that may end on its own (a replay, a one-off). An error or a panic fails
    /// the service.
    pub fn spawn<F>(&mut self, name: &'static str, task: F)
    where
        F: Future<Output: TaskOutcome> + Send + 'static,
    {
        self.spawn_inner(name, false, task);
    }

    /// Spawns a task that must run until shutdown (a server, the submitter): ending earlier,
    /// even with `Ok`, fails the service.
    pub fn spawn_critical<F>(&mut self, name: &'static str, task: F)
    where
        F: Future<Output: TaskOutcome> + Send + 'static,
    {
        self.spawn_inner(name, true, task);
    }

    fn spawn_inner<F>(&mut self, name: &'static str, critical: bool, task: F)
    where
        F: Future<Output: TaskOutcome> + Send + 'static,
    {
        let handle = self.tasks.spawn(async move {
            let ended = match task.await.into_result() {
                Ok(()) => Ended::Done,
                Err(e) => Ended::Failed(e),
            };
            Finished { name, critical, ended }
        });
        self.names.push((handle.id(), name));
    }

    /// Runs until `shutdown` resolves or a task fails, then stops every task: each gets `grace`
    /// to finish, after which the rest are aborted. Returns the first failure, if any.
    pub async fn run_until(
        mut self,
        shutdown: impl Future<Output = ()>,
        grace: Duration,
    ) -> Result<(), RunError> {
        let service = self.service;
        let mut failure: Option<RunError> = None;
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                () = &mut shutdown => break,
                next = self.tasks.join_next_with_id() => match next {
                    // Every task ended without failing: nothing left to run.
                    None => break,
                    Some(joined) => {
                        if let Some(e) = self.judge(joined, false) {
                            failure = Some(e);
                            break;
                        }
                    }
                },
            }
        }
        info!(target: "vigil::service", service, reason = if failure.is_some() { "a task failed" } else { "shutdown requested" }, "shutting down");
        let _ = self.stop_tx.send(true);
        let drain = async {
            while let Some(joined) = self.tasks.join_next_with_id().await {
                if let Some(e) = self.judge(joined, true) {
                    failure.get_or_insert(e);
                }
            }
        };
        if tokio::time::timeout(grace, drain).await.is_err() {
            // Finished tasks leave `names` as they are joined: the rest are still running.
            let running: Vec<&'static str> = self.names.iter().map(|(_, name)| *name).collect();
            warn!(target: "vigil::service", service, tasks = ?running, grace_ms = grace.as_millis(), "tasks did not stop within the grace period: aborted");
            self.tasks.shutdown().await;
        }
        failure.map_or(Ok(()), Err)
    }

    /// A task's end: `Some` when it is a failure (already logged and counted).
    fn judge(
        &mut self,
        joined: Result<(tokio::task::Id, Finished), tokio::task::JoinError>,
        stopping: bool,
    ) -> Option<RunError> {
        let service = self.service;
        let (name, reason) = match joined {
            Ok((id, finished)) => {
                self.names.retain(|(i, _)| *i != id);
                match finished.ended {
                    Ended::Done if finished.critical && !stopping => {
                        (finished.name, "ended before shutdown".to_owned())
                    }
                    Ended::Done => return None,
                    Ended::Failed(e) => (finished.name, e.to_string()),
                }
            }
            Err(e) => {
                let id = e.id();
                let name = self.names.iter().find(|(i, _)| *i == id).map_or("unknown", |(_, n)| *n);
                self.names.retain(|(i, _)| *i != id);
                if e.is_cancelled() {
                    return None;
                }
                (name, "panicked".to_owned())
            }
        };
        warn!(target: "vigil::service", service, task = name, reason = %reason, "task failed");
        Some(RunError::Task { task: name, reason })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    };

    use std::task::{Context, Poll};

    use super::*;

    /// A future that is always pending: for tests of tasks that ignore shutdown.
    #[derive(Debug, Default)]
    struct Never;

    impl Future for Never {
        type Output = ();
        fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
            Poll::Pending
        }
    }

    #[test]
    fn a_manager_marks_when_its_service_started() {
        let before = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs_f64();
        let _tasks = TaskManager::new("started-test");
        let at = STARTED_AT.with_label_values(&["started-test"]).get();
        assert!(at >= before.floor() && at < before + 60.0, "{at} vs {before}");
    }

    #[tokio::test]
    async fn shutdown_stops_every_task_and_waits_for_it() {
        let mut tasks = TaskManager::new("test");
        let finished = Arc::new(AtomicUsize::new(0));
        for name in ["a", "b"] {
            let stop = tasks.stop();
            let finished = finished.clone();
            tasks.spawn_critical(name, async move {
                stop.wait().await;
                tokio::time::sleep(Duration::from_millis(20)).await;
                finished.fetch_add(1, Ordering::SeqCst);
                Ok::<_, BoxError>(())
            });
        }
        let stop = tasks.stop();
        assert!(!stop.is_stopping());
        tasks.run_until(std::future::ready(()), Duration::from_secs(5)).await.unwrap();
        assert_eq!(finished.load(Ordering::SeqCst), 2, "run_until returned before its tasks");
        assert!(stop.is_stopping());
    }

    #[tokio::test]
    async fn a_failing_task_stops_the_others_and_is_named() {
        let mut tasks = TaskManager::new("test");
        let stopped = Arc::new(AtomicUsize::new(0));
        let stop = tasks.stop();
        let seen = stopped.clone();
        tasks.spawn_critical("server", async move {
            stop.wait().await;
            seen.fetch_add(1, Ordering::SeqCst);
            Ok::<_, BoxError>(())
        });
        tasks.spawn("feed-follower", async { Err::<(), BoxError>("connection refused".into()) });
        let err = tasks.run_until(Never, Duration::from_secs(5)).await.unwrap_err();
        assert!(
            matches!(&err, RunError::Task { task: "feed-follower", reason } if reason == "connection refused"),
            "{err:?}"
        );
        assert_eq!(stopped.load(Ordering::SeqCst), 1, "the server was not told to stop");
    }

    #[tokio::test]
    async fn a_critical_task_that_ends_early_fails_the_service_a_plain_one_does_not() {
        let mut tasks = TaskManager::new("test");
        // Tasks may return `()` as well as a `Result`.
        tasks.spawn("replay", async {});
        let stop = tasks.stop();
        tasks.spawn_critical("api", async move {
            stop.wait().await;
            Ok::<_, BoxError>(())
        });
        // The plain task ending is fine: the service keeps running until shutdown.
        let shutdown = tokio::time::sleep(Duration::from_millis(100));
        tasks.run_until(shutdown, Duration::from_secs(5)).await.unwrap();

        let mut tasks = TaskManager::new("test");
        tasks.spawn_critical("submitter", async { Ok::<_, BoxError>(()) });
        let err = tasks.run_until(Never, Duration::from_secs(5)).await.unwrap_err();
        assert!(matches!(err, RunError::Task { task: "submitter", .. }), "{err:?}");
    }

    #[tokio::test]
    async fn a_panic_is_a_failure_not_a_crash() {
        let mut tasks = TaskManager::new("test");
        tasks.spawn_critical("engine", async {
            let v: Vec<u8> = Vec::new();
            // A real panic inside the task (an out-of-bounds index).
            #[allow(clippy::indexing_slicing)]
            let _ = v[usize::from(v.is_empty())];
            Ok::<_, BoxError>(())
        });
        let err = tasks.run_until(Never, Duration::from_secs(5)).await.unwrap_err();
        assert!(
            matches!(&err, RunError::Task { task: "engine", reason } if reason == "panicked"),
            "{err:?}"
        );
    }

    #[tokio::test]
    async fn a_task_that_ignores_shutdown_is_aborted_after_the_grace_period() {
        let mut tasks = TaskManager::new("test");
        let dropped = Arc::new(AtomicUsize::new(0));
        struct OnDrop(Arc<AtomicUsize>);
        impl Drop for OnDrop {
            fn drop(&mut self) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        let guard = OnDrop(dropped.clone());
        tasks.spawn_critical("sse-stream", async move {
            let _guard = guard;
            Never.await;
            Ok::<_, BoxError>(())
        });
        tasks.run_until(std::future::ready(()), Duration::from_millis(50)).await.unwrap();
        assert_eq!(dropped.load(Ordering::SeqCst), 1, "the straggler was not aborted");
    }
}
