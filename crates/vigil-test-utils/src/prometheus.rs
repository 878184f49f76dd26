//! Reading one sample out of a Prometheus text exposition (what `/metrics` serves), for tests
//! and the devnet's checks.

/// The value of the first series of `name` whose labels include every `(label, value)` of
/// `labels` (with none: the first series of `name`, labelled or not).
pub fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    text.lines().filter(|l| !l.starts_with('#')).find_map(|line| {
        let (series, value) = line.rsplit_once(' ')?;
        let (n, set) = match series.split_once('{') {
            Some((n, rest)) => (n, rest.strip_suffix('}')?),
            None => (series, ""),
        };
        let has = |(k, v): &(&str, &str)| {
            let pair = format!("{k}=\"{v}\"");
            set == pair
                || set.starts_with(&format!("{pair},"))
                || set.ends_with(&format!(",{pair}"))
                || set.contains(&format!(",{pair},"))
        };
        (n == name && labels.iter().all(has)).then(|| value.parse().ok())?
    })
}

#[cfg(test)]
mod tests {
    use super::sample;

    const TEXT: &str = "# HELP x_total X\n\
                        # TYPE x_total counter\n\
                        x_total{chain=\"l1\",endpoint=\"#0 http://a/\",kind=\"unavailable\"} 5\n\
                        x_total{chain=\"l1\",endpoint=\"#1 http://b/\",kind=\"rate_limited\"} 4\n\
                        xchain_total{chain=\"l1\"} 9\n\
                        y 2.5\n";

    #[test]
    fn finds_the_series_with_every_label_given() {
        assert_eq!(sample(TEXT, "x_total", &[("kind", "rate_limited")]), Some(4.0));
        assert_eq!(
            sample(TEXT, "x_total", &[("chain", "l1"), ("endpoint", "#0 http://a/")]),
            Some(5.0)
        );
        assert_eq!(sample(TEXT, "x_total", &[]), Some(5.0));
        assert_eq!(sample(TEXT, "y", &[]), Some(2.5));
        assert_eq!(sample(TEXT, "x_total", &[("chain", "l2")]), None);
        assert_eq!(sample(TEXT, "x_total", &[("hain", "l1")]), None, "a whole label name");
        assert_eq!(sample(TEXT, "xchain", &[]), None, "a whole metric name");
        assert_eq!(sample(TEXT, "z", &[]), None);
    }
}
