//! Names that pick one of a fixed set of choices (a host-key policy, a `--fail-on` level, a
//! schema-findings mode), read the same way wherever they are given.

/// A name that is none of the choices.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{given:?} is not a {what}; choose one of: {}", expected.join(", "))]
pub struct UnknownChoice {
    pub what: &'static str,
    pub given: String,
    pub expected: Vec<&'static str>,
}

/// The choice named `given` in `table` (name, value).
pub fn choose<T: Copy>(
    what: &'static str,
    given: &str,
    table: &[(&'static str, T)],
) -> Result<T, UnknownChoice> {
    table
        .iter()
        .find(|(name, _)| *name == given)
        .map(|(_, value)| *value)
        .ok_or_else(|| UnknownChoice {
            what,
            given: given.to_owned(),
            expected: names(table),
        })
}

/// The names of the choices, in the table's order (for `--help` and error messages).
pub fn names<T>(table: &[(&'static str, T)]) -> Vec<&'static str> {
    table.iter().map(|(name, _)| *name).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrong_name_lists_the_choices() {
        let table = [("warn", 1), ("fail", 2)];
        assert_eq!(choose("mode", "fail", &table), Ok(2));
        let wrong = choose("mode", "panic", &table).expect_err("not a choice");
        assert_eq!(
            wrong.to_string(),
            "\"panic\" is not a mode; choose one of: warn, fail"
        );
    }
}
