//! The prefixes of XPath expressions as NETCONF carries them: a filter's or a partial lock's
//! `select` (RFC 6241 §8.9.1, RFC 5717 §2.4.1) and an instance-identifier in a reply
//! (RFC 7950 §9.13) name nodes as `prefix:name`, with the prefixes bound by the XML namespace
//! declarations in scope. No evaluation here: evaluation is libyang's (`crates/yang`), which
//! wants module names where XML has prefixes.
//!
//! Hand-written because no crate reads XPath 1.0's lexical structure without also owning the
//! document model; what is needed is only where the name tests are, outside string literals.

/// An XPath string literal for a value: single quotes unless the value holds one.
pub fn literal(value: &str) -> String {
    if value.contains('\'') {
        format!("\"{value}\"")
    } else {
        format!("'{value}'")
    }
}

/// Appends one step of a data path in libyang's form (RFC 7951 style): `/module:name` where
/// the module changes from `current` (the previous step's, updated here), `/name` otherwise.
pub fn push_step<'a>(path: &mut String, current: &mut &'a str, module: &'a str, name: &str) {
    path.push('/');
    if module != *current {
        path.push_str(module);
        path.push(':');
        *current = module;
    }
    path.push_str(name);
}

/// A prefix the expression uses that nothing binds.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the XPath expression uses the prefix {0:?}, which no namespace declaration binds")]
pub struct UnboundPrefix(pub String);

fn is_name_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '.')
}

/// Rewrites every prefix of a qualified name test (`p:name`, `p:*`) with what `replace` gives
/// for it; string literals, axis names (`child::`) and function names stay as they are.
pub fn rewrite_prefixes(
    expression: &str,
    mut replace: impl FnMut(&str) -> Option<String>,
) -> Result<String, UnboundPrefix> {
    rewrite_names(expression, |prefix, local| match prefix {
        None => Ok(local.to_owned()),
        Some(prefix) => replace(prefix)
            .map(|p| format!("{p}:{local}"))
            .ok_or_else(|| UnboundPrefix(prefix.to_owned())),
    })
}

/// Gives every unprefixed name test of a path in libyang's JSON form (`/m:a/b[c='x']`) the
/// module of the name before it, as XML paths need (`/m:a/m:b[m:c='x']`).
pub fn qualify_json_path(path: &str) -> String {
    let mut module: Option<String> = None;
    rewrite_names(path, |prefix, local| {
        Ok(match (prefix, &module) {
            (Some(prefix), _) => {
                module = Some(prefix.to_owned());
                format!("{prefix}:{local}")
            }
            (None, Some(module)) => format!("{module}:{local}"),
            (None, None) => local.to_owned(),
        })
    })
    .unwrap_or_else(|_| path.to_owned())
}

/// Hands every name test (`name`, `p:name`, `p:*`) to `rewrite` as (prefix, local part) and
/// puts what it returns in its place; string literals, numbers, variables, axis names and
/// function names stay as they are.
fn rewrite_names(
    expression: &str,
    mut rewrite: impl FnMut(Option<&str>, &str) -> Result<String, UnboundPrefix>,
) -> Result<String, UnboundPrefix> {
    let mut out = String::with_capacity(expression.len() + 16);
    let mut chars = expression.char_indices().peekable();
    let name_end = |from: usize| -> usize {
        expression[from..]
            .char_indices()
            .find(|(_, c)| !is_name_char(*c))
            .map_or(expression.len(), |(at, _)| from + at)
    };
    while let Some((start, c)) = chars.next() {
        if c == '\'' || c == '"' {
            out.push(c);
            for (_, inner) in chars.by_ref() {
                out.push(inner);
                if inner == c {
                    break;
                }
            }
            continue;
        }
        // A number's digits and a variable's name are not name tests.
        if c == '$' || c.is_ascii_digit() {
            let end = name_end(start + c.len_utf8());
            out.push_str(&expression[start..end]);
            while chars.peek().is_some_and(|(at, _)| *at < end) {
                chars.next();
            }
            continue;
        }
        if !is_name_start(c) {
            out.push(c);
            continue;
        }
        let first_end = name_end(start);
        let rest = &expression[first_end..];
        let qualified = rest.starts_with(':')
            && !rest.starts_with("::")
            && rest[1..]
                .chars()
                .next()
                .is_some_and(|n| n == '*' || is_name_start(n));
        let (prefix, local, end) = if qualified {
            let local_start = first_end + 1;
            let local_end = if rest[1..].starts_with('*') {
                local_start + 1
            } else {
                name_end(local_start)
            };
            (
                Some(&expression[start..first_end]),
                &expression[local_start..local_end],
                local_end,
            )
        } else {
            (None, &expression[start..first_end], first_end)
        };
        while chars.peek().is_some_and(|(at, _)| *at < end) {
            chars.next();
        }
        let after = expression[end..].trim_start();
        let not_a_name_test = after.starts_with('(') || after.starts_with("::");
        if not_a_name_test {
            out.push_str(&expression[start..end]);
        } else {
            out.push_str(&rewrite(prefix, local)?);
        }
    }
    Ok(out)
}

/// The steps of a location path without predicates (`/p:a/p:b`), as (namespace, local name)
/// with each prefix resolved by `bindings`; `None` when it is not such a path. An
/// instance-identifier's key predicates (`[p:name='x']`) are skipped.
pub fn path_steps(
    path: &str,
    bindings: &[(String, String)],
) -> Result<Option<Vec<(String, String)>>, UnboundPrefix> {
    let path = path.trim();
    let Some(body) = path.strip_prefix('/') else {
        return Ok(None);
    };
    let mut steps = Vec::new();
    let mut step = String::new();
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut finish = |step: &mut String| -> Result<bool, UnboundPrefix> {
        let text = std::mem::take(step);
        let Some((prefix, local)) = text.split_once(':') else {
            return Ok(false);
        };
        let namespace = bindings
            .iter()
            .find(|(p, _)| p == prefix)
            .map(|(_, n)| n.clone())
            .ok_or_else(|| UnboundPrefix(prefix.to_owned()))?;
        steps.push((namespace, local.to_owned()));
        Ok(true)
    };
    for c in body.chars() {
        match (quote, c) {
            (Some(q), _) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') if depth > 0 => quote = Some(c),
            (None, '[') => depth += 1,
            (None, ']') => depth = depth.saturating_sub(1),
            (None, '/') if depth == 0 => {
                if !finish(&mut step)? {
                    return Ok(None);
                }
            }
            (None, _) if depth == 0 => step.push(c),
            (None, _) => {}
        }
    }
    if !finish(&mut step)? {
        return Ok(None);
    }
    Ok(Some(steps))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn modules(prefix: &str) -> Option<String> {
        match prefix {
            "sys" => Some("ietf-system".to_owned()),
            "if" => Some("ietf-interfaces".to_owned()),
            _ => None,
        }
    }

    #[test]
    fn prefixes_of_name_tests_are_rewritten_and_nothing_else() {
        let cases = [
            (
                "/sys:system/sys:location",
                "/ietf-system:system/ietf-system:location",
            ),
            (
                "/if:interfaces/if:interface[if:name='a:b']",
                "/ietf-interfaces:interfaces/ietf-interfaces:interface[ietf-interfaces:name='a:b']",
            ),
            (
                "/sys:system/child::sys:*",
                "/ietf-system:system/child::ietf-system:*",
            ),
            (
                "count(/sys:system/sys:dns-resolver/sys:search) > 1.5",
                "count(/ietf-system:system/ietf-system:dns-resolver/ietf-system:search) > 1.5",
            ),
            (
                "/sys:system[contains(sys:location, \"x:y\")]",
                "/ietf-system:system[contains(ietf-system:location, \"x:y\")]",
            ),
            ("//*", "//*"),
        ];
        for (given, expected) in cases {
            assert_eq!(
                rewrite_prefixes(given, modules).as_deref(),
                Ok(expected),
                "{given}"
            );
        }
    }

    #[test]
    fn a_json_path_gets_a_prefix_on_every_step() {
        assert_eq!(
            qualify_json_path("/ietf-system:system/location"),
            "/ietf-system:system/ietf-system:location"
        );
        assert_eq!(
            qualify_json_path("/a:x/y[k='v:w']/b:z/n[.='1']"),
            "/a:x/a:y[a:k='v:w']/b:z/b:n[.='1']"
        );
    }

    #[test]
    fn an_unbound_prefix_is_named() {
        assert_eq!(
            rewrite_prefixes("/x:a", modules),
            Err(UnboundPrefix("x".to_owned()))
        );
    }

    #[test]
    fn instance_identifiers_resolve_to_namespaced_steps() {
        let bindings = vec![("s".to_owned(), "urn:s".to_owned())];
        assert_eq!(
            path_steps("/s:a/s:b[s:k='x/y]']/s:c", &bindings),
            Ok(Some(vec![
                ("urn:s".to_owned(), "a".to_owned()),
                ("urn:s".to_owned(), "b".to_owned()),
                ("urn:s".to_owned(), "c".to_owned()),
            ]))
        );
        assert_eq!(path_steps("a/b", &bindings), Ok(None));
        assert_eq!(path_steps("/s:a/b", &bindings), Ok(None));
        assert_eq!(
            path_steps("/t:a", &bindings),
            Err(UnboundPrefix("t".to_owned()))
        );
    }
}
