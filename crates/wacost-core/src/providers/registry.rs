//! The providers known to a run: the embedded `data/providers.toml`, merged with the user's
//! files (a provider of the same name replaces the embedded one), and the ones chosen by
//! name (`--providers`).

use serde::Deserialize;

use super::schema::Provider;
use crate::pricing::{DataError, DataSource};

const EMBEDDED_PROVIDERS: &str = include_str!("../../../../data/providers.toml");

/// Every provider known: the embedded defaults and the user's files.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Providers {
    list: Vec<Provider>,
}

/// A providers file: `[[provider]]` tables, each with the span it was read from.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProvidersFile {
    #[serde(default)]
    provider: Vec<toml::Spanned<Provider>>,
}

/// A provider name that is not in the file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("no provider {name:?}; known providers: {known}")]
pub struct UnknownProvider {
    /// The name asked for.
    pub name: String,
    /// The names known, comma-separated.
    pub known: String,
}

impl Providers {
    /// The embedded `data/providers.toml`.
    pub fn embedded() -> Providers {
        Providers::parse(
            EMBEDDED_PROVIDERS,
            &DataSource::embedded("embedded:data/providers.toml"),
        )
        .expect("the embedded providers file is valid")
    }

    /// Reads a providers file (format at the top of `data/providers.toml`).
    pub fn parse(text: &str, origin: &DataSource) -> Result<Providers, DataError> {
        let line_at = |offset: usize| {
            text.as_bytes()[..offset.min(text.len())]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1
        };
        let file: ProvidersFile = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| line_at(s.start)).unwrap_or(1);
            origin.error(line, e.message().to_string())
        })?;
        let mut list: Vec<Provider> = Vec::with_capacity(file.provider.len());
        for spanned in file.provider {
            let line = line_at(spanned.span().start);
            let mut p = spanned.into_inner();
            p.validate(origin, line)?;
            if list.iter().any(|q| q.name.eq_ignore_ascii_case(&p.name)) {
                return Err(origin.error(
                    line,
                    format!("a second provider named {:?} in this file", p.name),
                ));
            }
            p.origin = origin.name.clone();
            list.push(p);
        }
        Ok(Providers { list })
    }

    /// Adds another file's providers: a provider of the same name (any case) is replaced in
    /// place, a new one is added at the end.
    pub fn merge(&mut self, other: Providers) {
        for p in other.list {
            match self
                .list
                .iter_mut()
                .find(|q| q.name.eq_ignore_ascii_case(&p.name))
            {
                Some(slot) => *slot = p,
                None => self.list.push(p),
            }
        }
    }

    /// Every provider, in file order.
    pub fn all(&self) -> &[Provider] {
        &self.list
    }

    /// A provider by name, any case.
    pub fn get(&self, name: &str) -> Option<&Provider> {
        let name = name.trim();
        self.list.iter().find(|p| p.name.eq_ignore_ascii_case(name))
    }

    /// The providers named, in that order (every provider for an empty list).
    pub fn select(&self, names: &[String]) -> Result<Vec<&Provider>, UnknownProvider> {
        if names.is_empty() {
            return Ok(self.list.iter().collect());
        }
        let mut out: Vec<&Provider> = Vec::new();
        for n in names {
            let p = self.get(n).ok_or_else(|| UnknownProvider {
                name: n.trim().to_string(),
                known: self
                    .list
                    .iter()
                    .map(|p| p.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })?;
            if !out.iter().any(|q| q.name == p.name) {
                out.push(p);
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    pub(in crate::providers) fn parse(text: &str) -> Providers {
        Providers::parse(text, &DataSource::embedded("test.toml")).unwrap()
    }

    fn parse_err(text: &str) -> DataError {
        Providers::parse(text, &DataSource::embedded("test.toml")).unwrap_err()
    }

    #[test]
    fn embedded_file_has_the_providers_with_sources() {
        let p = Providers::embedded();
        for name in [
            "meta",
            "twilio",
            "360dialog-regular",
            "360dialog-premium",
            "gupshup",
            "callbell",
        ] {
            let x = p.get(name).unwrap_or_else(|| panic!("{name}"));
            assert!(!x.source.is_empty() && !x.as_of.is_empty(), "{name}");
        }
        assert!(p.get("meta").unwrap().fees.is_empty());
        assert_eq!(p.get("TWILIO").unwrap().name, "twilio");
    }

    #[test]
    fn user_file_adds_and_overrides_by_name() {
        let mut p = Providers::embedded();
        let n = p.all().len();
        p.merge(parse(
            "[[provider]]\nname = \"Twilio\"\nsource = \"our contract\"\nas_of = \"2026-09\"\n\
             currency = \"USD\"\nconfidence = \"published\"\n[[provider.fee]]\nitem = \"negotiated\"\n\
             per = \"message\"\namount = \"0.003\"\n\n[[provider]]\nname = \"acme\"\nsource = \"s\"\n\
             as_of = \"a\"\ncurrency = \"USD\"\nconfidence = \"reported\"\n",
        ));
        assert_eq!(p.all().len(), n + 1);
        let t = p.get("twilio").unwrap();
        assert_eq!(t.source, "our contract");
        assert_eq!(t.fees.len(), 1);
        assert_eq!(p.all()[1].name, "Twilio", "replaced in place");
        assert_eq!(p.all().last().unwrap().name, "acme");
    }

    #[test]
    fn bad_files_say_where_and_why() {
        let head = "[[provider]]\nname = \"x\"\nsource = \"s\"\nas_of = \"a\"\ncurrency = \"USD\"\nconfidence = \"published\"\n";
        // A file with one provider and one fee item, `f`, with these fields after its name.
        let fee_err =
            |fields: &str| parse_err(&format!("{head}[[provider.fee]]\nitem = \"f\"\n{fields}"));
        // A float amount.
        let e = fee_err("per = \"message\"\namount = 0.005\n");
        assert_eq!(e.line, 10, "{e}");
        assert!(e.reason.contains("in quotes"), "{e}");
        // An unknown field.
        let e = fee_err("per = \"message\"\namount = \"1\"\ncolour = \"red\"\n");
        assert!(e.to_string().starts_with("test.toml:11:"), "{e}");
        assert!(e.reason.contains("colour"), "{e}");
        // An unknown unit.
        let e = fee_err("per = \"minute\"\namount = \"1\"\n");
        assert_eq!(e.line, 9, "{e}");
        // A status on inbound messages; a failed status without direction.
        let e = fee_err(
            "per = \"message\"\namount = \"1\"\ndirection = \"inbound\"\nstatus = \"failed\"\n",
        );
        assert_eq!(e.line, 1, "{e}");
        assert!(
            e.reason.contains("inbound messages have no final status"),
            "{e}"
        );
        let e = fee_err("per = \"message\"\namount = \"1\"\nstatus = \"failed\"\n");
        assert!(e.reason.contains("direction = \"outbound\""), "{e}");
        // Direction on a monthly fee; dates the wrong way round; a bad category; duplicates.
        let e = fee_err("per = \"seat\"\namount = \"1\"\ndirection = \"any\"\n");
        assert!(e.reason.contains("only to per = \"message\""), "{e}");
        let e =
            fee_err("per = \"seat\"\namount = \"1\"\nfrom = \"2026-02-01\"\nto = \"2026-01-01\"\n");
        assert!(e.reason.contains("before from"), "{e}");
        let e = parse_err(&format!(
            "{head}[[provider.markup]]\ncategory = \"promo\"\npercent = \"6\"\n"
        ));
        assert!(e.reason.contains("unknown category"), "{e}");
        let e = parse_err(&format!("{head}\n{head}"));
        assert_eq!(e.line, 8, "{e}");
        assert!(e.reason.contains("second provider"), "{e}");
        let e = parse_err(
            "[[provider]]\nname = \"a,b\"\nsource = \"s\"\nas_of = \"a\"\ncurrency = \"USD\"\nconfidence = \"published\"\n",
        );
        assert!(e.reason.contains("--providers key"), "{e}");
    }
}
