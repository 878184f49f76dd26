//! Test support (`test-utils`): read an OpenAPI document's operations with their examples, and
//! check an answer against a documented schema structurally (types, required fields, `$ref`s,
//! `oneOf`/`anyOf`/`allOf`; not formats, patterns or bounds).

use std::collections::BTreeMap;

use serde_json::Value;

/// One documented operation, ready to drive with its examples.
#[derive(Debug, Clone)]
pub struct Operation {
    /// `GET`, `POST`, …
    pub method: String,
    /// The documented path, `{param}` and all.
    pub template: String,
    /// The path with every path parameter replaced by its example, plus the query parameters
    /// that have examples.
    pub uri: String,
    /// The request body's example and its content type, if the operation takes a body.
    pub body: Option<(String, Value)>,
    /// The documented answers by status: the content types and, for JSON, the schema.
    pub responses: BTreeMap<u16, Vec<(String, Option<Value>)>>,
    /// How many examples the operation documents (request body and answers).
    pub examples: usize,
}

impl Operation {
    /// `METHOD /template`, for messages.
    pub fn name(&self) -> String {
        format!("{} {}", self.method, self.template)
    }
}

/// Every operation of `doc`, in path order.
pub fn operations(doc: &Value) -> Result<Vec<Operation>, String> {
    let paths = doc.get("paths").and_then(Value::as_object).ok_or("no paths")?;
    let mut out = Vec::new();
    for (template, item) in paths {
        let item = item.as_object().ok_or_else(|| format!("{template}: not an object"))?;
        for (method, op) in item {
            if !["get", "post", "put", "delete", "patch"].contains(&method.as_str()) {
                continue;
            }
            out.push(operation(template, method, op)?);
        }
    }
    Ok(out)
}

fn operation(template: &str, method: &str, op: &Value) -> Result<Operation, String> {
    let name = format!("{} {template}", method.to_uppercase());
    let mut path = template.to_owned();
    let mut query = Vec::new();
    for param in op.get("parameters").and_then(Value::as_array).into_iter().flatten() {
        let pname = param.get("name").and_then(Value::as_str).ok_or("unnamed parameter")?;
        let example = param.get("example").or_else(|| param.pointer("/schema/example"));
        let text = example.map(|e| match e {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        });
        match (param.get("in").and_then(Value::as_str), text) {
            (Some("path"), Some(text)) => path = path.replace(&format!("{{{pname}}}"), &text),
            (Some("path"), None) => {
                return Err(format!("{name}: path parameter {pname} has no example"));
            }
            (Some("query"), Some(text)) => query.push(format!("{pname}={text}")),
            _ => {}
        }
    }
    let uri = if query.is_empty() { path } else { format!("{path}?{}", query.join("&")) };
    let mut examples = 0;
    let body = match op.pointer("/requestBody/content").and_then(Value::as_object) {
        Some(content) => {
            let (content_type, media) =
                content.iter().next().ok_or_else(|| format!("{name}: empty request body"))?;
            let example = media
                .get("example")
                .cloned()
                .ok_or_else(|| format!("{name}: request body has no example"))?;
            examples += 1;
            Some((content_type.clone(), example))
        }
        None => None,
    };
    let mut responses = BTreeMap::new();
    let documented = op
        .get("responses")
        .and_then(Value::as_object)
        .ok_or_else(|| format!("{name}: no responses"))?;
    for (status, response) in documented {
        let status: u16 = status.parse().map_err(|_| format!("{name}: status {status}"))?;
        let mut contents = Vec::new();
        for (content_type, media) in
            response.get("content").and_then(Value::as_object).into_iter().flatten()
        {
            if media.get("example").is_some() || media.get("examples").is_some() {
                examples += 1;
            }
            contents.push((content_type.clone(), media.get("schema").cloned()));
        }
        responses.insert(status, contents);
    }
    Ok(Operation {
        method: method.to_uppercase(),
        template: template.to_owned(),
        uri,
        body,
        responses,
        examples,
    })
}

/// What a live service answered to one [`Operation`].
#[derive(Debug, Clone)]
pub struct Answer {
    /// The status.
    pub status: u16,
    /// The `Content-Type`, if any.
    pub content_type: Option<String>,
    /// The body; leave it empty for a stream that never ends (`text/event-stream`).
    pub body: Vec<u8>,
}

/// Checks `answer` against what `doc` says of `op`: the status is documented; the content type
/// is one documented for it (or none, if none is); a JSON body fits the documented schema; an
/// error (4xx, 5xx) is the one error body, `{"error": <string>, "message": <string>}`.
pub fn check_answer(doc: &Value, op: &Operation, answer: &Answer) -> Result<(), String> {
    let name = op.name();
    let Some(contents) = op.responses.get(&answer.status) else {
        let documented: Vec<&u16> = op.responses.keys().collect();
        return Err(format!("{name}: status {} is not documented ({documented:?})", answer.status));
    };
    let media = |ct: &str| ct.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    match (&answer.content_type, contents.is_empty()) {
        (None, true) => {}
        (None, false) => return Err(format!("{name}: {} without a Content-Type", answer.status)),
        (Some(ct), true) if answer.body.is_empty() => {
            return Err(format!("{name}: {} documents no body, got an empty {ct}", answer.status));
        }
        (Some(ct), true) => {
            return Err(format!("{name}: {} documents no body, got {ct}", answer.status));
        }
        (Some(ct), false) => {
            let (_, schema) =
                contents.iter().find(|(documented, _)| media(documented) == media(ct)).ok_or_else(
                    || format!("{name}: {} answered {ct}, not documented", answer.status),
                )?;
            if media(ct) == "application/json" {
                let value: Value = serde_json::from_slice(&answer.body)
                    .map_err(|e| format!("{name}: {} is not JSON: {e}", answer.status))?;
                if let Some(schema) = schema {
                    check(doc, schema, &value).map_err(|e| format!("{name}: {e} in {value}"))?;
                }
                if answer.status >= 400 {
                    let body: super::ErrorBody = serde_json::from_value(value.clone())
                        .map_err(|e| format!("{name}: not the error body ({e}): {value}"))?;
                    if body.error.is_empty() || body.message.is_empty() {
                        return Err(format!("{name}: empty error code or message: {value}"));
                    }
                }
            }
        }
    }
    Ok(())
}

/// Reads what a live service answered; a `text/event-stream` body is left empty (it never ends).
pub async fn read_answer(response: reqwest::Response) -> Result<Answer, String> {
    let content_type = match response.headers().get(reqwest::header::CONTENT_TYPE) {
        Some(v) => {
            Some(v.to_str().map_err(|e| format!("unreadable Content-Type: {e}"))?.to_owned())
        }
        None => None,
    };
    let status = response.status().as_u16();
    let body = if content_type.as_deref() == Some("text/event-stream") {
        Vec::new()
    } else {
        response.bytes().await.map_err(|e| format!("unreadable body: {e}"))?.to_vec()
    };
    Ok(Answer { status, content_type, body })
}

/// Drives every operation of `doc` against a live service, `/metrics` at `metrics` and every
/// other path at `api`: each must document an example, answer it as documented
/// ([`check_answer`]), and answer another method on its path with the documented 405 and the one
/// error body. Returns each operation with the status its example got.
pub async fn drive(
    http: &reqwest::Client,
    doc: &Value,
    api: &str,
    metrics: &str,
) -> Result<Vec<(Operation, u16)>, String> {
    let mut out = Vec::new();
    for op in operations(doc)? {
        if op.examples == 0 {
            return Err(format!("{} documents no example", op.name()));
        }
        let url = format!("{}{}", if op.template == "/metrics" { metrics } else { api }, op.uri);
        let method = reqwest::Method::from_bytes(op.method.as_bytes())
            .map_err(|e| format!("{}: {e}", op.name()))?;
        let mut request = http.request(method, &url);
        if let Some((content_type, body)) = &op.body {
            request =
                request.header(reqwest::header::CONTENT_TYPE, content_type).body(body.to_string());
        }
        let sent = request.send().await.map_err(|e| format!("{}: {e}", op.name()))?;
        let answer = read_answer(sent).await?;
        check_answer(doc, &op, &answer)
            .map_err(|e| format!("{e}: {}", String::from_utf8_lossy(&answer.body)))?;
        let wrong = if op.method == "GET" { reqwest::Method::DELETE } else { reqwest::Method::GET };
        let sent =
            http.request(wrong, &url).send().await.map_err(|e| format!("{}: {e}", op.name()))?;
        let refused = read_answer(sent).await?;
        if refused.status != 405 {
            return Err(format!(
                "{}: another method answered {}, not 405",
                op.name(),
                refused.status
            ));
        }
        check_answer(doc, &op, &refused)?;
        out.push((op, answer.status));
    }
    Ok(out)
}

/// `GET`s the document `api` serves at [`super::OPENAPI_PATH`]: it must answer 200 with the
/// committed file at `committed` ([`compare_or_bless`]). Returns the document.
pub async fn served_document(
    http: &reqwest::Client,
    api: &str,
    committed: &std::path::Path,
    regenerate: &str,
) -> Result<Value, String> {
    let path = super::OPENAPI_PATH;
    let response =
        http.get(format!("{api}{path}")).send().await.map_err(|e| format!("{path}: {e}"))?;
    if response.status() != reqwest::StatusCode::OK {
        return Err(format!("{path} answered {}", response.status()));
    }
    let served = response.text().await.map_err(|e| format!("{path}: {e}"))?;
    compare_or_bless(&served, committed, regenerate)?;
    serde_json::from_str(&served).map_err(|e| format!("{path} is not JSON: {e}"))
}

/// `GET`s each `(uri, status, code)` of `cases` at `base`: the answer has that status and is the
/// one error body with that error code.
pub async fn check_errors(
    http: &reqwest::Client,
    base: &str,
    cases: &[(&str, u16, &str)],
) -> Result<(), String> {
    for &(uri, status, code) in cases {
        let answer = read_answer(
            http.get(format!("{base}{uri}")).send().await.map_err(|e| format!("{uri}: {e}"))?,
        )
        .await?;
        if answer.status != status {
            return Err(format!("{uri}: answered {}, not {status}", answer.status));
        }
        let body: super::ErrorBody = serde_json::from_slice(&answer.body)
            .map_err(|e| format!("{uri}: not the error body ({e})"))?;
        if body.error != code {
            return Err(format!("{uri}: error {:?}, not {code:?}", body.error));
        }
    }
    Ok(())
}

/// Compares the document a service serves with the committed file at `committed`, as JSON
/// (formatting aside). With `VIGIL_BLESS=1` in the environment it rewrites the file instead.
/// `regenerate` is the command line that does that, for the failure message.
pub fn compare_or_bless(
    served: &str,
    committed: &std::path::Path,
    regenerate: &str,
) -> Result<(), String> {
    let served_text = served;
    let served: Value = serde_json::from_str(served_text)
        .map_err(|e| format!("the served document is not JSON: {e}"))?;
    if std::env::var("VIGIL_BLESS").is_ok_and(|v| v == "1") {
        // The served text as it is: the kernel serves pretty JSON with a final newline.
        let mut pretty = served_text.to_owned();
        if !pretty.ends_with('\n') {
            pretty.push('\n');
        }
        return std::fs::write(committed, pretty)
            .map_err(|e| format!("cannot write {}: {e}", committed.display()));
    }
    let stale = |why: String| {
        format!(
            "{} is stale ({why}): the handlers' types or annotations changed. Regenerate it \
             with `{regenerate}`, review the diff and commit it.",
            committed.display()
        )
    };
    let text = std::fs::read_to_string(committed).map_err(|e| stale(e.to_string()))?;
    let file: Value = serde_json::from_str(&text).map_err(|e| stale(e.to_string()))?;
    if file != served {
        let first = first_difference(&file, &served, "$");
        return Err(stale(format!("first difference at {first}")));
    }
    Ok(())
}

fn first_difference(a: &Value, b: &Value, at: &str) -> String {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for key in x.keys().chain(y.keys()) {
                match (x.get(key), y.get(key)) {
                    (Some(u), Some(v)) if u == v => {}
                    (Some(u), Some(v)) => return first_difference(u, v, &format!("{at}.{key}")),
                    _ => return format!("{at}.{key}"),
                }
            }
            at.to_owned()
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            x.iter().zip(y).enumerate().find(|(_, (u, v))| u != v).map_or_else(
                || at.to_owned(),
                |(i, (u, v))| first_difference(u, v, &format!("{at}[{i}]")),
            )
        }
        _ => at.to_owned(),
    }
}

/// Checks `value` against `schema` (resolving `$ref`s in `doc`): JSON types, the required
/// properties of every object, array items, and at least one of `oneOf`/`anyOf`.
pub fn check(doc: &Value, schema: &Value, value: &Value) -> Result<(), String> {
    check_at(doc, schema, value, "$", 0)
}

fn check_at(
    doc: &Value,
    schema: &Value,
    value: &Value,
    at: &str,
    depth: u32,
) -> Result<(), String> {
    if depth > 64 {
        return Err(format!("{at}: schema nests too deep"));
    }
    let depth = depth.saturating_add(1);
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let pointer = reference
            .strip_prefix('#')
            .ok_or_else(|| format!("{at}: external $ref {reference}"))?;
        let target =
            doc.pointer(pointer).ok_or_else(|| format!("{at}: dangling $ref {reference}"))?;
        return check_at(doc, target, value, at, depth);
    }
    for all in schema.get("allOf").and_then(Value::as_array).into_iter().flatten() {
        check_at(doc, all, value, at, depth)?;
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(options) = schema.get(key).and_then(Value::as_array) {
            let errors: Vec<String> = options
                .iter()
                .filter_map(|option| check_at(doc, option, value, at, depth).err())
                .collect();
            if errors.len() == options.len() {
                return Err(format!("{at}: matches none of {key}: {}", errors.join("; ")));
            }
        }
    }
    if let Some(types) = schema.get("type") {
        let types: Vec<&str> = match types {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        let fits = |t: &str| match t {
            "object" => value.is_object(),
            "array" => value.is_array(),
            "string" => value.is_string(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "boolean" => value.is_boolean(),
            "null" => value.is_null(),
            _ => true,
        };
        if !types.iter().any(|t| fits(t)) {
            return Err(format!("{at}: {value} is not {}", types.join(" or ")));
        }
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
        && !allowed.contains(value)
    {
        return Err(format!("{at}: {value} is not one of {allowed:?}"));
    }
    if let Value::Object(object) = value {
        for required in schema.get("required").and_then(Value::as_array).into_iter().flatten() {
            let field = required.as_str().unwrap_or_default();
            if !object.contains_key(field) {
                return Err(format!("{at}: required field {field} missing"));
            }
        }
        if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
            for (field, property) in properties {
                if let Some(v) = object.get(field) {
                    check_at(doc, property, v, &format!("{at}.{field}"), depth)?;
                }
            }
        }
        if let Some(extra) = schema.get("additionalProperties").filter(|s| s.is_object()) {
            for (field, v) in object {
                if schema.pointer(&format!("/properties/{field}")).is_none() {
                    check_at(doc, extra, v, &format!("{at}.{field}"), depth)?;
                }
            }
        }
    }
    if let (Value::Array(items), Some(item_schema)) = (value, schema.get("items")) {
        for (i, item) in items.iter().enumerate() {
            check_at(doc, item_schema, item, &format!("{at}[{i}]"), depth)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde_json::json;

    use super::*;

    #[test]
    fn required_fields_types_and_refs_are_checked() {
        let doc = json!({"components": {"schemas": {"E": {
            "type": "object", "required": ["error", "message"],
            "properties": {"error": {"type": "string"}, "message": {"type": "string"}}
        }}}});
        let schema = json!({"$ref": "#/components/schemas/E"});
        assert!(check(&doc, &schema, &json!({"error": "x", "message": "y"})).is_ok());
        assert!(check(&doc, &schema, &json!({"error": "x"})).unwrap_err().contains("message"));
        assert!(check(&doc, &schema, &json!({"error": 1, "message": "y"})).is_err());
        let list = json!({"type": "array", "items": schema});
        assert!(check(&doc, &list, &json!([{"error": "x"}])).is_err());
        let either = json!({"oneOf": [{"type": "string"}, {"type": "integer"}]});
        assert!(check(&doc, &either, &json!(3)).is_ok());
        assert!(check(&doc, &either, &json!(true)).is_err());
    }
}
