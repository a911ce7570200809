//! Just enough LogQL for the demo: a stream selector with `=`, `!=`, `=~`, `!~` matchers and
//! line filters `|=`, `!=`, `|~`, `!~`. Other pipeline stages (`| json`, ...) are accepted and
//! ignored.

use std::collections::BTreeMap;

use regex::Regex;

enum Test {
    Eq(String),
    Ne(String),
    Re(Regex),
    NotRe(Regex),
}

impl Test {
    fn label(&self, value: &str) -> bool {
        match self {
            Test::Eq(v) => value == v,
            Test::Ne(v) => value != v,
            Test::Re(re) => re.is_match(value),
            Test::NotRe(re) => !re.is_match(value),
        }
    }

    fn line(&self, line: &str) -> bool {
        match self {
            Test::Eq(v) => line.contains(v.as_str()),
            Test::Ne(v) => !line.contains(v.as_str()),
            other => other.label(line),
        }
    }
}

/// A parsed log query.
pub struct LogQuery {
    matchers: Vec<(String, Test)>,
    filters: Vec<Test>,
}

/// What a query string is.
pub enum Parsed {
    Logs(LogQuery),
    /// Something like `sum(rate({app="checkout"}[1m]))`: Loki answers those with a matrix.
    Metric,
}

impl LogQuery {
    pub fn matches(&self, labels: &BTreeMap<&str, &str>, line: &str) -> bool {
        self.matchers
            .iter()
            .all(|(name, t)| t.label(labels.get(name.as_str()).copied().unwrap_or("")))
            && self.filters.iter().all(|t| t.line(line))
    }
}

struct P<'a> {
    s: &'a str,
    i: usize,
}

impl<'a> P<'a> {
    fn rest(&self) -> &'a str {
        &self.s[self.i..]
    }

    fn ws(&mut self) {
        let rest = self.rest();
        self.i += rest.len() - rest.trim_start().len();
    }

    fn eat(&mut self, token: &str) -> bool {
        self.ws();
        let hit = self.rest().starts_with(token);
        if hit {
            self.i += token.len();
        }
        hit
    }

    fn err<T>(&self, what: &str) -> Result<T, String> {
        Err(format!(
            "parse error at line 1, col {}: syntax error: {what}",
            self.i + 1
        ))
    }

    fn ident(&mut self) -> Result<String, String> {
        self.ws();
        let rest = self.rest();
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        if len == 0 {
            return self.err("unexpected character, expecting IDENTIFIER");
        }
        self.i += len;
        Ok(rest[..len].to_string())
    }

    /// `"..."` with backslash escapes, or a raw `` `...` `` string.
    fn string(&mut self) -> Result<String, String> {
        self.ws();
        let mut chars = self.rest().char_indices();
        let quote = match chars.next() {
            Some((_, q @ ('"' | '`'))) => q,
            _ => return self.err("expecting STRING"),
        };
        let mut out = String::new();
        let mut escaped = false;
        for (at, c) in chars {
            match c {
                _ if escaped => {
                    out.push(match c {
                        'n' => '\n',
                        't' => '\t',
                        other => other,
                    });
                    escaped = false;
                }
                '\\' if quote == '"' => escaped = true,
                _ if c == quote => {
                    self.i += at + 1;
                    return Ok(out);
                }
                _ => out.push(c),
            }
        }
        self.err("unterminated STRING")
    }

    fn test(&mut self, ops: [&str; 4], anchored: bool) -> Result<Test, String> {
        let op = ops.iter().position(|op| self.eat(op));
        let Some(op) = op else {
            return self.err("unexpected character, expecting an operator");
        };
        let value = self.string()?;
        let regex = |v: &str| {
            let pattern = if anchored {
                format!("^(?:{v})$")
            } else {
                v.to_string()
            };
            Regex::new(&pattern).map_err(|e| format!("invalid regex `{v}`: {e}"))
        };
        Ok(match op {
            0 => Test::Re(regex(&value)?),
            1 => Test::NotRe(regex(&value)?),
            2 => Test::Ne(value),
            _ => Test::Eq(value),
        })
    }
}

/// Parses a query; the error text reads like Loki's.
pub fn parse(query: &str) -> Result<Parsed, String> {
    let mut p = P { s: query, i: 0 };
    if !p.eat("{") {
        return if query.contains('{') {
            Ok(Parsed::Metric)
        } else {
            p.err("unexpected IDENTIFIER")
        };
    }
    let mut matchers = Vec::new();
    while !p.eat("}") {
        let name = p.ident()?;
        matchers.push((name, p.test(["=~", "!~", "!=", "="], true)?));
        if !p.eat(",") && !p.rest().trim_start().starts_with('}') {
            return p.err("unexpected character, expecting , or }");
        }
    }
    if matchers.is_empty() {
        return Err("queries require at least one regexp or equality matcher that does not have an empty-compatible value".into());
    }
    let mut filters = Vec::new();
    loop {
        p.ws();
        if p.rest().is_empty()
            || (p.rest().starts_with('|')
                && !p.rest().starts_with("|=")
                && !p.rest().starts_with("|~"))
        {
            break;
        }
        filters.push(p.test(["|~", "!~", "!=", "|="], false)?);
    }
    Ok(Parsed::Logs(LogQuery { matchers, filters }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn logs(q: &str) -> LogQuery {
        match parse(q) {
            Ok(Parsed::Logs(l)) => l,
            Ok(Parsed::Metric) => panic!("{q} parsed as a metric query"),
            Err(e) => panic!("{q}: {e}"),
        }
    }

    #[test]
    fn selectors_and_filters() {
        let labels: BTreeMap<&str, &str> = [("app", "checkout"), ("level", "error")].into();
        assert!(logs(r#"{app="checkout"}"#).matches(&labels, "x"));
        assert!(logs(r#"{app="checkout", level=~"warn|error"}"#).matches(&labels, "x"));
        assert!(!logs(r#"{app="checkout",level!="error"}"#).matches(&labels, "x"));
        assert!(logs(r#"{app=~"check.*"} |= "time" != "db""#).matches(&labels, "timeout"));
        assert!(!logs(r#"{app="checkout"} |~ `db-\d` "#).matches(&labels, "db-x"));
        assert!(logs(r#"{app="checkout"} | json"#).matches(&labels, "x"));
        assert!(matches!(
            parse("sum(rate({app=\"x\"}[1m]))"),
            Ok(Parsed::Metric)
        ));
        assert!(parse("up").is_err());
        assert!(parse(r#"{app="unterminated}"#).is_err());
        assert!(parse("{}").is_err());
        assert!(parse(r#"{app=~"("}"#).is_err());
    }
}
