//! What the JSON readers (Cloud API webhooks, Meta's analytics answers) share: reading a
//! field as text and naming where in the document a value is, for error messages.

use serde_json::Value;

/// A field as trimmed text, whether the JSON wrote it as a string or a number (Meta writes
/// ids and timestamps both ways); `None` when missing, empty or of another type.
pub(crate) fn text(v: &Value, key: &str) -> Option<String> {
    let t = match v.get(key)? {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    (!t.is_empty()).then_some(t)
}

/// The path of a value inside the document, as an error message names it
/// (`entry[0].changes[1].value`).
pub(crate) fn join(path: &str, part: &str) -> String {
    if path.is_empty() {
        part.to_string()
    } else {
        format!("{path}.{part}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn text_of_strings_and_numbers() {
        let v = json!({"id": " 123 ", "ts": 1770026400, "empty": "", "list": [1]});
        assert_eq!(text(&v, "id").as_deref(), Some("123"));
        assert_eq!(text(&v, "ts").as_deref(), Some("1770026400"));
        assert_eq!(text(&v, "empty"), None);
        assert_eq!(text(&v, "list"), None);
        assert_eq!(text(&v, "missing"), None);
        assert_eq!(join("", "entry[0]"), "entry[0]");
        assert_eq!(join("entry[0]", "changes[1]"), "entry[0].changes[1]");
    }
}
