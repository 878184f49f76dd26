//! The monitoring files against a running devnet: a private Prometheus (Debian's package)
//! scrapes a byzantine devnet through the config the devnet writes, with the repository's alert
//! rules; then every PromQL expression of every dashboard panel must return data, every alert
//! rule must evaluate cleanly, every metric name they use must be one the binaries export, and
//! `promtool` must accept the committed config and rules.
use std::{
    collections::BTreeSet,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::Duration,
};

use vigil_devnet::{Options, Outcome, layout::Ports};

use crate::{ONE_DEVNET_AT_A_TIME, port_offset};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn tool(name: &str) -> PathBuf {
    ["/usr/bin", "/usr/local/bin", "/bin"]
        .iter()
        .map(|d| Path::new(d).join(name))
        .find(|p| p.exists())
        .unwrap_or_else(|| {
            panic!("{name} not found: scripts/setup.sh installs Debian's prometheus")
        })
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Every panel expression of a Grafana dashboard, with its panel title.
fn dashboard_exprs(path: &Path) -> Vec<(String, String)> {
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let inputs = json["__inputs"].as_array().expect("__inputs");
    assert!(
        inputs.iter().any(|i| i["type"] == "datasource" && i["pluginId"] == "prometheus"),
        "{}: no Prometheus datasource input",
        path.display()
    );
    let mut out = Vec::new();
    let mut panels: Vec<&serde_json::Value> = json["panels"].as_array().unwrap().iter().collect();
    while let Some(panel) = panels.pop() {
        if let Some(inner) = panel["panels"].as_array() {
            panels.extend(inner);
        }
        for target in panel["targets"].as_array().into_iter().flatten() {
            if let Some(expr) = target["expr"].as_str() {
                out.push((panel["title"].as_str().unwrap_or("?").to_owned(), expr.to_owned()));
            }
        }
    }
    assert!(!out.is_empty(), "{}: no expressions", path.display());
    out
}

/// Metric names an expression uses (Vigil's and the EigenLayer spec's).
fn metric_names(expr: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let bytes = expr.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let rest = &expr[i..];
        let starts = rest.starts_with("vigil_") || rest.starts_with("eigen_");
        let boundary = i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
        if starts && boundary {
            let len =
                rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
            names.insert(rest[..len].to_owned());
            i += len;
        } else {
            i += 1;
        }
    }
    names
}

struct Prometheus {
    child: Child,
    url: String,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Prometheus {
    fn start(config: &Path, data: &Path) -> Self {
        let port = free_port();
        let log = std::fs::File::create(data.with_extension("log")).unwrap();
        let child = Command::new(tool("prometheus"))
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.tsdb.path={}", data.display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        Self { child, url: format!("http://127.0.0.1:{port}") }
    }

    /// A JSON answer; while Prometheus starts (refused connections, 503 text) it asks again.
    async fn get(&self, path: &str, query: &[(&str, &str)]) -> serde_json::Value {
        let http = reqwest::Client::new();
        let mut last = String::new();
        for _ in 0..120 {
            match http.get(format!("{}{path}", self.url)).query(query).send().await {
                Ok(r) => match r.text().await {
                    Ok(text) => match serde_json::from_str(&text) {
                        Ok(v) => return v,
                        Err(_) => last = text,
                    },
                    Err(e) => last = e.to_string(),
                },
                Err(e) => last = e.to_string(),
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        panic!("Prometheus at {} never answered {path} with JSON: {last}", self.url);
    }

    /// Evaluates `expr` now: `Ok(number of series)` or the error Prometheus gave.
    async fn query(&self, expr: &str) -> Result<usize, String> {
        let v = self.get("/api/v1/query", &[("query", expr)]).await;
        if v["status"] != "success" {
            return Err(format!("{}: {}", v["errorType"], v["error"]));
        }
        Ok(v["data"]["result"].as_array().map_or(1, Vec::len))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_dashboard_and_alert_expression_evaluates_against_a_running_devnet() {
    // The committed config and rules pass promtool.
    let prom_dir = repo().join("dashboards/prometheus");
    for args in [vec!["check", "config", "prometheus.yml"], vec!["check", "rules", "rules.yml"]] {
        let out =
            Command::new(tool("promtool")).args(&args).current_dir(&prom_dir).output().unwrap();
        assert!(
            out.status.success(),
            "promtool {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    // A byzantine devnet on its own ports.
    let _one = ONE_DEVNET_AT_A_TIME.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let offset = port_offset(0);
    let opts = Options {
        dir: dir.path().join("devnet"),
        byzantine: true,
        port_offset: offset,
        // One rollup: the single-certificate path (the default three run batches).
        rollups: Some(1),
        ..Options::default()
    };
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let devnet = {
        let opts = opts.clone();
        let lines = lines.clone();
        tokio::spawn(async move {
            let say = move |l: String| lines.lock().unwrap().push(l);
            vigil_devnet::run(
                &opts,
                async {
                    let _ = stopped.await;
                },
                &say,
            )
            .await
        })
    };
    let ports = Ports::with_offset(offset);
    let transcript = || lines.lock().unwrap().join("\n");

    // Wait for certificates and the slash (the devnet's own chain reads print them).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(300);
    loop {
        assert!(!devnet.is_finished(), "devnet stopped: {}", transcript());
        let text = transcript();
        let certified = text.lines().filter(|l| l.contains("%)")).count();
        if text.contains("SLASHED") && certified >= 4 {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "devnet never got there:\n{text}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    // Prometheus on the config the devnet wrote, scraping every second.
    let config_dir = opts.dir.join("prometheus");
    let config = std::fs::read_to_string(config_dir.join("prometheus.yml"))
        .unwrap()
        .replace("scrape_interval: 5s", "scrape_interval: 1s")
        .replace("evaluation_interval: 5s", "evaluation_interval: 1s");
    std::fs::write(config_dir.join("prometheus-test.yml"), config).unwrap();
    let prometheus =
        Prometheus::start(&config_dir.join("prometheus-test.yml"), &dir.path().join("tsdb"));

    // Every target up.
    let targets_up = async {
        loop {
            let v = prometheus.get("/api/v1/targets", &[]).await;
            let active = v["data"]["activeTargets"].as_array().cloned().unwrap_or_default();
            if active.len() == 6 && active.iter().all(|t| t["health"] == "up") {
                return;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    };
    let prom_deadline = Duration::from_secs(60);
    if tokio::time::timeout(prom_deadline, targets_up).await.is_err() {
        panic!("targets not up: {:#}", prometheus.get("/api/v1/targets", &[]).await);
    }
    // Enough samples for every rate() window to have two points.
    tokio::time::sleep(Duration::from_secs(8)).await;

    let exported: BTreeSet<String> =
        prometheus.get("/api/v1/label/__name__/values", &[]).await["data"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect();
    assert!(exported.contains("vigil_operator_checkpoints_signed_total"), "{exported:?}");
    let exported_base = |name: &str| {
        exported.contains(name)
            || ["_bucket", "_sum", "_count"].iter().any(|s| {
                name.strip_suffix(s).is_some_and(|b| exported.contains(&format!("{b}_count")))
            })
    };

    // Every dashboard panel returns data.
    let mut failures = Vec::new();
    let mut checked = 0;
    for entry in std::fs::read_dir(repo().join("dashboards/grafana")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        for (title, expr) in dashboard_exprs(&path) {
            for name in metric_names(&expr) {
                if !exported_base(&name) {
                    failures.push(format!(
                        "{}: {title}: metric {name} is not exported",
                        path.display()
                    ));
                }
            }
            // Series that appear with the first event may need a few more scrapes.
            let mut result = prometheus.query(&expr).await;
            for _ in 0..20 {
                if matches!(result, Ok(n) if n > 0) {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
                result = prometheus.query(&expr).await;
            }
            match result {
                Ok(n) if n > 0 => checked += 1,
                Ok(_) => failures.push(format!("{}: {title}: no data: {expr}", path.display())),
                Err(e) => failures.push(format!("{}: {title}: {e}: {expr}", path.display())),
            }
        }
    }

    // Every alert rule was loaded, evaluates without error, and uses exported metrics.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rules = prometheus.get("/api/v1/rules", &[]).await;
    let groups = rules["data"]["groups"].as_array().unwrap();
    let mut alerts = 0;
    for group in groups {
        for rule in group["rules"].as_array().unwrap() {
            alerts += 1;
            let name = rule["name"].as_str().unwrap_or("?");
            let query = rule["query"].as_str().unwrap();
            if rule["health"] != "ok" {
                failures.push(format!(
                    "alert {name}: health {} ({})",
                    rule["health"], rule["lastError"]
                ));
            }
            if let Err(e) = prometheus.query(query).await {
                failures.push(format!("alert {name}: {e}"));
            }
            for metric in metric_names(query) {
                if !exported_base(&metric) {
                    failures.push(format!("alert {name}: metric {metric} is not exported"));
                }
            }
        }
    }
    assert!(alerts >= 6, "only {alerts} alert rules loaded: {rules:#}");
    // The slash happened: the alert that says so must fire (or be pending).
    let firing = prometheus.get("/api/v1/alerts", &[]).await;
    let names: Vec<&str> = firing["data"]["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["labels"]["alertname"].as_str())
        .collect();
    assert!(names.contains(&"OperatorSlashed"), "OperatorSlashed not active: {names:?}");

    assert!(failures.is_empty(), "{} problems:\n{}", failures.len(), failures.join("\n"));
    println!("{checked} panel expressions returned data; {alerts} alert rules evaluated");
    assert!(checked >= 30, "only {checked} panel expressions checked");

    let _ = ports;
    drop(prometheus);
    stop.send(()).unwrap();
    let outcome = devnet.await.unwrap().unwrap();
    assert_eq!(outcome, Outcome::Stopped);
}
